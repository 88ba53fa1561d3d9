// The inotify publisher (osquery's INotifyEventPublisher): one inotify
// descriptor, watches for every subscription's paths, events turned into
// actions and handed to the subscriptions that asked for them.
//
// As osquery: `**` (from `%%`) makes a subscription recursive from the part
// before it, and directories created under it are watched as they appear; a
// wildcard in the last component watches its directory (every entry of it
// fires, osquery applies no leaf filter); a wildcard higher up is expanded
// when the subscription is configured. exclude_paths drop an event whose
// path, or whose directory, matches.
//
// Capture: a reader thread (a Worker, src/events/inotify_worker.ts) waits on
// the descriptor and moves what it reads into a shared ring, so the kernel's
// queue (fs.inotify.max_queued_events, 16,384 by default) is emptied even
// while the main thread runs a long query: a query that blocks the event loop
// for seconds loses no events. Told that the ring has data, the main thread
// takes from it, turning bytes into events (and watching new directories) at
// once and firing a bounded slice of the backlog per turn (a stat, a hash and
// a store put each), so a flood of events only slices queries; an idle
// daemon runs no timer for it. Without a Worker the main thread reads the
// non-blocking descriptor itself every POLL_MS. A queue that overflowed anyway is counted and reported in a
// status line.
import { readdirSync, realpathSync } from "node:fs";
import { isDirectory } from "../linux/fs.ts";
import { glob } from "../linux/glob.ts";
import {
  IN_ACCESS,
  IN_ATTRIB,
  IN_CLOSE_WRITE,
  IN_CREATE,
  IN_DELETE,
  IN_DELETE_SELF,
  IN_IGNORED,
  IN_ISDIR,
  IN_MODIFY,
  IN_MOVE_SELF,
  IN_MOVED_FROM,
  IN_MOVED_TO,
  IN_OPEN,
  IN_Q_OVERFLOW,
  Inotify,
  parseEvents,
  type InotifyEvent,
} from "../linux/inotify.ts";
import { flags } from "../flags/flags.ts";
import { ByteRing, WAKE_MESSAGE } from "../linux/byte_ring.ts";
import { workerModule } from "../worker_module.ts";
import { EventPublisher } from "./publisher.ts";
import type { FileWatchConfig } from "./types.ts";

export const FILE_DEFAULT_MASK = IN_MOVED_TO | IN_MOVED_FROM | IN_MODIFY | IN_DELETE | IN_CREATE | IN_CLOSE_WRITE | IN_ATTRIB;
export const FILE_ACCESS_MASK = IN_OPEN | IN_ACCESS;

/** osquery's kMaskActions, in its (std::map, ascending bit) order: the lowest bit set names the action. */
const ACTIONS: readonly [number, string][] = [
  [IN_ACCESS, "ACCESSED"],
  [IN_MODIFY, "UPDATED"],
  [IN_ATTRIB, "ATTRIBUTES_MODIFIED"],
  [IN_CLOSE_WRITE, "UPDATED"],
  [IN_OPEN, "OPENED"],
  [IN_MOVED_FROM, "MOVED_FROM"],
  [IN_MOVED_TO, "MOVED_TO"],
  [IN_CREATE, "CREATED"],
  [IN_DELETE, "DELETED"],
];

const POLL_MS = 10;
/** Events handed to subscribers per turn of the event loop (each is a stat, maybe a hash, and a store put). */
const FIRE_PER_TURN = 1000;
/** Events read but not yet fired, at most; beyond it the ring and then the kernel's queue hold them. */
const MAX_BACKLOG = 5_000;
/** The reader thread's ring: about 200,000 events of a short name, read while the main thread is busy. */
const RING_BYTES = 8 * 1024 * 1024;
/** Bytes of events taken from the ring per turn (a few thousand events). */
const READER_BYTES_PER_TURN = 128 * 1024;
/** How long stop() waits for the reader thread to end its current poll. */
const STOP_WAIT_MS = 1000;
/** osquery reports an overflow at most once a minute. */
const OVERFLOW_REPORT_SECONDS = 60;

