// osquery's split(text, delims): cut at any of the delimiter characters, drop
// the empty pieces, trim the rest. Several of osquery's text parsers (apt
// sources, Release files, Portage files, python METADATA) rely on exactly
// these rules, so tables that mirror them share this one copy.
export function osquerySplit(text: string, delims = "\t "): string[] {
  const out: string[] = [];
  let piece = "";
  for (const ch of text) {
    if (delims.includes(ch)) {
      if (piece.length > 0) out.push(piece.trim());
      piece = "";
    } else piece += ch;
  }
  if (piece.length > 0) out.push(piece.trim());
  return out;
}
