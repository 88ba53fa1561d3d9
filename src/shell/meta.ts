// The shell's dot-commands (INTERFACES §3). Names match by prefix, in the
// order below, so `.h` is `.help` (`.headers` needs an argument).
import { Database } from "bun:sqlite";
import { flags } from "../flags/flags.ts";
import { FLAGS } from "../flags/registry.ts";
import { allTables, loadTables } from "../registry.ts";
import { runQuery, QueryError } from "../sql/engine.ts";
import { OSQUERY_VERSION } from "../version.ts";
import { renderPretty, type Mode } from "./output.ts";
import { createTableText } from "./schema.ts";
import { runStatement, shellLimits, type ShellState } from "./shell.ts";
import { announceConnect, announceDisconnect } from "./connect.ts";

type Outcome = "ok" | "error";

interface Command {
  readonly name: string;
  readonly minArgs: number;
  readonly maxArgs: number;
  readonly run: (state: ShellState, args: string[]) => Promise<Outcome> | Outcome;
}

/** Splits a dot-command line into words: quotes group, backslash escapes. */
export function splitArgs(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i]!)) i++;
    if (i >= line.length) break;
    const q = line[i];
    let word = "";
    if (q === "'" || q === '"') {
      i++;
      while (i < line.length && line[i] !== q) {
        if (line[i] === "\\" && i + 1 < line.length) {
          word += unescape(line[++i]!);
          i++;
        } else word += line[i++];
      }
      i++;
    } else {
      while (i < line.length && !/\s/.test(line[i]!)) {
        if (line[i] === "\\" && i + 1 < line.length) {
          word += unescape(line[++i]!);
          i++;
        } else word += line[i++];
      }
    }
    out.push(word);
  }
  return out;
}

function unescape(c: string): string {
  return c === "n" ? "\n" : c === "t" ? "\t" : c === "r" ? "\r" : c === "\\" ? "\\" : c;
}

function onOff(arg: string): boolean {
  const a = arg.toLowerCase();
  if (a === "on" || a === "yes" || a === "true") return true;
  if (a === "off" || a === "no" || a === "false") return false;
  return Number(a) !== 0 && !Number.isNaN(Number(a));
}

const HELP = `osq's shell: your host's state as SQL tables. Queries run against a
fresh in-memory database each time; nothing is written anywhere.

.all TABLE       Print every row of TABLE
.bail ON|OFF     Stop at the first error when reading a script
.connect PATH    Send queries to an extension manager socket
.disconnect      Stop sending queries to an extension manager
.echo ON|OFF     Print each statement before running it
.exit [CODE]     Leave the shell
.features        Show the disable_*/enable_* switches and their values
.headers ON|OFF  Print column names or not
.help            This text
.mode MODE       Output style, one of:
                   csv      separated values, quoted where needed
                   column   fixed-width columns (see .width)
                   line     one "name = value" per line
                   list     values joined by the separator
                   pretty   bordered table (the default)
.nullvalue TEXT  Text printed for NULL in csv, column, line and list
.plan SQL        Show the constraints each table's generator receives
.print TEXT...   Print the text
.quit            Leave the shell
.schema [TABLE]  Show the CREATE TABLE statement of tables
.separator TEXT  Field separator for list and csv
.socket          Show the extensions socket path
.show            Show the shell's settings and the flags that differ from defaults
.summary         Same as .show
.tables [TABLE]  List the tables whose names start with TABLE
.timeout SECONDS Stop a query that runs longer than SECONDS (0: no limit)
.types SQL       Show the names and declared types of a query's columns
.width N...      Column widths for column mode
`;

const MODES: Record<string, Mode> = {
  csv: "csv",
  column: "column",
  columns: "column",
  line: "line",
  lines: "line",
  list: "list",
  pretty: "pretty",
};