export interface FileSubscription {
  readonly category: string;
  /** The glob as configured. */
  readonly path: string;
  readonly mask: number;
  /** exclude_paths: osquery applies every category's patterns to every subscription. */
  readonly exclude: ExcludeSet;
}

export interface FileEvent {
  /** The watched path plus the entry's name. */
  readonly path: string;
  readonly action: string;
  readonly cookie: number;
  readonly mask: number;
}

/** A watched path and the subscriptions it serves. */
interface Watch {
  readonly path: string;
  readonly subs: Set<FileSubscription>;
  readonly recursive: Set<FileSubscription>;
}

export function actionOf(mask: number): string {
  for (const [bit, action] of ACTIONS) if (mask & bit) return action;
  return "";
}

/**
 * osquery's exclude PathSet (patternedPath): paths compared by component, a
 * `%`/`*` component matching any one component (and, last, anything below),
 * a `%%`/`**` component matching everything below, the directory included.
 */
export class ExcludeSet {
  private readonly patterns: string[][] = [];

  add(pattern: string): void {
    if (pattern === "") return;
    const comps = split(pattern.replaceAll("%", "*"));
    const deep = comps.indexOf("**");
    if (deep >= 0) {
      this.patterns.push(comps.slice(0, deep));
      this.patterns.push(comps.slice(0, deep + 1));
    } else {
      this.patterns.push(comps);
    }
  }

  get empty(): boolean {
    return this.patterns.length === 0;
  }

  has(path: string): boolean {
    const comps = split(path);
    return this.patterns.some((p) => componentsMatch(p, comps));
  }
}

/** Every category's exclude_paths in one set: osquery's publisher applies them all to every subscription. */
export function excludeSetOf(files: FileWatchConfig): ExcludeSet {
  const exclude = new ExcludeSet();
  for (const patterns of files.excludePaths.values()) for (const p of patterns) exclude.add(p);
  return exclude;
}

function split(path: string): string[] {
  if (path === "/") return [""];
  return path.split("/").filter((c) => c !== "");
}

function componentsMatch(pattern: readonly string[], path: readonly string[]): boolean {
  const n = Math.min(pattern.length, path.length);
  for (let i = 0; i < n; i++) {
    if (pattern[i] === "**") return true;
    if (pattern[i] === "*") continue;
    if (pattern[i] !== path[i]) return false;
  }
  if (pattern.length === path.length) return true;
  if (pattern.length < path.length) return pattern[pattern.length - 1] === "*";
  return pattern[n] === "**";
}

export class InotifyPublisher extends EventPublisher<FileEvent, FileSubscription> {
  readonly type = "inotify";
  /** Times the kernel's queue overflowed (events lost). */
  overflows = 0;
  private inotify: Inotify | null = null;
  private readonly watches = new Map<number, Watch>();
  private readonly byPath = new Map<string, number>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private lastOverflowReport = 0;

  setUp(): string | null {
    if (!flags.bool("enable_file_events")) return "Publisher disabled via configuration";
    const opened = Inotify.open();
    if (typeof opened === "string") return `Could not start inotify: ${opened}`;
    this.inotify = opened;
    return null;
  }

  /** Every subscription's paths watched anew: old watches that no subscription needs are removed. */
  configure(): void {
    const ino = this.inotify;
    if (!ino) return;
    const before = new Map(this.watches);
    for (const w of this.watches.values()) {
      w.subs.clear();
      w.recursive.clear();
    }
    for (const sub of this.subscriptions) this.monitor(sub.context);
    for (const [wd, w] of before) {
      if (w.subs.size > 0) continue;
      ino.removeWatch(wd);
      this.forget(wd);
    }
  }

  private monitor(sub: FileSubscription): void {
    let discovered = sub.path;
    let recursive = false;
    const deep = discovered.indexOf("**");
    if (deep >= 0) {
      recursive = true;
      discovered = discovered.slice(0, deep);
    }
    if (discovered.includes("*")) {
      const slash = discovered.lastIndexOf("/");
      if (discovered.slice(slash + 1).includes("*")) discovered = discovered.slice(0, slash + 1);
      if (discovered.includes("*")) {
        for (const found of glob(discovered)) if (found.endsWith("/")) this.addWatch(found, sub, recursive);
        return;
      }
    }
    if (!discovered.endsWith("/") && isDirectory(discovered)) discovered += "/";
    this.addWatch(discovered, sub, recursive);
  }

