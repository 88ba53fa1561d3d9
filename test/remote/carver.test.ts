// The carver against a fake remote session that records every request and
// reassembles the blocks: GNU tar (and zstd) read the upload back, and the
// carve record's statuses follow INTERFACES §12. No test waits: the session
// answers at once and retries are the session's business.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash, randomBytes } from "node:crypto";
import { MemoryStore, type Store } from "../../src/store/store.ts";
import { err, ok, type Result } from "../../src/result.ts";
import type { JsonObject } from "../../src/daemon/config-text.ts";
import type { RemoteError, RemoteSession, RequestOptions } from "../../src/remote/session.ts";
import { Carver, type CarverSettings } from "../../src/remote/carver.ts";
import { CARVE_KEY_PREFIX, listCarves, requestCarve, type CarveRecord } from "../../src/remote/carves.ts";
import { tool } from "../tools.ts";

let dir = "";
let temp = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "osq-carver-"));
  temp = join(dir, "tmp");
  mkdirSync(temp);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Sent {
  readonly endpoint: string;
  readonly json: string;
  readonly opts: RequestOptions;
}

/** Answers start requests with a session id and blocks with success, unless told otherwise. */
class FakeSession implements RemoteSession {
  readonly sent: Sent[] = [];
  startReply: JsonObject = { session_id: "session-1", success: true };
  failBlock = -1;

  async request(endpoint: string, body: JsonObject, opts: RequestOptions = {}): Promise<Result<JsonObject, RemoteError>> {
    this.sent.push({ endpoint, json: JSON.stringify(body), opts });
    if (endpoint === "/start") return ok(this.startReply);
    if (body.block_id === this.failBlock) return err({ kind: "transport", message: "connection refused" });
    return ok({ success: true });
  }

  blocks(): Record<string, unknown>[] {
    return this.sent.filter((s) => s.endpoint === "/block").map((s) => JSON.parse(s.json) as Record<string, unknown>);
  }

  upload(): Buffer {
    return Buffer.concat(this.blocks().map((b) => Buffer.from(String(b.data), "base64")));
  }
}

function settings(over: Partial<CarverSettings> = {}): CarverSettings {
  return { startEndpoint: "/start", continueEndpoint: "/block", blockSize: 1000, compression: false, expiry: 86400, readMax: 50 << 20, tempDir: temp, ...over };
}

const NOW = 1_700_000_000;

function carver(store: Store, session: RemoteSession, over: Partial<CarverSettings> = {}): Carver {
  return new Carver({ store, session, settings: () => settings(over), log: { warning: () => {}, verbose: () => {} }, now: () => NOW });
}

function record(store: Store, guid: string): CarveRecord {
  const r = listCarves(store).find((c) => c.record?.carve_guid === guid)?.record;
  if (!r) throw new Error(`no carve record ${guid}`);
  return r;
}

