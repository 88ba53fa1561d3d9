// osquery's split(text, delims) (osquery/utils/conversions/split.cpp): cut at
// any of the delimiter characters, drop the empty pieces, then trim each piece
// as boost::trim does in the C locale (a piece of only blanks survives as "").
// osquery's SQL split() and many of its text parsers (apt sources, Portage,
// /proc files, /etc/hosts, crontabs, ...) rely on exactly these rules, so this
// is the one copy osq has of them.

/** The only whitespace boost::trim removes in the C locale (isspace): no NBSP, no Unicode spaces. */
const C_SPACE = /^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g;

export const trimCSpace = (s: string): string => s.replace(C_SPACE, "");

export function osquerySplit(text: string, delims = " \t"): string[] {
  const out: string[] = [];
  let piece = "";
  for (const ch of text) {
    if (delims.includes(ch)) {
      if (piece.length > 0) out.push(trimCSpace(piece));
      piece = "";
    } else piece += ch;
  }
  if (piece.length > 0) out.push(trimCSpace(piece));
  return out;
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
