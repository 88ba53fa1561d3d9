// The interactive prompt: `osquery> ` and `    ...> `, history in
// ~/.osquery/.history (100 entries), Ctrl-C drops the line, Ctrl-D exits.
import { createInterface } from "node:readline";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { splitStatements } from "../sql/lexer.ts";
import { runMeta } from "./meta.ts";
import { runStatement, type ShellState } from "./shell.ts";

const PROMPT = "osquery> ";
const CONTINUE = "    ...> ";
const HISTORY_SIZE = 100;

function historyPath(): string | null {
  try {
    const dir = join(homedir(), ".osquery");
    mkdirSync(dir, { recursive: true });
    return join(dir, ".history");
  } catch {
    return null;
  }
}

function loadHistory(path: string | null): string[] {
  if (!path) return [];
  try {
    // readline keeps the newest entry first.
    return readFileSync(path, "utf8").split("\n").filter(Boolean).slice(-HISTORY_SIZE).reverse();
  } catch {
    return [];
  }
}

export async function runInteractive(state: ShellState): Promise<number> {
  const path = historyPath();
  const history = loadHistory(path);
  process.stdout.write("Using a virtual database. Need help, type '.help'\n");
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true, history, historySize: HISTORY_SIZE, prompt: PROMPT });
  let pending = "";
  const saveHistory = (line: string) => {
    history.unshift(line);
    if (history.length > HISTORY_SIZE) history.length = HISTORY_SIZE;
    if (path) {
      try {
        writeFileSync(path, [...history].reverse().join("\n") + "\n");
      } catch {
        // An unwritable home only loses history.
      }
    }
  };
  return await new Promise<number>((resolve) => {
    let busy = Promise.resolve();
    rl.on("SIGINT", () => {
      pending = "";
      process.stdout.write("\n");
      rl.setPrompt(PROMPT);
      rl.prompt();
    });
    rl.on("close", () => {
      void busy.then(() => resolve(state.exitCode ?? 0));
    });
    rl.on("line", (line) => {
      busy = busy.then(async () => {
        rl.pause();
        if (line.trim()) saveHistory(line);
        if (pending.trim() === "" && line.trimStart().startsWith(".")) {
          await runMeta(state, line.trim());
          if (state.exitCode !== null) {
            rl.close();
            return;
          }
        } else {
          pending += line + "\n";
          const { statements, rest } = splitStatements(pending);
          pending = rest.trim() ? rest : "";
          for (const sql of statements) {
            const r = await runStatement(state, sql);
            if (!r.ok) process.stderr.write(`Error: ${r.error.message}\n`);
          }
        }
        rl.setPrompt(pending ? CONTINUE : PROMPT);
        rl.resume();
        rl.prompt();
      });
    });
    rl.prompt();
  });
}