  private addWatch(path: string, sub: FileSubscription, recursive: boolean): void {
    const ino = this.inotify!;
    const wd = ino.addWatch(path, this.maskFor(path, sub));
    if (wd < 0) {
      this.log.warning(`Could not add inotify watch on: ${path}`);
      return;
    }
    let w = this.watches.get(wd);
    if (!w || w.path !== path) {
      if (w) this.byPath.delete(w.path);
      w = { path, subs: new Set(), recursive: new Set() };
      this.watches.set(wd, w);
      this.byPath.set(path, wd);
    }
    w.subs.add(sub);
    if (!recursive || !path.endsWith("/")) return;
    w.recursive.add(sub);
    let entries;
    try {
      entries = readdirSync(path, { withFileTypes: true });
    } catch (e) {
      this.log.verbose(`Cannot list ${path} for recursive watches: ${(e as Error).message}`);
      return;
    }
    for (const entry of entries) {
      if (!entry.isDirectory()) continue;
      let child: string;
      try {
        child = realpathSync(path + entry.name);
      } catch (e) {
        // Gone between the listing and now: its CREATE reached nobody, nothing to watch.
        this.log.verbose(`Cannot resolve ${path}${entry.name}: ${(e as Error).message}`);
        continue;
      }
      this.addWatch(`${child}/`, sub, true);
    }
  }

  /** One descriptor serves every subscription on a path: its mask is theirs together. */
  private maskFor(path: string, sub: FileSubscription): number {
    const wd = this.byPath.get(path);
    let mask = sub.mask || FILE_DEFAULT_MASK;
    for (const other of (wd === undefined ? undefined : this.watches.get(wd))?.subs ?? []) mask |= other.mask || FILE_DEFAULT_MASK;
    return mask;
  }

  private forget(wd: number): void {
    const w = this.watches.get(wd);
    if (!w) return;
    this.watches.delete(wd);
    if (this.byPath.get(w.path) === wd) this.byPath.delete(w.path);
  }

  start(): void {
    const ino = this.inotify;
    if (!ino) return;
    this.startReader(ino);
    this.tick();
  }

  /**
   * One turn, and the next one scheduled: at once while a backlog remains;
   * otherwise after POLL_MS when the main thread reads the descriptor itself,
   * or not until the reader thread says it has data.
   */
  private readonly tick = (): void => {
    this.timer = null;
    this.reader?.ring.woken();
    this.poll();
    if (!this.inotify) return;
    const busy = this.backlog.length > this.fired || (this.reader?.ring.pending ?? false);
    if (busy) this.schedule(0);
    else if (!this.reader) this.schedule(POLL_MS);
  };

  private schedule(ms: number): void {
    if (this.timer) return;
    this.timer = setTimeout(this.tick, ms);
    this.timer.unref?.();
  }

  private reader: { worker: Worker; ring: ByteRing } | null = null;

