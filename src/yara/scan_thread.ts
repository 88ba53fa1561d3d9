// The main thread's side of yara_events' scan thread (scan_worker.ts): the
// thread starts with the first scan and ends after IDLE_MS without one, so
// the engine's WebAssembly heap (which grows to the largest file scanned and
// never shrinks) is given back while nothing changes. A thread that fails
// fails the scans it had; the next scan starts another. Where no Worker can
// start, files are scanned on the main thread.
import { workerModule } from "../worker_module.ts";
import type { YaraRules } from "./engine.ts";
import { scanFile, type FileScanRequest, type FileScanResult } from "./file_scan.ts";
import type { ScanReply, ScanThreadMessage } from "./scan_protocol.ts";

/** How long an idle scan thread lives. */
const IDLE_MS = 60_000;

export class ScanThread {
  private worker: Worker | null = null;
  private noWorker = false;
  private readonly pending = new Map<number, (result: FileScanResult) => void>();
  private nextScan = 1;
  /** Ids of rule sets by object, so a set is sent to a thread once. */
  private readonly ruleIds = new WeakMap<YaraRules, number>();
  private nextRules = 1;
  /** The rule sets the current thread has. */
  private sent = new Set<number>();
  private idle: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly verbose: (message: string) => void) {}

  scan(req: FileScanRequest): Promise<FileScanResult> {
    const worker = this.thread();
    if (!worker) return scanFile(req);
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
    const ids = req.sets.map((rules) => {
      let id = this.ruleIds.get(rules);
      if (id === undefined) {
        id = this.nextRules++;
        this.ruleIds.set(rules, id);
      }
      if (!this.sent.has(id)) {
        this.post(worker, { kind: "rules", id, rules });
        this.sent.add(id);
      }
      return id;
    });
    const id = this.nextScan++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.post(worker, { kind: "scan", id, path: req.path, sets: ids });
    });
  }

  /** The config changed: the thread drops the rule sets it has (new ones are compiled). */
  forgetRules(): void {
    if (this.worker && this.sent.size > 0) this.post(this.worker, { kind: "forget" });
    this.sent = new Set();
  }

  /** Ends the thread; scans still running fail. */
  stop(why = "the scan thread was stopped"): void {
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
    const worker = this.worker;
    this.worker = null;
    this.sent = new Set();
    void worker?.terminate();
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const resolve of waiting) resolve({ failed: why });
  }

  private post(worker: Worker, message: ScanThreadMessage): void {
    worker.postMessage(message);
  }

  private thread(): Worker | null {
    if (this.worker || this.noWorker) return this.worker;
    try {
      const worker = new Worker(workerModule("yara/scan_worker.ts"));
      worker.unref();
      worker.onmessage = (e: MessageEvent<ScanReply>) => this.reply(e.data);
      worker.onerror = (e) => {
        this.verbose(`yara_events: the scan thread failed: ${e.message}`);
        if (this.worker === worker) this.stop(`the scan thread failed: ${e.message}`);
      };
      this.worker = worker;
    } catch (e) {
      this.noWorker = true;
      this.verbose(`yara_events: no scan thread, scanning on the main thread: ${(e as Error).message}`);
    }
    return this.worker;
  }

  private reply({ id, result }: ScanReply): void {
    const resolve = this.pending.get(id);
    if (!resolve) return;
    this.pending.delete(id);
    resolve(result);
    if (this.pending.size === 0 && !this.idle) {
      this.idle = setTimeout(() => this.stop(), IDLE_MS);
      this.idle.unref?.();
    }
  }
}
