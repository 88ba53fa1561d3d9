// The file carver (INTERFACES §12): takes each SCHEDULED carve record, packs
// its paths into a tar in a private temporary directory (zstd-compressed with
// --carver_compression), and uploads it through the remote session: one start
// request, then the blocks strictly in sequence. The record's status tells
// the carves table how far it got: STARTING, PENDING, then SUCCESS or the
// step that failed. A path that cannot be read is left out of the archive;
// a carve with nothing readable fails (osquery would upload an empty tar).
//
// The session, the settings and the clock are injected, so tests drive the
// carver with a fake session and never wait.
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { createHash } from "node:crypto";
import { constants as zlibConstants, createZstdCompress } from "node:zlib";
import type { JsonObject } from "../daemon/config-text.ts";
import { errorMessage } from "../logger/glog.ts";
import type { Store } from "../store/store.ts";
import type { RemoteSession } from "./session.ts";
import { TarWriter } from "./tar.ts";
import { listCarves, STATUS_SCHEDULED, STATUS_SUCCESS, updateCarve, type CarveRecord } from "./carves.ts";

/** osquery's carver tries each request 3 times (sleeping 1 s, then 4 s). */
const ATTEMPTS = 3;

export interface CarverSettings {
  readonly startEndpoint: string;
  readonly continueEndpoint: string;
  readonly blockSize: number;
  readonly compression: boolean;
  /** Seconds a successful carve's record is kept. */
  readonly expiry: number;
  /** Archives above this many bytes get sha256 "-1", as osquery skips hashing them. */
  readonly readMax: number;
  /** Where osquery_carve_<guid>/ is made (the system's temporary directory). */
  readonly tempDir: string;
}

export interface CarverLog {
  warning(message: string): void;
  verbose(message: string): void;
}

export interface CarverOptions {
  readonly store: Store;
  readonly session: RemoteSession;
  readonly settings: () => CarverSettings;
  readonly log: CarverLog;
  /** Unix seconds. */
  readonly now: () => number;
}

/** Why a carve stopped, as its status says it. */
class CarveFailure extends Error {
  constructor(
    readonly status: string,
    message: string,
  ) {
    super(message);
  }
}

