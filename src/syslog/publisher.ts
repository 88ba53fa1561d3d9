// The syslog publisher (osquery's SyslogEventPublisher): rsyslog writes one
// line per message, in osquery's CSV template, into a named pipe; osq creates
// the pipe (mode 0460, group syslog when there is one, so rsyslog may write
// and osq may read), locks it so only one osq reads it, and reads it
// non-blocking from a timer, at most --syslog_rate_limit lines per run.
import { chmodSync, chownSync, closeSync, constants, openSync, readSync, statSync } from "node:fs";
import { ptr } from "bun:ffi";
import { flags } from "../flags/flags.ts";
import { EventPublisher } from "../events/publisher.ts";
import { errorMessage } from "../logger/glog.ts";
import { errno, libc } from "../linux/libc.ts";
import { readGroups } from "../linux/passwd.ts";
import { parseSyslogLine } from "./line.ts";

export type SyslogEvent = Readonly<Record<string, string>>;

const PIPE_MODE = 0o460;
const PIPE_GROUP = "syslog";
const RUN_MS = 200;
// osquery's line buffer: a longer line cannot be parsed and is dropped.
const LINE_MAX = 2048;
const ERROR_THRESHOLD = 10;
const LOCK_EX = 2;
const LOCK_NB = 4;
const LOCK_UN = 8;

function isFifo(path: string): boolean | null {
  try {
    return statSync(path).isFIFO();
  } catch {
    return null;
  }
}

/** mkfifo with osquery's mode and group; null on success, else the reason. */
export function createPipe(path: string): string | null {
  const c = libc();
  if (!c) return "libc.so.6 cannot be opened (mkfifo)";
  if (c.mkfifo(ptr(Buffer.from(`${path}\0`)), PIPE_MODE) !== 0) return `Error in mkfifo: errno ${errno(c)}`;
  try {
    // The umask narrowed mkfifo's mode.
    chmodSync(path, PIPE_MODE);
  } catch (e) {
    return `Error in chmod: ${errorMessage(e)}`;
  }
  const group = readGroups().find((g) => g.groupname === PIPE_GROUP);
  if (!group) return null;
  try {
    chownSync(path, -1, group.gid);
  } catch (e) {
    return `Error in chown to group ${PIPE_GROUP}: ${errorMessage(e)}`;
  }
  return null;
}

export class SyslogEventPublisher extends EventPublisher<SyslogEvent, null> {
  readonly type = "syslog";
  private fd = -1;
  private lockFd = -1;
  private timer: ReturnType<typeof setInterval> | null = null;
  private pending = Buffer.alloc(0);
  private skipping = false;
  private errors = 0;
  private readonly chunk = Buffer.alloc(64 * 1024);

  setUp(): string | null {
    if (!flags.bool("enable_syslog")) return "Publisher disabled via configuration";
    const path = flags.get("syslog_pipe_path");
    if (isFifo(path) === null) {
      this.log.verbose(`Pipe does not exist: creating pipe ${path}`);
      const why = createPipe(path);
      if (why) this.log.warning(`Problems encountered creating pipe: ${why}`);
    }
    if (isFifo(path) !== true) return `Not a FIFO file: ${path}`;
    const c = libc();
    try {
      this.lockFd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    } catch (e) {
      return `Error in open for locking pipe: ${errorMessage(e)}`;
    }
    if (c && c.flock(this.lockFd, LOCK_EX | LOCK_NB) !== 0) {
      const e = errno(c);
      closeSync(this.lockFd);
      this.lockFd = -1;
      return `Unable to acquire pipe lock: errno ${e}`;
    }
    try {
      // Read-write, so the pipe never reports end-of-file while rsyslog is away.
      this.fd = openSync(path, constants.O_RDWR | constants.O_NONBLOCK);
    } catch (e) {
      this.unlock();
      return `Error opening stream for reading: ${path}: ${errorMessage(e)}`;
    }
    this.log.verbose(`Successfully opened pipe for syslog ingestion: ${path}`);
    return null;
  }

  configure(): void {}

  start(): void {
    this.timer = setInterval(() => this.run(), RUN_MS);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    this.unlock();
  }

  private unlock(): void {
    if (this.lockFd < 0) return;
    const c = libc();
    if (c && c.flock(this.lockFd, LOCK_UN) !== 0) this.log.warning(`Error unlocking pipe: errno ${errno(c)}`);
    closeSync(this.lockFd);
    this.lockFd = -1;
  }

  /** The next complete line, or null when none is buffered and the pipe has nothing more now. */
  private nextLine(): string | null {
    for (;;) {
      const nl = this.pending.indexOf(10);
      if (nl >= 0) {
        const line = this.pending.subarray(0, nl).toString("utf8");
        this.pending = this.pending.subarray(nl + 1);
        if (this.skipping) {
          this.skipping = false;
          continue;
        }
        return line;
      }
      if (this.pending.length > LINE_MAX) {
        this.log.verbose(`Dropping a syslog line longer than ${LINE_MAX} bytes`);
        this.pending = Buffer.alloc(0);
        this.skipping = true;
      }
      let n: number;
      try {
        n = readSync(this.fd, this.chunk, 0, this.chunk.length, null);
      } catch (e) {
        // EAGAIN: the pipe is empty for now.
        if ((e as NodeJS.ErrnoException).code !== "EAGAIN") this.log.verbose(`Reading the syslog pipe failed: ${errorMessage(e)}`);
        return null;
      }
      if (n <= 0) return null;
      this.pending = Buffer.concat([this.pending, this.chunk.subarray(0, n)]);
    }
  }

  /** One run: up to syslog_rate_limit lines become events. */
  run(): void {
    if (this.fd < 0) return;
    const limit = flags.num("syslog_rate_limit");
    for (let i = 0; i < limit; i++) {
      const line = this.nextLine();
      if (line === null || line === "") break;
      const fields = parseSyslogLine(line);
      if (typeof fields !== "string") {
        this.fire(fields);
        if (this.errors > 0) this.errors--;
        continue;
      }
      this.log.error(`${fields} in line: ${line}`);
      if (++this.errors >= ERROR_THRESHOLD) {
        // osquery's run loop ends with "Too many errors in syslog parsing."; the publisher stops reading.
        this.log.error("Too many errors in syslog parsing.");
        this.stop();
        return;
      }
    }
  }
}