const COMMANDS: Command[] = [
  { name: "all", minArgs: 1, maxArgs: 1, run: (s, a) => runAsStatement(s, `SELECT * FROM ${a[0]}`) },
  { name: "bail", minArgs: 1, maxArgs: 1, run: (s, a) => ((s.bail = onOff(a[0]!)), "ok") },
  { name: "connect", minArgs: 1, maxArgs: 1, run: connect },
  { name: "disconnect", minArgs: 0, maxArgs: 0, run: disconnect },
  { name: "echo", minArgs: 1, maxArgs: 1, run: (s, a) => ((s.echo = onOff(a[0]!)), "ok") },
  { name: "exit", minArgs: 0, maxArgs: 1, run: (s, a) => ((s.exitCode = a[0] ? Number(a[0]) || 0 : 0), "ok") },
  { name: "features", minArgs: 0, maxArgs: 0, run: features },
  { name: "headers", minArgs: 1, maxArgs: 1, run: (s, a) => ((s.out.headers = onOff(a[0]!)), "ok") },
  { name: "help", minArgs: 0, maxArgs: 0, run: () => (process.stderr.write(HELP + ".timer ON|OFF    Print the real and CPU time each query took\n"), "ok") },
  { name: "list", minArgs: 0, maxArgs: 1, run: tables },
  { name: "mode", minArgs: 1, maxArgs: 2, run: mode },
  { name: "nullvalue", minArgs: 1, maxArgs: 1, run: (s, a) => ((s.out.nullValue = a[0]!), "ok") },
  { name: "plan", minArgs: 1, maxArgs: Infinity, run: planCommand },
  { name: "print", minArgs: 0, maxArgs: Infinity, run: (s, a) => (s.write(a.join(" ") + "\n"), "ok") },
  { name: "quit", minArgs: 0, maxArgs: 0, run: (s) => ((s.exitCode = 0), "ok") },
  { name: "schema", minArgs: 0, maxArgs: 1, run: schema },
  { name: "separator", minArgs: 1, maxArgs: 1, run: (s, a) => ((s.out.separator = a[0]!), "ok") },
  { name: "show", minArgs: 0, maxArgs: 0, run: show },
  { name: "socket", minArgs: 0, maxArgs: 0, run: (s) => (s.write(flags.get("extensions_socket") + (s.connect ? ` (connected to ${s.connect})` : "") + "\n"), "ok") },
  { name: "summary", minArgs: 0, maxArgs: 0, run: show },
  { name: "tables", minArgs: 0, maxArgs: 1, run: tables },
  { name: "timeout", minArgs: 1, maxArgs: 1, run: timeout },
  { name: "timer", minArgs: 1, maxArgs: 1, run: (s, a) => ((s.timer = onOff(a[0]!)), "ok") },
  { name: "types", minArgs: 1, maxArgs: Infinity, run: types },
  { name: "width", minArgs: 1, maxArgs: Infinity, run: (s, a) => ((s.out.widths = a.map((x) => Number(x) || 0)), "ok") },
  { name: "header", minArgs: 1, maxArgs: 1, run: (s, a) => ((s.out.headers = onOff(a[0]!)), "ok") },
];

function connect(state: ShellState, args: string[]): Outcome {
  if (state.connect) return fail("Please disconnect from the current socket");
  state.connect = args[0]!;
  announceConnect(state.connect);
  return "ok";
}

function disconnect(state: ShellState): Outcome {
  if (!state.connect) return fail("Not connected to a socket");
  announceDisconnect(state.connect);
  state.connect = "";
  return "ok";
}

function fail(message: string): Outcome {
  process.stderr.write(`Error: ${message}\n`);
  return "error";
}

async function runAsStatement(state: ShellState, sql: string): Promise<Outcome> {
  const r = await runStatement(state, sql);
  if (r.ok) return "ok";
  return fail(r.error.message);
}

/**
 * osquery's `.timeout MS` sets SQLite's busy timeout, which its in-memory
 * database never waits on; osq's is the per-query limit, in seconds, so a
 * script written for osquery (`.timeout 5000`) gets a limit it never meets.
 */
function timeout(state: ShellState, args: string[]): Outcome {
  const text = args[0]!.trim();
  const value = text === "" ? Number.NaN : Number(text);
  if (!Number.isFinite(value) || value < 0) return fail(`timeout should be a number of seconds (0: no limit), not "${text}"`);
  state.timeout = value;
  return "ok";
}

function features(state: ShellState): Outcome {
  for (const f of FLAGS) {
    if (f.type === "bool" && (f.name.startsWith("disable_") || f.name.startsWith("enable_"))) {
      state.write(`${f.name}: ${flags.get(f.name)}\n`);
    }
  }
  return "ok";
}

function mode(state: ShellState, args: string[]): Outcome {
  const m = MODES[args[0]!.toLowerCase()];
  if (!m) return fail("mode should be one of: column csv line list pretty");
  state.out.mode = m;
  if (m === "csv") state.out.separator = ",";
  return "ok";
}