export class Carver {
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly o: CarverOptions) {}

  /** Starts a pass over the records unless one is under way (osquery runs one carver at a time). */
  schedule(): void {
    if (this.running || this.stopped) return;
    this.running = this.runPending().finally(() => (this.running = null));
  }

  /** No new block is sent after this; resolves when the pass under way has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  /**
   * One pass: drops malformed records and successful ones past --carver_expiry,
   * then carves every SCHEDULED record in key order. Never rejects.
   */
  async runPending(): Promise<void> {
    const { store, log } = this.o;
    for (const { key, record } of listCarves(store)) {
      if (this.stopped) return;
      try {
        if (!record) {
          log.verbose(`Deleting malformed carve record ${key}`);
          await store.write((w) => w.del("carves", key));
          continue;
        }
        if (record.status === STATUS_SUCCESS && this.o.now() - record.time > this.o.settings().expiry) {
          log.verbose(`Expiring successful carve metadata for GUID: ${record.carve_guid}`);
          await store.write((w) => w.del("carves", key));
          continue;
        }
        if (record.status === STATUS_SCHEDULED) await this.carve(record);
      } catch (e) {
        // A store that refuses writes leaves the record as it was; the next pass tries again.
        log.warning(`Carve ${key} could not be updated: ${errorMessage(e)}`);
      }
    }
  }

  private async carve(record: CarveRecord): Promise<void> {
    const { store, log } = this.o;
    const guid = record.carve_guid;
    const settings = this.o.settings();
    await updateCarve(store, guid, { status: "STARTING" });
    const dir = join(settings.tempDir, `osquery_carve_${guid}`);
    try {
      try {
        await mkdir(dir, { mode: 0o700 });
      } catch (e) {
        throw new CarveFailure("CREATE PATHS FAILED", `cannot create ${dir}: ${errorMessage(e)}`);
      }
      await updateCarve(store, guid, { status: "PENDING" });
      const archive = join(dir, `carve_${guid}.tar`);
      await this.archive(record, dir, archive);
      let upload = archive;
      if (settings.compression) {
        upload = `${archive}.zst`;
        try {
          await pipeline(createReadStream(archive), createZstdCompress({ params: { [zlibConstants.ZSTD_c_compressionLevel]: 1 } }), createWriteStream(upload, { flags: "wx", mode: 0o600 }));
        } catch (e) {
          throw new CarveFailure("COMPRESS FAILED", `cannot compress ${archive}: ${errorMessage(e)}`);
        }
      }
      const size = (await stat(upload)).size;
      await updateCarve(store, guid, { size });
      const sha256 = size > settings.readMax ? "-1" : await sha256File(upload);
      if (sha256 === "-1") log.verbose("Archive file size exceeds read max, skipping integrity computation");
      await updateCarve(store, guid, { sha256 });
      await this.post(record, upload, size, settings);
      await updateCarve(store, guid, { status: STATUS_SUCCESS });
    } catch (e) {
      if (!(e instanceof CarveFailure)) throw e;
      log.warning(`Carve ${guid} failed: ${e.message}`);
      await updateCarve(store, guid, { status: e.status });
    } finally {
      await rm(dir, { recursive: true, force: true }).catch((e: unknown) => log.verbose(`Cannot remove ${dir}: ${errorMessage(e)}`));
    }
  }

  /**
   * Each path goes into the tar under the name osquery gives its copy (the
   * carve directory joined with the path), so archives unpack alike.
   */
  private async archive(record: CarveRecord, dir: string, archive: string): Promise<void> {
    let tar: TarWriter;
    try {
      tar = await TarWriter.create(archive);
    } catch (e) {
      throw new CarveFailure("ARCHIVE FAILED", `cannot create ${archive}: ${errorMessage(e)}`);
    }
    let carved = 0;
    let failure: CarveFailure | null = null;
    for (const path of record.path === "" ? [] : record.path.split(",")) {
      const added = await tar.addFile(join(dir, path), path);
      if (added.ok) carved++;
      else this.o.log.verbose(`File not carved: ${added.error}`);
      if (tar.broken) {
        failure = new CarveFailure("ARCHIVE FAILED", `writing ${archive} failed: ${added.ok ? "" : added.error}`);
        break;
      }
    }
    try {
      await tar.close();
    } catch (e) {
      failure ??= new CarveFailure("ARCHIVE FAILED", `cannot finish ${archive}: ${errorMessage(e)}`);
    }
    if (failure) throw failure;
    if (carved === 0) throw new CarveFailure("ARCHIVE FAILED", `no file could be read of: ${record.path}`);
  }

  /** The start request, then every block once, in order; the first failed block ends the carve. */
  private async post(record: CarveRecord, upload: string, size: number, s: CarverSettings): Promise<void> {
    const { session } = this.o;
    const blockSize = Math.max(1, s.blockSize);
    const blockCount = Math.ceil(size / blockSize);
    // Keys in osquery's order; the session appends node_key last, as osquery does.
    const start: JsonObject = {
      block_count: blockCount,
      block_size: blockSize,
      carve_size: size,
      carve_id: record.carve_guid,
      request_id: record.request_id,
    };
    const started = await session.request(s.startEndpoint, start, { attempts: ATTEMPTS, nodeKeyInBody: true });
    if (!started.ok) throw new CarveFailure("DATA POST FAILED", `start request failed: ${started.error.message}`);
    const sessionId = started.value.session_id;
    if (typeof sessionId !== "string" || sessionId === "") {
      throw new CarveFailure("DATA POST FAILED", `${sessionId === undefined ? "no" : "an invalid"} session_id received from remote endpoint`);
    }
    const stream = createReadStream(upload, { highWaterMark: blockSize });
    let blockId = 0;
    try {
      for await (const chunk of readBlocks(stream, blockSize)) {
        if (this.stopped) throw new CarveFailure("DATA POST FAILED", "the daemon is shutting down");
        // Fleet reads this body as bytes: exactly these keys, in this order, and no node_key.
        const block: JsonObject = { block_id: blockId, session_id: sessionId, request_id: record.request_id, data: chunk.toString("base64") };
        const sent = await session.request(s.continueEndpoint, block, { attempts: ATTEMPTS, nodeKeyInBody: false });
        if (!sent.ok) throw new CarveFailure("DATA POST FAILED", `block ${blockId} of ${blockCount} failed: ${sent.error.message}`);
        blockId++;
      }
    } finally {
      stream.destroy();
    }
    if (blockId !== blockCount) throw new CarveFailure("DATA POST FAILED", `the archive changed while it was sent (${blockId} of ${blockCount} blocks)`);
  }
}

/** Exactly `size`-byte blocks (the last one shorter) whatever chunks the stream yields. */
async function* readBlocks(stream: AsyncIterable<Buffer>, size: number): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let have = 0;
  for await (const chunk of stream) {
    pending.push(chunk);
    have += chunk.length;
    while (have >= size) {
      const all = Buffer.concat(pending);
      yield all.subarray(0, size);
      pending = [all.subarray(size)];
      have -= size;
    }
  }
  if (have > 0) yield Buffer.concat(pending);
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}
