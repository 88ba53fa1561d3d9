// osq: one executable, two roles (INTERFACES §1). The role comes from the name
// it runs under (osqueryd → daemon), a subcommand (`osq shell`, `osq daemon`)
// or osquery's -S / -D overrides (last one wins).
import { basename } from "node:path";
import { cac } from "cac";
import { OSQUERY_VERSION } from "./version.ts";
import { writeStdout } from "./io.ts";
import { installLastResort } from "./logger/last-resort.ts";

type Role = "shell" | "daemon";

/**
 * The subcommand, if argv starts with one. cac only recognises the command
 * here: the flags after it are osquery's (gflags syntax), parsed by src/flags.
 */
function subcommand(args: string[]): Role | null {
  const cli = cac("osq");
  cli.command("shell", "Run osqueryi, the interactive shell").allowUnknownOptions();
  cli.command("daemon", "Run osqueryd, the monitoring daemon").allowUnknownOptions();
  cli.parse(["osq", "osq", ...args.slice(0, 1)], { run: false });
  const name = cli.matchedCommandName;
  return name === "shell" || name === "daemon" ? name : null;
}

function pickRole(argv0: string, args: string[]): { role: Role; args: string[] } {
  let role: Role = basename(argv0).includes("osqueryd") ? "daemon" : "shell";
  let rest = args;
  const sub = subcommand(args);
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
  const { role, args } = pickRole(argv0, process.argv.slice(2));
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
    process.stderr.write(`osq: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