function untar(archive: Buffer, member: string): Buffer {
  const file = join(dir, `upload-${randomBytes(4).toString("hex")}.tar`);
  writeFileSync(file, archive);
  const r = Bun.spawnSync([tool("tar", "tar"), "-xOf", file, member], { stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`tar -xOf failed: ${r.stderr.toString()}`);
  return r.stdout;
}

/** The name osquery gives a carved file in the archive: its copy in the carve directory. */
function member(guid: string, path: string): string {
  return join(temp, `osquery_carve_${guid}`, path);
}

test("a carve uploads one start request then every block once, in order, and the tar holds the files' exact bytes", async () => {
  const a = join(dir, "a.bin");
  const b = join(dir, "b.txt");
  const aBytes = randomBytes(20_001);
  writeFileSync(a, aBytes);
  writeFileSync(b, "second file\n");
  const store = new MemoryStore();
  const { guid, written } = requestCarve(store, [b, a], "req-7", NOW);
  await written;
  const session = new FakeSession();
  await carver(store, session).runPending();

  const [start, ...rest] = session.sent;
  expect(start!.endpoint).toBe("/start");
  const upload = session.upload();
  const blockCount = Math.ceil(upload.length / 1000);
  // Keys in osquery's order; the session adds node_key after them.
  expect(start!.json).toBe(`{"block_count":${blockCount},"block_size":1000,"carve_size":${upload.length},"carve_id":"${guid}","request_id":"req-7"}`);
  expect(start!.opts.attempts).toBe(3);
  expect(rest.length).toBe(blockCount);
  rest.forEach((s, i) => {
    expect(s.endpoint).toBe("/block");
    expect(s.opts.nodeKeyInBody).toBe(false);
    expect(s.opts.attempts).toBe(3);
    const data = (JSON.parse(s.json) as { data: string }).data;
    // Compact, exactly these keys in this order (Fleet parses the bytes).
    expect(s.json).toBe(`{"block_id":${i},"session_id":"session-1","request_id":"req-7","data":"${data}"}`);
    expect(Buffer.from(data, "base64").length).toBe(i < blockCount - 1 ? 1000 : upload.length - 1000 * (blockCount - 1));
  });

  expect(untar(upload, member(guid, a)).equals(aBytes)).toBe(true);
  expect(untar(upload, member(guid, b)).toString()).toBe("second file\n");
  const r = record(store, guid);
  expect(r.status).toBe("SUCCESS");
  expect(r.size).toBe(upload.length);
  expect(r.sha256).toBe(createHash("sha256").update(upload).digest("hex"));
  expect(r.path).toBe([a, b].sort().join(","));
  // The private carve directory is gone.
  expect(readdirSync(temp)).toEqual([]);
});

test("--carver_compression uploads the tar as zstd, which zstd -d turns back into the same archive", async () => {
  const f = join(dir, "compress.txt");
  const text = "compressible line\n".repeat(5000);
  writeFileSync(f, text);
  const store = new MemoryStore();
  const { guid, written } = requestCarve(store, [f], "req-z", NOW);
  await written;
  const session = new FakeSession();
  await carver(store, session, { compression: true, blockSize: 512 }).runPending();
  const upload = session.upload();
  expect(upload.length).toBeLessThan(text.length / 4);
  const z = Bun.spawnSync([tool("zstd", "zstd"), "-dc"], { stdin: upload, stderr: "pipe" });
  expect(z.exitCode).toBe(0);
  expect(untar(z.stdout, member(guid, f)).toString()).toBe(text);
  expect(record(store, guid).status).toBe("SUCCESS");
  expect(record(store, guid).size).toBe(upload.length);
});

test("a path that does not exist, or is a directory, ends the carve with ARCHIVE FAILED and sends nothing", async () => {
  const store = new MemoryStore();
  const missing = requestCarve(store, [join(dir, "no-such-file")], "req-m", NOW);
  const directory = requestCarve(store, [dir], "req-d", NOW);
  await Promise.all([missing.written, directory.written]);
  const session = new FakeSession();
  await carver(store, session).runPending();
  expect(session.sent).toEqual([]);
  expect(record(store, missing.guid).status).toBe("ARCHIVE FAILED");
  expect(record(store, directory.guid).status).toBe("ARCHIVE FAILED");
  expect(readdirSync(temp)).toEqual([]);
});

test("a readable path beside a missing one is carved alone", async () => {
  const f = join(dir, "present.txt");
  writeFileSync(f, "present\n");
  const store = new MemoryStore();
  const { guid, written } = requestCarve(store, [f, join(dir, "absent.txt")], "req-p", NOW);
  await written;
  const session = new FakeSession();
  await carver(store, session).runPending();
  expect(record(store, guid).status).toBe("SUCCESS");
  const listing = Bun.spawnSync([tool("tar", "tar"), "-tf", "-"], { stdin: session.upload() }).stdout.toString().trim().split("\n");
  expect(listing).toEqual([member(guid, f)]);
});

test("a start reply without session_id fails the carve with DATA POST FAILED before any block", async () => {
  const f = join(dir, "s.txt");
  writeFileSync(f, "x");
  const store = new MemoryStore();
  const { guid, written } = requestCarve(store, [f], "req-s", NOW);
  await written;
  const session = new FakeSession();
  session.startReply = { success: false, session_id: "" };
  await carver(store, session).runPending();
  expect(session.sent.map((s) => s.endpoint)).toEqual(["/start"]);
  expect(record(store, guid).status).toBe("DATA POST FAILED");
});

test("a block the session cannot deliver ends the carve: earlier blocks were sent once, no later block is sent", async () => {
  const f = join(dir, "big.bin");
  writeFileSync(f, randomBytes(5000));
  const store = new MemoryStore();
  const { guid, written } = requestCarve(store, [f], "req-f", NOW);
  await written;
  const session = new FakeSession();
  session.failBlock = 2;
  await carver(store, session).runPending();
  expect(session.blocks().map((b) => b.block_id)).toEqual([0, 1, 2]);
  expect(record(store, guid).status).toBe("DATA POST FAILED");
  // A failed carve is not retried on the next pass (osquery starts only SCHEDULED ones).
  await carver(store, session).runPending();
  expect(session.blocks().length).toBe(3);
});

test("successful carves expire after --carver_expiry, failed ones stay, malformed records are dropped", async () => {
  const store = new MemoryStore();
  const put = (guid: string, fields: Partial<CarveRecord>) =>
    store.write((w) =>
      w.put("carves", CARVE_KEY_PREFIX + guid, JSON.stringify({ carve_guid: guid, time: NOW, status: "SUCCESS", sha256: "", size: 10, request_id: "r", path: "/x", ...fields })),
    );
  await put("old", { time: NOW - 86401 });
  await put("recent", { time: NOW - 86000 });
  await put("failed", { time: NOW - 90000, status: "DATA POST FAILED" });
  await store.write((w) => w.put("carves", CARVE_KEY_PREFIX + "junk", "{not json"));
  await carver(store, new FakeSession()).runPending();
  expect(store.keys("carves").sort()).toEqual([CARVE_KEY_PREFIX + "failed", CARVE_KEY_PREFIX + "recent"]);
  await carver(store, new FakeSession(), { expiry: 100 }).runPending();
  expect(store.keys("carves")).toEqual([CARVE_KEY_PREFIX + "failed"]);
});

test("a carve whose directory cannot be made ends with CREATE PATHS FAILED", async () => {
  const f = join(dir, "c.txt");
  writeFileSync(f, "c");
  const store = new MemoryStore();
  const { guid, written } = requestCarve(store, [f], "req-c", NOW);
  await written;
  const session = new FakeSession();
  await carver(store, session, { tempDir: join(dir, "no", "such", "dir") }).runPending();
  expect(record(store, guid).status).toBe("CREATE PATHS FAILED");
  expect(session.sent).toEqual([]);
  expect(existsSync(join(dir, "no"))).toBe(false);
});
