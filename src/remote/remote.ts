// Opens the daemon's one remote session: the TLS client with enrollment, shared
// by the tls config, logger, distributed and carver plugins.
//
// PLACEHOLDER while the TLS client is being built (issue 8): every request
// fails as a transport error, so a plugin wired to it behaves as with a server
// that cannot be reached. The TLS client's branch replaces this body.
import type { Store } from "../store/store.ts";
import { err } from "../result.ts";
import type { RemoteSession } from "./session.ts";

export function openRemoteSession(_store: Store): RemoteSession {
  return {
    request: async () => err({ kind: "transport", message: "the TLS client is not built yet" }),
  };
}
