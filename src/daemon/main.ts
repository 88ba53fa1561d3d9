// The daemon role. The scheduler, diff engine and loggers arrive with the
// daemon issue; until then the role says so and exits with EX_CONFIG (78).
import { parseCommandLine } from "../flags/flags.ts";

export async function runDaemon(args: string[]): Promise<number> {
  const parsed = parseCommandLine(args);
  if ("error" in parsed) {
    process.stderr.write(`ERROR: ${parsed.error}\n`);
    return 1;
  }
  process.stderr.write("osqueryd: the daemon role is not built yet in this version of osq\n");
  return 78;
}
