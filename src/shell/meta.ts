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
import { runStatement, type ShellState } from "./shell.ts";

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

const HELP = `Welcome to the osquery shell. Please explore your OS!
You are connected to a transient 'in-memory' virtual database.

.all [TABLE]     Select all from a table
.bail ON|OFF     Stop after hitting an error
.connect PATH    Connect to an osquery extension socket
.disconnect      Disconnect from a connected extension socket
.echo ON|OFF     Turn command echo on or off
.exit            Exit this program
.features        List osquery's features and their statuses
.headers ON|OFF  Turn display of headers on or off
.help            Show this message
.mode MODE       Set output mode where MODE is one of:
                   csv      Comma-separated values
                   column   Left-aligned columns see .width
                   line     One value per line
                   list     Values delimited by .separator string
                   pretty   Pretty printed SQL results (default)
.nullvalue STR   Use STRING in place of NULL values
.plan SQL        Show the constraints each table's generator receives
.print STR...    Print literal STRING
.quit            Exit this program
.schema [TABLE]  Show the CREATE statements
.separator STR   Change separator used by output mode
.socket          Show the local osquery extensions socket path
.show            Show the current values for various settings
.summary         Alias for the show meta command
.tables [TABLE]  List names of tables
.types [SQL]     Show result of getQueryColumns for the given query
.width [NUM1]+   Set column widths for "column" mode
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
  { name: "connect", minArgs: 1, maxArgs: 1, run: () => fail("extension connections (.connect) are not available in this build") },
  { name: "disconnect", minArgs: 0, maxArgs: 0, run: () => fail("not connected to an extension socket") },
  { name: "echo", minArgs: 1, maxArgs: 1, run: (s, a) => ((s.echo = onOff(a[0]!)), "ok") },
  { name: "exit", minArgs: 0, maxArgs: 1, run: (s, a) => ((s.exitCode = a[0] ? Number(a[0]) || 0 : 0), "ok") },
  { name: "features", minArgs: 0, maxArgs: 0, run: features },
  { name: "headers", minArgs: 1, maxArgs: 1, run: (s, a) => ((s.out.headers = onOff(a[0]!)), "ok") },
  { name: "help", minArgs: 0, maxArgs: 0, run: () => (process.stderr.write(HELP + ".timer ON|OFF      Turn the CPU timer measurement on or off\n"), "ok") },
  { name: "list", minArgs: 0, maxArgs: 1, run: tables },
  { name: "mode", minArgs: 1, maxArgs: 2, run: mode },
  { name: "nullvalue", minArgs: 1, maxArgs: 1, run: (s, a) => ((s.out.nullValue = a[0]!), "ok") },
  { name: "plan", minArgs: 1, maxArgs: Infinity, run: planCommand },
  { name: "print", minArgs: 0, maxArgs: Infinity, run: (s, a) => (s.write(a.join(" ") + "\n"), "ok") },
  { name: "quit", minArgs: 0, maxArgs: 0, run: (s) => ((s.exitCode = 0), "ok") },
  { name: "schema", minArgs: 0, maxArgs: 1, run: schema },
  { name: "separator", minArgs: 1, maxArgs: 1, run: (s, a) => ((s.out.separator = a[0]!), "ok") },
  { name: "show", minArgs: 0, maxArgs: 0, run: show },
  { name: "socket", minArgs: 0, maxArgs: 0, run: (s) => (s.write(flags.get("extensions_socket") + "\n"), "ok") },
  { name: "summary", minArgs: 0, maxArgs: 0, run: show },
  { name: "tables", minArgs: 0, maxArgs: 1, run: tables },
  { name: "timeout", minArgs: 1, maxArgs: 1, run: (s, a) => ((s.timeoutMs = Number(a[0]) || 0), "ok") },
  { name: "timer", minArgs: 1, maxArgs: 1, run: (s, a) => ((s.timer = onOff(a[0]!)), "ok") },
  { name: "types", minArgs: 1, maxArgs: Infinity, run: types },
  { name: "width", minArgs: 1, maxArgs: Infinity, run: (s, a) => ((s.out.widths = a.map((x) => Number(x) || 0)), "ok") },
  { name: "header", minArgs: 1, maxArgs: 1, run: (s, a) => ((s.out.headers = onOff(a[0]!)), "ok") },
];

function fail(message: string): Outcome {
  process.stderr.write(`Error: ${message}\n`);
  return "error";
}

async function runAsStatement(state: ShellState, sql: string): Promise<Outcome> {
  const r = await runStatement(state, sql);
  if (r.ok) return "ok";
  return fail(r.error.message);
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
    await runQuery(sql, { trace, views: state.views });
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
    const r = await runQuery(args.join(" "), { views: state.views });
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
    `osquery - being built, with love.`,
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
    `       output: ${flags.get("output") === "-" ? "stdout" : flags.get("output")}`,
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
