// The interactive prompt: `osquery> ` and `    ...> `, history in
// ~/.osquery/.history (100 entries), Ctrl-C drops the line, Ctrl-D exits.
import { createInterface, type Interface } from "node:readline";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { errorMessage, verbose } from "../logger/glog.ts";
import { splitStatements } from "../sql/lexer.ts";
import { runMeta } from "./meta.ts";
import { runStatement, type ShellState } from "./shell.ts";
import { CONNECTED_PROMPT } from "./connect.ts";

const PROMPT = "osquery> ";
const CONTINUE = "    ...> ";

/** The prompts, with osquery's `[*]` in front while statements go to an extension socket. */
function prompt(state: ShellState, continuing: boolean): string {
  return (state.connect ? CONNECTED_PROMPT : "") + (continuing ? CONTINUE : PROMPT);
}
const HISTORY_SIZE = 100;

function historyPath(): string | null {
  try {
    const dir = join(homedir(), ".osquery");
    mkdirSync(dir, { recursive: true });
    return join(dir, ".history");
  } catch (e) {
    verbose("repl.ts", `History is not kept: ${errorMessage(e)}`);
    return null;
  }
}

function loadHistory(path: string | null): string[] {
  if (!path) return [];
  try {
    // readline keeps the newest entry first.
    return readFileSync(path, "utf8").split("\n").filter(Boolean).slice(-HISTORY_SIZE).reverse();
  } catch (e) {
    // No history file yet is the first run; anything else is worth a word.
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") verbose("repl.ts", `Cannot read the history ${path}: ${errorMessage(e)}`);
    return [];
  }
}

/**
 * Bun's raw mode leaves the terminal's output processing on, so the tty turns
 * every "\n" into "\r\n"; readline ends an entered line with "\r\n" of its own,
 * which reached the screen as "\r\r\n" (a reader of the terminal saw an empty
 * line). Its own line ends are handed to the tty as a bare "\n".
 */
function singleLineEnds(rl: Interface): void {
  const target = rl as unknown as { _writeToOutput?: (text: string) => void };
  const write = target._writeToOutput?.bind(rl);
  if (write) target._writeToOutput = (text) => write(text.replaceAll("\r\n", "\n"));
}

export async function runInteractive(state: ShellState): Promise<number> {
  const path = historyPath();
  const history = loadHistory(path);
  process.stdout.write("Using a virtual database. Need help, type '.help'\n");
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true, history, historySize: HISTORY_SIZE, prompt: prompt(state, false) });
  singleLineEnds(rl);
  let pending = "";
  // readline adds each line to its own history list (newest first); save that list.
  const saveHistory = () => {
    const list = (rl as unknown as { history?: string[] }).history ?? [];
    if (path) {
      try {
        writeFileSync(path, [...list.slice(0, HISTORY_SIZE)].reverse().join("\n") + "\n");
      } catch (e) {
        // An unwritable home only loses history.
        verbose("repl.ts", `Cannot save the history ${path}: ${errorMessage(e)}`);
      }
    }
  };
  rl.on("SIGINT", () => {
    // Ctrl-C drops the line being typed and any pending statement.
    rl.write(null, { ctrl: true, name: "e" });
    rl.write(null, { ctrl: true, name: "u" });
    pending = "";
    process.stdout.write("\n");
    rl.setPrompt(prompt(state, false));
    rl.prompt();
  });
  rl.prompt();
  // The async iterator buffers lines typed while a query runs; Ctrl-D ends it.
  for await (const line of rl) {
    if (line.trim()) saveHistory();
    if (pending.trim() === "" && line.trimStart().startsWith(".")) {
      await runMeta(state, line.trim());
      if (state.exitCode !== null) break;
    } else {
      pending += line + "\n";
      const { statements, rest } = splitStatements(pending);
      pending = rest.trim() ? rest : "";
      for (const sql of statements) {
        const r = await runStatement(state, sql);
        if (!r.ok) process.stderr.write(`Error: ${r.error.message}\n`);
      }
    }
    rl.setPrompt(prompt(state, pending !== ""));
    rl.prompt();
  }
  rl.close();
  return state.exitCode ?? 0;
}