function tables(state: ShellState, args: string[]): Outcome {
  const prefix = (args[0] ?? "").toLowerCase();
  for (const t of allTables()) if (t.name.startsWith(prefix)) state.write(`  => ${t.name}\n`);
  return "ok";
}

function schema(state: ShellState, args: string[]): Outcome {
  const prefix = (args[0] ?? "").toLowerCase();
  for (const t of allTables()) if (t.name.startsWith(prefix)) state.write(createTableText(t) + "\n");
  return "ok";
}

async function planCommand(state: ShellState, args: string[]): Promise<Outcome> {
  const sql = args.join(" ");
  const trace: string[] = [];
  try {
    await runQuery(sql, { trace, views: state.views, limits: shellLimits(state) });
  } catch (e) {
    for (const line of trace) state.write(line + "\n");
    return fail((e as Error).message);
  }
  if (trace.length === 0) state.write("no osquery tables: SQLite runs the query alone\n");
  for (const line of trace) state.write(line + "\n");
  return "ok";
}

async function types(state: ShellState, args: string[]): Promise<Outcome> {
  try {
    const r = await runQuery(args.join(" "), { views: state.views, limits: shellLimits(state) });
    const rows = r.columns.map((c) => [c.name, c.type || "UNKNOWN"]);
    state.write(renderPretty({ columns: [{ name: "name", type: "" }, { name: "type", type: "" }], rows, tables: [] }, ""));
    return "ok";
  } catch (e) {
    return fail(e instanceof QueryError ? e.message : String(e));
  }
}

function show(state: ShellState): Outcome {
  const o = state.out;
  const lines = [
    `osq, an osquery-compatible agent`,
    `  version: ${OSQUERY_VERSION}`,
    `  using: SQLite ${sqliteVersion()}`,
    "",
    "General settings:",
    `     Flagfile: ${flags.get("flagfile")}`,
    `       Config: ${flags.get("config_plugin")} (${flags.get("config_path")})`,
    `       Logger: ${flags.get("logger_plugin")} (${flags.get("logger_path")})`,
    `  Distributed: ${flags.get("distributed_plugin")}`,
    `     Database: ephemeral`,
    `   Extensions: ${flags.bool("disable_extensions") ? "disabled" : "core"}`,
    `       Socket: ${flags.get("extensions_socket")}`,
    "",
    "Shell settings:",
    `         echo: ${state.echo ? "on" : "off"}`,
    `      headers: ${o.headers ? "on" : "off"}`,
    `         mode: ${o.mode}`,
    `    nullvalue: "${o.nullValue}"`,
    `       output: ${flags.get("output") === "-" || flags.get("output") === "" ? "stdout" : flags.get("output")}`,
    `    separator: "${o.separator}"`,
    `        width: ${o.widths.join(" ")}`,
    "",
    "Non-default flags/options:",
    ...FLAGS.filter((f) => flags.isSet(f.name) && f.name !== "S" && f.name !== "D").map((f) => `  ${f.name}: ${flags.get(f.name)}`),
  ];
  state.write(lines.join("\n") + "\n");
  return "ok";
}

let cachedSqliteVersion: string | null = null;
export function sqliteVersion(): string {
  if (cachedSqliteVersion) return cachedSqliteVersion;
  const db = new Database(":memory:");
  cachedSqliteVersion = String((db.prepare("select sqlite_version() as v").get() as { v: string }).v);
  db.close();
  return cachedSqliteVersion;
}

/** Runs one dot-command line. */
export async function runMeta(state: ShellState, line: string): Promise<Outcome> {
  await loadTables();
  const words = splitArgs(line.slice(1));
  const typed = (words[0] ?? "").toLowerCase();
  const args = words.slice(1);
  if (typed === "version") {
    state.write(`osquery ${OSQUERY_VERSION}\nusing SQLite ${sqliteVersion()}\n`);
    return "ok";
  }
  if (typed === "plan") return planCommand(state, [line.slice(1).trim().slice(4).trim()]);
  if (typed === "types") return types(state, [line.slice(1).trim().slice(5).trim()]);
  const cmd = typed.length > 0 ? COMMANDS.find((c) => c.name.startsWith(typed) && args.length >= c.minArgs && args.length <= c.maxArgs) : undefined;
  if (!cmd) {
    process.stderr.write(`Error: unknown command or invalid arguments:  "${typed}". Enter ".help" for help\n`);
    return "error";
  }
  return cmd.run(state, args);
}
