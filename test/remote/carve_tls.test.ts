// After the TLS client lands: a scheduled carve of a test file reaches the
// local HTTPS server (test/remote/server.ts) as one begin request and compact
// blocks in sequence; the server's blocks reassemble into a tar whose member
// is the file's exact bytes (GNU tar reads it).
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { DaemonFixture } from "../daemon_fixture.ts";
import { remoteFixture } from "./fixture.ts";
import { tool } from "../tools.ts";

const remote = remoteFixture("osq-e2e-carvetls-");
let d: DaemonFixture;
let dir = "";
beforeAll(() => {
  d = new DaemonFixture("osq-e2e-carvetls-");
  dir = d.dir;
  mkdirSync(join(dir, "tmp"));
});
afterAll(() => d.cleanup());

test(
  "a carve of a test file: the server reassembles the blocks and the tar holds the file's exact bytes",
  async () => {
    const srv = remote.server();
    const file = join(dir, "secret.bin");
    const bytes = randomBytes(30_000);
    writeFileSync(file, bytes);
    // Start a few seconds before a minute boundary: the 60th tick starts pending carves.
    const wait = (57 - (Math.floor(Date.now() / 1000) % 60) + 60) % 60;
    await Bun.sleep(wait * 1000);
    d.writeConfig({ schedule: { carve_it: { query: `SELECT * FROM carves WHERE carve = 1 AND path = '${file}'`, interval: 1 } } });
    const argv = d.argv([
      ...srv.flags(),
      "--disable_watchdog",
      "--disable_carver=false",
      "--carver_block_size=4096",
      "--schedule_timeout=8",
      "--host_identifier=specified",
      "--specified_identifier=carve-e2e",
    ]);
    const p = Bun.spawn(argv, { stdout: "ignore", stderr: "pipe", stdin: "ignore", env: { ...process.env, TMPDIR: join(dir, "tmp") } });
    const [stderr, code] = await Promise.all([new Response(p.stderr).text(), p.exited]);
    if (code !== 0) throw new Error(`osqueryd exited ${code}: ${stderr}`);
    const begins = srv.requestsTo("carve_begin");
    expect(begins.length).toBeGreaterThan(0);
    const begin = begins[0]!;
    expect(Object.keys(begin.body!)).toEqual(["block_count", "block_size", "carve_size", "carve_id", "request_id", "node_key"]);
    expect(begin.headers.authorization).toBe(`NodeKey ${begin.body!.node_key as string}`);
    const sessionId = `session-${srv.requests.indexOf(begin) + 1}`;
    const blocks = srv.requestsTo("carve_block").filter((r) => r.body?.session_id === sessionId);
    expect(blocks.length).toBe(begin.body!.block_count as number);
    blocks.forEach((b, i) => expect(b.raw).toBe(`{"block_id":${i},"session_id":"${sessionId}","request_id":"${begin.body!.request_id as string}","data":"${b.body!.data as string}"}`));
    const tarBytes = Buffer.concat(blocks.map((b) => Buffer.from(b.body!.data as string, "base64")));
    expect(tarBytes.length).toBe(begin.body!.carve_size as number);
    const tarFile = join(dir, "upload.tar");
    writeFileSync(tarFile, tarBytes);
    const member = join(dir, "tmp", `osquery_carve_${begin.body!.carve_id as string}`, file);
    const x = Bun.spawnSync([tool("tar", "tar"), "-xOf", tarFile, member], { stderr: "pipe" });
    // osquery's archives name the carve directory's copy, an absolute path; GNU tar says it strips the "/".
    expect(x.exitCode).toBe(0);
    expect(x.stdout.equals(bytes)).toBe(true);
  },
  100_000,
);