  private startReader(ino: Inotify): void {
    const spec = workerModule("events/inotify_worker.ts");
    try {
      const ring = ByteRing.create(RING_BYTES);
      const worker = new Worker(spec);
      worker.unref();
      worker.onmessage = (e: MessageEvent<unknown>) => {
        if (e.data === WAKE_MESSAGE) this.schedule(0);
        else this.log.warning(String(e.data));
      };
      worker.onerror = (e) => {
        this.log.warning(`The inotify reader thread failed, reading on the main thread: ${e.message}`);
        this.reader = null;
        this.schedule(0);
      };
      worker.postMessage({ fd: ino.fd, ring: ring.shared });
      this.reader = { worker, ring };
    } catch (e) {
      this.log.verbose(`No inotify reader thread, reading on the main thread: ${(e as Error).message}`);
    }
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.reader) {
      const { worker, ring } = this.reader;
      const { chunks, ended } = ring.stop(STOP_WAIT_MS);
      if (!ended) this.log.verbose("The inotify reader thread did not end in time");
      this.reader = null;
      for (const chunk of chunks) this.handleChunk(chunk);
      void worker.terminate();
    }
    this.drain();
    // What was read is fired before the descriptor goes: those events are the kernel's no more.
    this.fireBacklog(Infinity);
    this.inotify?.close();
    this.inotify = null;
    this.watches.clear();
    this.byPath.clear();
  }

  /** Events read, in order, from `fired` on not yet handed to subscribers. */
  private backlog: [Watch, FileEvent][] = [];
  private fired = 0;

  /** One turn: take what was read (or read what the kernel has queued), then fire a slice of the backlog. */
  poll(): void {
    this.drain();
    this.fireBacklog(FIRE_PER_TURN);
  }

  private handleChunk(chunk: Buffer): void {
    for (const ev of parseEvents(chunk, chunk.length)) this.handle(ev);
  }

  private drain(): void {
    if (this.backlog.length - this.fired >= MAX_BACKLOG) return;
    if (this.reader) {
      for (const chunk of this.reader.ring.take(READER_BYTES_PER_TURN)) this.handleChunk(chunk);
      return;
    }
    const ino = this.inotify;
    if (!ino) return;
    while (this.backlog.length - this.fired < MAX_BACKLOG) {
      let events: InotifyEvent[] | null;
      try {
        events = ino.read();
      } catch (e) {
        this.log.warning(`Could not read inotify handle: ${(e as Error).message}`);
        return;
      }
      if (!events) return;
      for (const ev of events) this.handle(ev);
    }
  }

  private fireBacklog(max: number): void {
    const end = Math.min(this.backlog.length, this.fired + max);
    for (; this.fired < end; this.fired++) this.fireTo(...this.backlog[this.fired]!);
    if (this.fired === this.backlog.length) {
      this.backlog = [];
      this.fired = 0;
    } else if (this.fired > 50_000) {
      this.backlog = this.backlog.slice(this.fired);
      this.fired = 0;
    }
  }

  private handle(ev: InotifyEvent): void {
    if (ev.mask & IN_Q_OVERFLOW) {
      this.overflows++;
      const now = Math.floor(Date.now() / 1000);
      if (now - this.lastOverflowReport >= OVERFLOW_REPORT_SECONDS) {
        this.lastOverflowReport = now;
        this.log.warning(`inotify event queue overflowed: file events were lost (overflows: ${this.overflows})`);
      }
      return;
    }
    if (ev.mask & IN_IGNORED) {
      this.forget(ev.wd);
      return;
    }
    if (ev.mask & (IN_MOVE_SELF | IN_DELETE_SELF)) {
      if (ev.mask & IN_MOVE_SELF) this.inotify?.removeWatch(ev.wd);
      this.forget(ev.wd);
      return;
    }
    const w = this.watches.get(ev.wd);
    if (!w) return;
    const action = actionOf(ev.mask);
    if (!action) return;
    const path = ev.name ? w.path + ev.name : w.path;
    // New directories under a recursive subscription are watched as soon as their CREATE is read.
    if (action === "CREATED" && w.recursive.size > 0 && ev.mask & IN_ISDIR) {
      for (const sub of w.recursive) this.addWatch(`${path}/`, sub, true);
    }
    this.backlog.push([w, { path, action, cookie: ev.cookie, mask: ev.mask }]);
  }

  /** The watch the event being fired came from: only its subscriptions get the event. */
  private firing: Watch | null = null;

  private fireTo(w: Watch, event: FileEvent): void {
    this.firing = w;
    try {
      this.fire(event);
    } finally {
      this.firing = null;
    }
  }

  protected override shouldFire(sub: FileSubscription, event: FileEvent): boolean {
    if (!this.firing?.subs.has(sub)) return false;
    if (sub.mask !== 0 && (event.mask & sub.mask) === 0) return false;
    if (sub.exclude.empty) return true;
    return !sub.exclude.has(event.path.slice(0, event.path.lastIndexOf("/"))) && !sub.exclude.has(event.path);
  }
}
