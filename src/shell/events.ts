// osqueryi runs the event system only when asked (--disable_events=false)
// and only interactively: osquery turns events off for a query given in argv,
// piped stdin, -A, --pack, -L and --profile, since nothing would be captured
// before such a shell exits. Its rows live in the shell's in-memory store.
import { flags } from "../flags/flags.ts";
import { INFO, logToStderr, verbose, WARNING, ERROR } from "../logger/glog.ts";
import { eventFactory } from "../events/factory.ts";
import { eventsConfigOf } from "../daemon/events.ts";
import type { Config } from "../daemon/config.ts";

export async function startShellEvents(config: Config | null): Promise<void> {
  if (flags.bool("disable_events")) return;
  await eventFactory.start(eventsConfigOf(config), {
    info: (m) => logToStderr(INFO, "events.cpp", 0, m),
    warning: (m) => logToStderr(WARNING, "events.cpp", 0, m),
    error: (m) => logToStderr(ERROR, "events.cpp", 0, m),
    verbose: (m) => verbose("events.cpp", m),
  });
}
