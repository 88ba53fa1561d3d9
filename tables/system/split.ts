// osquery's own string splitting (osquery/utils/conversions/split.cpp), which
// several of its Linux parsers rely on, so osq parses the same text the same
// way: split on ANY of the delimiter characters, drop empty pieces, then trim
// each piece.
export function osquerySplit(text: string, delims = " \t"): string[] {
  const pieces: string[] = [];
  let from = 0;
  for (let i = 0; i <= text.length; i++) {
    if (i === text.length || delims.includes(text[i] as string)) {
      if (i > from) pieces.push(text.slice(from, i));
      from = i + 1;
    }
  }
  return pieces.map((p) => p.trim());
}

/**
 * osquery's split(s, delim, occurrences): split fully on `delim`, keep the
 * first `occurrences` pieces and join the rest back with `delim`.
 */
export function osquerySplitN(text: string, delim: string, occurrences: number): string[] {
  const all = osquerySplit(text, delim);
  if (all.length <= occurrences) return all;
  return [...all.slice(0, occurrences), all.slice(occurrences).join(delim)];
}
