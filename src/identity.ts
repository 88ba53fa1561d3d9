// --host_identifier: what names this host in result lines, status lines and
// the enroll request. One function, so the logs and the TLS server agree.
import { hostname } from "node:os";
import { flags } from "./flags/flags.ts";
import { hostUuid, runtime } from "./runtime.ts";

/** `ephemeral`: one id per process, never stored. */
const ephemeralId = crypto.randomUUID();

export function hostIdentifier(): string {
  switch (flags.get("host_identifier")) {
    case "uuid":
      return hostUuid();
    case "instance":
      return runtime.instanceId;
    case "ephemeral":
      return ephemeralId;
    case "specified": {
      const id = flags.get("specified_identifier");
      if (id !== "") return id;
      break;
    }
  }
  return hostname();
}
