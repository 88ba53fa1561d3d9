// osq: one executable, two roles (INTERFACES §1). The role comes from the name
// it runs under (osqueryd → daemon), a subcommand (`osq shell`, `osq daemon`)
// or osquery's -S / -D overrides (last one wins).
import { basename } from "node:path";
import { OSQUERY_VERSION } from "./version.ts";
import { writeStderr, writeStdout } from "./io.ts";
import { installLastResort } from "./logger/last-resort.ts";

type Role = "shell" | "daemon";

/**
 * The subcommand, if argv starts with one. cac only recognises the command
 * here: the flags after it are osquery's (gflags syntax), parsed by src/flags.
 * cac is loaded only when the first argument is a subcommand's name: a flag
 * or a query (`osqueryi "select 1"`) names none, and loading cac costs about
 * a millisecond of a one-shot shell's start; the watcher (`osqueryd
 * --flags...`) stays near the runtime's floor too.
 */
async function subcommand(args: string[]): Promise<Role | null> {
  if (args[0] !== "shell" && args[0] !== "daemon") return null;
  const { cac } = await import("cac");
  const cli = cac("osq");
  cli.command("shell", "Run osqueryi, the interactive shell").allowUnknownOptions();
  cli.command("daemon", "Run osqueryd, the monitoring daemon").allowUnknownOptions();
  cli.parse(["osq", "osq", ...args.slice(0, 1)], { run: false });
  const name = cli.matchedCommandName;
  return name === "shell" || name === "daemon" ? name : null;
}

async function pickRole(argv0: string, args: string[]): Promise<{ role: Role; args: string[] }> {
  let role: Role = basename(argv0).includes("osqueryd") ? "daemon" : "shell";
  let rest = args;
  const sub = await subcommand(args);
  if (sub) {
    role = sub;
    rest = rest.slice(1);
  }
  for (const a of rest) {
    if (a === "-S" || a === "--S") role = "shell";
    if (a === "-D" || a === "--D") role = "daemon";
  }
  return { role, args: rest.filter((a) => !["-S", "--S", "-D", "--D"].includes(a)) };
}

async function main(): Promise<number> {
  // Bun puts the executable's path in argv[0] and the invoked name in argv0.
  const argv0 = process.argv0 || process.argv[0] || "osqueryi";
  const { role, args } = await pickRole(argv0, process.argv.slice(2));
  if (args.some((a) => ["-h", "--h", "-help", "--help"].includes(a))) {
    const { helpText } = await import("./help.ts");
    writeStdout(helpText(role));
    return 0;
  }
  if (args.includes("--version") || args.includes("-version")) {
    writeStdout(`${basename(argv0)} version ${OSQUERY_VERSION}\n`);
    return 0;
  }
  if (role === "daemon") {
    // Once, before anything starts: the daemon's JSC options (daemon/jsc.ts) take effect only at process start.
    const { reexecWithDaemonOptions } = await import("./daemon/jsc.ts");
    reexecWithDaemonOptions();
    // The watcher loads only src/watchdog/ and what it imports: no tables, SQL or database.
    const { isWatcher, runWatcher } = await import("./watchdog/watcher.ts");
    if (isWatcher(args)) return runWatcher(args);
    const { runDaemon } = await import("./daemon/main.ts");
    return runDaemon(args);
  }
  const { runShell } = await import("./shell/main.ts");
  return runShell(args);
}

installLastResort();
// Output goes out with synchronous writes (src/io.ts), so exiting drops nothing.
main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    writeStderr(`osq: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
