// --profile N: osquery's profiling mode. The query (the first line of piped
// stdin, else the first positional argument) runs N times with nothing
// printed, so an outside profiler sees only query work; --profile_delay
// seconds of sleep before and after give it time to attach and detach. The
// shell, the config and the database are never started. A failure stops the
// loop with `Query failed (<code>): <message>` on stderr and that exit code.
import { flags } from "../flags/flags.ts";
import { logToStderr, WARNING } from "../logger/glog.ts";
import { QueryError, runQuery, SQLITE_ERROR } from "../sql/engine.ts";
import { splitStatements } from "../sql/lexer.ts";

/** osquery's exit code when profiling has no query to run. */
const EXIT_NO_QUERY = 2;

async function profileQuery(positional: readonly string[]): Promise<string | null> {
  if (!process.stdin.isTTY) {
    const input = await Bun.stdin.text();
    return input.split("\n")[0] ?? "";
  }
  return positional[0] ?? null;
}

export async function runProfile(positional: readonly string[]): Promise<number> {
  const sql = await profileQuery(positional);
  if (sql === null) {
    process.stderr.write("No query provided via stdin or args to profile...\n");
    return EXIT_NO_QUERY;
  }
  const delay = flags.num("profile_delay");
  if (delay > 0) await Bun.sleep(delay * 1000);
  const { statements, rest } = splitStatements(sql);
  const all = rest.trim() ? [...statements, rest.trim()] : statements;
  for (let i = 0; i < flags.num("profile"); i++) {
    for (const statement of all) {
      const warnings: string[] = [];
      try {
        await runQuery(statement, { warnings });
      } catch (e) {
        if (e instanceof QueryError) warnings.push(...e.warnings);
        const message = e instanceof QueryError ? e.message : String((e as Error).message ?? e);
        // osquery reports any SQLite failure of its internal query as status 1.
        process.stderr.write(`Query failed (${SQLITE_ERROR}): ${message}\n`);
        return SQLITE_ERROR;
      } finally {
        for (const w of warnings) logToStderr(WARNING, "virtual_table.cpp", 965, w);
      }
    }
  }
  if (delay > 0) await Bun.sleep(delay * 1000);
  return 0;
}
