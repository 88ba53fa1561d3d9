// Scripts for the shell: a pipe or a --query_file, where statements and
// meta-commands mix. Kept apart from shell.ts, which the meta-commands use to
// run their statements, so that neither imports the other.
import { splitStatements } from "../sql/lexer.ts";
import { runMeta } from "./meta.ts";
import { runStatement, type ShellState } from "./shell.ts";

/**
 * Runs a whole input (a pipe or a file): statements end at `;`, meta-commands
 * are lines starting with `.` while no SQL is pending, and what is left at EOF
 * runs without a `;`. Errors print as `Error: near line N: msg`. Returns the exit code.
 */
export async function runScript(state: ShellState, input: string): Promise<number> {
  let pending = "";
  let pendingLine = 0;
  let failed = false;
  const lines = input.split("\n");
  const runPending = async (final: boolean): Promise<boolean> => {
    const { statements, rest } = splitStatements(pending);
    const toRun = final && rest.trim() ? [...statements, rest.trim()] : statements;
    for (const sql of toRun) {
      const r = await runStatement(state, sql);
      if (!r.ok) {
        process.stderr.write(`Error: near line ${pendingLine}: ${r.error.message}\n`);
        failed = true;
        if (state.bail) return false;
      }
    }
    pending = final ? "" : rest;
    return true;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (pending.trim() === "" && line.trimStart().startsWith(".")) {
      pending = "";
      const r = await runMeta(state, line.trim());
      if (r === "error") failed = true;
      if (state.exitCode !== null) return state.exitCode;
      continue;
    }
    if (pending.trim() === "") pendingLine = i + 1;
    pending += line + "\n";
    if (line.includes(";")) {
      if (!(await runPending(false))) return 1;
    }
  }
  if (pending.trim() !== "") await runPending(true);
  return failed ? 1 : 0;
}
