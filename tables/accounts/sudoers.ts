// sudoers: the rules of /etc/sudoers and of the files it includes
// (#include/@include, and #includedir/@includedir directories, whose files are
// skipped when their name contains "." or ends with "~", per sudoers(5)). Each
// row is a line split into its first word (`header`) and the rest
// (`rule_details`); lines continued with a trailing backslash are joined.
import { dirname } from "node:path";
import { defineTable, type Row } from "../../src/table.ts";
import { joinPath, listFiles, readRegularFile, trimSpace } from "./common.ts";
import { osquerySplit } from "../../src/linux/split.ts";

export const SUDOERS = "/etc/sudoers";

export default defineTable({
  name: "sudoers",
  columns: {
    source: "TEXT",
    header: "TEXT",
    rule_details: "TEXT",
  },
  generate() {
    return readSudoers(SUDOERS).map((r): Row => ({ ...r }));
  },
});

/** The rows of a sudoers file and, in place, of everything it includes. */
export function readSudoers(file: string): SudoersRow[] {
  const rows: SudoersRow[] = [];
  // sudoers(5) allows at most 128 levels of nesting. (Like osquery, the level
  // also grows with each file of an includedir.)
  const read = (path: string, level: number): void => {
    if (level > 128) return;
    const text = readRegularFile(path);
    if (text === null) return;
    for (const inc of parseSudoers(text, path, rows)) {
      if (inc.kind === "includedir") {
        for (const f of listFiles(inc.path)) {
          const base = f.slice(f.lastIndexOf("/") + 1);
          if (base === "" || base.includes(".") || base.endsWith("~")) continue;
          read(f, ++level);
        }
      } else {
        read(inc.path, ++level);
      }
    }
  };
  read(file, 1);
  return rows;
}

export interface SudoersRow {
  source: string;
  header: string;
  rule_details: string;
}

export interface SudoersInclude {
  readonly kind: "include" | "includedir";
  /** The target, made absolute relative to the including file's directory. */
  readonly path: string;
}

const SUDO_WS = "\t\v ";

/**
 * Appends `file`'s rows to `rows` and yields each include directive right
 * after its own row, so the caller can read the included file in place
 * (included rows follow the include line, as sudo reads them).
 */
export function* parseSudoers(text: string, file: string, rows: SudoersRow[]): Generator<SudoersInclude> {
  let continued = false;
  for (const raw of osquerySplit(text, "\n")) {
    const line = trimSpace(raw, SUDO_WS);
    if (line === "") continue;
    if (continued) {
      // Drop the backslash from what the previous row ended with, then append.
      continued = line.endsWith("\\");
      const last = rows[rows.length - 1]!;
      if (last.rule_details === "") last.header = last.header.slice(0, -1);
      else last.rule_details = last.rule_details.slice(0, -1);
      last.rule_details += line;
      continue;
    }
    let cut = 0;
    while (cut < line.length && !SUDO_WS.includes(line[cut]!)) cut++;
    const header = line.slice(0, cut);
    const isInclude = header === "#include" || header === "@include";
    const isIncludeDir = header === "#includedir" || header === "@includedir";
    if (line.startsWith("#") && !isInclude && !isIncludeDir) continue;
    const details = trimSpace(line.slice(cut), SUDO_WS);
    // An include without a target is treated like a comment.
    if (details === "" && (isInclude || isIncludeDir)) continue;
    if (!isInclude && !isIncludeDir && line.endsWith("\\")) continued = true;
    rows.push({ source: file, header, rule_details: details });
    if (isInclude || isIncludeDir) {
      const path = details.startsWith("/") ? details : joinPath(dirname(file), details);
      yield { kind: isInclude ? "include" : "includedir", path };
    }
  }
}
