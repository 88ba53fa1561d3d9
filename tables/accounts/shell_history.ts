// shell_history: the commands in each selected user's shell history files
// (osquery's user_data selection): ~/.bash_history, .zsh_history, .zhistory,
// .history, .sh_history, .ash_history, then macOS-style ~/.bash_sessions/*.history.
// Bash's `#<epoch>` lines (HISTTIMEFORMAT) and zsh's extended
// `: <epoch>:<elapsed>;<command>` lines give `time`; other lines have time 0.
import { usersFromContext } from "../../src/linux/users.ts";
import { existsSync } from "node:fs";
import { defineTable, type Row } from "../../src/table.ts";
import { joinPath, listFiles, readRegularFile } from "./common.ts";

export const HISTORY_FILES = [".bash_history", ".zsh_history", ".zhistory", ".history", ".sh_history", ".ash_history"];

export default defineTable({
  name: "shell_history",
  userData: true,
  columns: {
    uid: "BIGINT additional optimized",
    time: "INTEGER",
    command: "TEXT",
    history_file: "TEXT",
  },
  generate(ctx) {
    const rows: Row[] = [];
    for (const user of usersFromContext(ctx)) {
      const files = HISTORY_FILES.map((f) => joinPath(user.home, f));
      const sessions = joinPath(user.home, ".bash_sessions");
      if (existsSync(sessions)) for (const item of listFiles(sessions).filter((f) => f.endsWith(".history"))) files.push(item);
      for (const file of files) {
        const text = readRegularFile(file);
        if (text === null) continue;
        for (const h of parseShellHistory(text)) rows.push({ uid: user.uid, ...h, history_file: file });
      }
    }
    return rows;
  },
});

export interface HistoryEntry {
  /** Unix time as text, exactly as written in the file ("0" when the line has none). */
  readonly time: string;
  readonly command: string;
}

const BASH_TIME = /^#([0-9]+)$/;
const ZSH_EXTENDED = /^: {0,10}([0-9]{1,11}):[0-9]+;(.*)$/;

/**
 * Every line is an entry (an empty line is an empty command), except a bash
 * timestamp line, which dates the line after it. A final line without a
 * newline counts too. Not copied from osquery (posix/shell_history.cpp): its
 * chunked reader keeps already-parsed text when a read ends one byte past a
 * newline, so a file ending in a one-character unterminated line (or a chunk
 * boundary at that spot) repeats earlier lines, joined, as an extra command.
 */
export function parseShellHistory(text: string): HistoryEntry[] {
  const out: HistoryEntry[] = [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  let pending: string | null = null;
  for (const line of lines) {
    if (pending === null) {
      const b = BASH_TIME.exec(line);
      if (b) {
        pending = b[1]!;
        continue;
      }
    }
    if (pending !== null) {
      out.push({ time: pending, command: line });
      pending = null;
      continue;
    }
    const z = ZSH_EXTENDED.exec(line);
    out.push(z ? { time: z[1]!, command: z[2]! } : { time: "0", command: line });
  }
  return out;
}
