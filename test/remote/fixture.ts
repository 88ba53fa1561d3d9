// The set-up the remote e2e tests share: one throwaway PKI per test file, the
// test servers, temp dirs and daemons a test makes (stopped and removed after
// it), and the osqueryd command line that points the tls plugins at a server.
//
//   const remote = remoteFixture("osq-tls-");   // at file scope: registers the hooks
//   const srv = remote.server();                 // on remote.pki
//   const dir = remote.tempDir();
//   const proc = remote.track(Bun.spawn(tlsDaemonArgv(srv, dir, 5, []), {...}));
import { afterAll, afterEach, beforeAll } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { OSQUERYD } from "../helpers.ts";
import { makePki, startServer, type Pki, type ServerOptions, type TestServer } from "./server.ts";

export interface RemoteFixture {
  /** The file's CA, server and client certificates (made before its first test). */
  readonly pki: Pki;
  /** A test server on `pki` unless `opts` says otherwise, stopped after the test. */
  server(opts?: Partial<ServerOptions>): TestServer;
  /** A temp dir removed after the test. */
  tempDir(): string;
  /** A process SIGKILLed after the test if it is still running. */
  track<T extends Subprocess>(proc: T): T;
}

export function remoteFixture(prefix: string): RemoteFixture {
  let pki: Pki | null = null;
  let servers: TestServer[] = [];
  let dirs: string[] = [];
  let procs: Subprocess[] = [];
  beforeAll(() => {
    pki = makePki();
  });
  afterAll(() => {
    if (pki) rmSync(pki.dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
    procs = [];
    for (const s of servers) await s.stop();
    servers = [];
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    dirs = [];
  });
  const fixture: RemoteFixture = {
    get pki(): Pki {
      if (!pki) throw new Error("remoteFixture: the PKI is made in beforeAll; use it inside a test");
      return pki;
    },
    server(opts = {}) {
      const s = startServer({ pki: fixture.pki, ...opts });
      servers.push(s);
      return s;
    },
    tempDir() {
      const d = mkdtempSync(join(tmpdir(), prefix));
      dirs.push(d);
      return d;
    },
    track(proc) {
      procs.push(proc);
      return proc;
    },
  };
  return fixture;
}

/** osqueryd alone (no watchdog) with its config from `srv`, its database, pidfile and logs in `dir`, ending after `seconds`. */
export function tlsDaemonArgv(srv: TestServer, dir: string, seconds: number, extra: readonly string[]): string[] {
  return [
    OSQUERYD,
    "--disable_watchdog",
    "--config_plugin=tls",
    `--database_path=${join(dir, "db")}`,
    `--pidfile=${join(dir, "pid")}`,
    `--logger_path=${dir}`,
    `--schedule_timeout=${seconds}`,
    ...srv.flags(),
    ...extra,
  ];
}
