// osqueryi: runs statements and meta-commands from argv, a file, a pipe or a
// terminal, with osquery's output modes, errors and exit codes (INTERFACES §3).
import { flags } from "../flags/flags.ts";
import { QueryError, runQuery, type QueryLimits, type QueryResult } from "../sql/engine.ts";
import { logToStderr, WARNING } from "../logger/glog.ts";
import { render, type Mode, type OutputSettings } from "./output.ts";
import { splitStatements } from "../sql/lexer.ts";
import { remoteQuery } from "./connect.ts";

export interface ShellState {
  readonly out: OutputSettings;
  bail: boolean;
  echo: boolean;
  timer: boolean;
  /** Per-query time limit in seconds (0: none): --query_timeout, then `.timeout`. */
  timeout: number;
  /** Output sink: stdout or the --output file. */
  write: (text: string) => void;
  exitCode: number | null;
  views: Map<string, string>;
  /** The extension socket statements are sent to (`.connect`, --connect), or "" to run them here. */
  connect: string;
}

/** Output mode from flags: --list, --line, --csv win (in that order), else pretty/json. */
export function initialMode(): Mode {
  if (flags.bool("list")) return "list";
  if (flags.bool("line")) return "line";
  if (flags.bool("csv")) return "csv";
  if (flags.bool("json_pretty")) return "json_pretty";
  if (flags.bool("json")) return "json";
  return "pretty";
}

export function newShellState(write: (text: string) => void): ShellState {
  return {
    out: {
      mode: initialMode(),
      // --csv sets "," and then --separator (default "|") overwrites it: osquery's quirk.
      separator: flags.get("separator"),
      headers: flags.bool("header"),
      nullValue: flags.get("nullvalue"),
      flagNullValue: flags.get("nullvalue"),
      widths: [],
    },
    bail: false,
    echo: false,
    timer: false,
    timeout: flags.num("query_timeout"),
    write,
    exitCode: null,
    views: new Map(),
    connect: flags.get("connect"),
  };
}

/** The limits of the shell's queries: `.timeout` (or --query_timeout) and --query_max_rows. */
export function shellLimits(state: ShellState): QueryLimits {
  return { timeout: state.timeout, maxRows: flags.num("query_max_rows") };
}

export type StatementOutcome = { ok: true; result: QueryResult } | { ok: false; error: QueryError };

export async function runStatement(state: ShellState, sql: string): Promise<StatementOutcome> {
  if (state.echo) state.write(sql + "\n");
  const started = performance.now();
  const cpu = process.cpuUsage();
  try {
    const warnings: string[] = [];
    const result = state.connect
      ? await remoteQuery(state.connect, sql, flags.num("thrift_timeout") * 1000)
      : await runQuery(sql, { views: state.views, warnings, limits: shellLimits(state) });
    for (const w of warnings) logToStderr(WARNING, "virtual_table.cpp", 965, w);
    state.write(render(result, state.out));
    if (state.timer) {
      const used = process.cpuUsage(cpu);
      const real = (performance.now() - started) / 1000;
      state.write(`Run Time: real ${real.toFixed(3)} user ${(used.user / 1e6).toFixed(6)} sys ${(used.system / 1e6).toFixed(6)}\n`);
    }
    return { ok: true, result };
  } catch (e) {
    const error = e instanceof QueryError ? e : new QueryError((e as Error).message ?? String(e));
    for (const w of error.warnings) logToStderr(WARNING, "virtual_table.cpp", 965, w);
    return { ok: false, error };
  }
}

/** Runs SQL given in argv or --query: `Error: msg` and the SQLite code on failure. */
export async function runArgument(state: ShellState, sql: string): Promise<number> {
  const { statements, rest } = splitStatements(sql);
  const all = rest.trim() ? [...statements, rest.trim()] : statements;
  for (const s of all) {
    const r = await runStatement(state, s);
    if (!r.ok) {
      process.stderr.write(`Error: ${r.error.message}\n`);
      return r.error.code;
    }
  }
  return 0;
}
