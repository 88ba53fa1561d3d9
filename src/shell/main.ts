// The shell role's entry: flags, then the run mode in osquery's priority
// order (INTERFACES §3): -L / -A, --pack, --query / --query_file, a positional
// argument, then stdin (interactive or piped).
import { closeSync, openSync, readFileSync } from "node:fs";
import { flags, noEffectNotes, parseCommandLine } from "../flags/flags.ts";
import { writeAll, writeStdout } from "../io.ts";
import { ERROR, INFO, WARNING, logToStderr, setStderrThreshold, type Severity } from "../logger/glog.ts";
import { isRegularFile, pathExists } from "../linux/fs.ts";
import { runShortcut, serviceShortcut, wantsShortcut } from "../shortcuts.ts";
import { openShellDatabase, openShellStore } from "./database.ts";
import { runMeta } from "./meta.ts";
import { runScript } from "./script.ts";
import { announceConnect } from "./connect.ts";
import { newShellState, runArgument } from "./shell.ts";
import type { Config } from "../daemon/config.ts";

function outputWriter(): { write: (text: string) => void; close: () => void } {
  const target = flags.get("output");
  // Synchronous writes keep results in order with the prompt and errors, and
  // nothing is left unwritten when the shell exits.
  if (target === "-" || target === "") return { write: writeStdout, close: () => {} };
  const fd = openSync(target, "w");
  return { write: (t) => writeAll(fd, t), close: () => closeSync(fd) };
}

/** --config_check, --config_dump, --database_dump: as in osqueryd, then exit. */
async function shortcut(): Promise<number> {
  const { newShellConfig, shellConfigPlugin } = await import("./pack.ts");
  const code = await runShortcut({
    plugin: shellConfigPlugin(),
    loadConfig: (p) => newShellConfig(p).refresh(),
    openStore: () => openShellStore(),
    error: (m) => logToStderr(ERROR, "init.cpp", 0, m),
  });
  return code ?? 0;
}

export async function runShell(args: string[]): Promise<number> {
  flags.setDefault("disable_events", "true");
  // The daemon bounds every query by default; the shell keeps osquery's "no limit" unless asked.
  flags.setDefault("query_timeout", "0");
  const parsed = parseCommandLine(args);
  if ("error" in parsed) {
    process.stderr.write(`ERROR: ${parsed.error}\n`);
    return 1;
  }
  flags.force("disable_logging", "true");
  flags.force("disable_watchdog", "true");
  if (flags.bool("verbose")) setStderrThreshold(INFO);
  for (const note of noEffectNotes()) logToStderr(INFO, "flags.ts", 0, note);
  const service = serviceShortcut({ info: (m) => logToStderr(INFO, "main.ts", 0, m), error: (m) => logToStderr(ERROR, "main.ts", 0, m) });
  if (service !== null) return service;
  if (flags.num("profile") > 0) {
    const { runProfile } = await import("./profile.ts");
    return runProfile(parsed.positional);
  }
  const dbError = await openShellDatabase();
  if (dbError) {
    process.stderr.write(`Error: ${dbError}\n`);
    return 78;
  }
  if (wantsShortcut()) return shortcut();
  const quick =
    parsed.positional.length > 0 || !process.stdin.isTTY || flags.get("A") !== "" || flags.get("pack") !== "" || flags.bool("L") || flags.get("query") !== "" || flags.get("query_file") !== "";
  if (extensionsIdle(quick)) return runShellMode(parsed.positional);
  const { startShellExtensionManager } = await import("../extensions/manager.ts");
  const { ExtensionHost } = await import("../extensions/host.ts");
  // The shell starts --extension and the autoloaded extensions itself, as osquery's shell does.
  const log = (severity: Severity) => (m: string) => logToStderr(severity, "extensions.ts", 0, m);
  const extensions = ExtensionHost.prepare(true, { info: log(INFO), warning: log(WARNING), error: log(ERROR), verbose: log(INFO) });
  const manager = await startShellExtensionManager(quick);
  try {
    // A required extension that never registered: osquery's catastrophic exit.
    if (await extensions.start(manager)) return 78;
    return await runShellMode(parsed.positional);
  } finally {
    await extensions.stop();
    await manager?.close();
  }
}

/**
 * Whether this shell certainly starts no extension manager and no extension,
 * decided without loading the extension code (a one-shot `osqueryi "select 1"`
 * saves about a millisecond). Anything that may need them (a TTY session, an
 * explicit --disable_extensions=false, --extension, an autoload file, or
 * --verbose, which reports the autoload file it could not read) takes the full
 * path, where startShellExtensionManager and ExtensionHost decide.
 */
function extensionsIdle(quick: boolean): boolean {
  if (flags.bool("disable_extensions")) return true;
  return (
    quick && !flags.bool("verbose") && !flags.isSet("disable_extensions") && flags.get("extension") === "" && !pathExists(flags.get("extensions_autoload"))
  );
}

/**
 * Whether --config_path names no file for the filesystem plugin, decided
 * without loading the config code. loadShellConfig would only report that at
 * verbose level, so with --verbose the full path runs.
 */
function noShellConfig(): boolean {
  return flags.get("config_plugin") === "filesystem" && !flags.bool("verbose") && !isRegularFile(flags.get("config_path"));
}

async function runShellMode(positional: string[]): Promise<number> {
  let sink;
  try {
    sink = outputWriter();
  } catch (e) {
    process.stderr.write(`Error: cannot open --output file: ${(e as Error).message}\n`);
    return 1;
  }
  // The config is read first, as osquery's shell reads it at start (the
  // default --config_path too): its options may change the output settings.
  let views = new Map<string, string>();
  let config: Config | null = null;
  if (!flags.get("pack") && !noShellConfig()) {
    const { loadShellConfig } = await import("./pack.ts");
    ({ views, config } = await loadShellConfig());
  }
  const state = newShellState(sink.write);
  for (const [name, sql] of views) state.views.set(name, sql);
  if (state.connect) announceConnect(state.connect);
  try {
    return await runMode(state, positional, config);
  } finally {
    sink.close();
  }
}

async function runMode(state: ReturnType<typeof newShellState>, positional: string[], config: Config | null): Promise<number> {
  if (flags.bool("L")) return (await runMeta(state, ".tables")) === "ok" ? 0 : 1;
  if (flags.get("A")) return (await runMeta(state, `.all ${flags.get("A")}`)) === "ok" ? 0 : 1;
  if (flags.get("pack")) {
    const { runPack } = await import("./pack.ts");
    return runPack(state, flags.get("pack"));
  }
  if (flags.get("query")) return runArgument(state, flags.get("query"));
  if (flags.get("query_file")) {
    let text: string;
    try {
      text = readFileSync(flags.get("query_file"), "utf8");
    } catch (e) {
      process.stderr.write(`Error: cannot read --query_file: ${(e as Error).message}\n`);
      return 1;
    }
    return runScript(state, text);
  }
  const first = positional[0];
  if (first !== undefined) {
    if (first.startsWith(".")) {
      const r = await runMeta(state, first);
      return state.exitCode ?? (r === "ok" ? 0 : 1);
    }
    return runArgument(state, first);
  }
  if (process.stdin.isTTY) {
    const { startShellEvents } = await import("./events.ts");
    await startShellEvents(config);
    const { runInteractive } = await import("./repl.ts");
    return runInteractive(state);
  }
  const input = await Bun.stdin.text();
  return runScript(state, input);
}
