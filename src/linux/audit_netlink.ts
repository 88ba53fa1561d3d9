// The kernel's audit netlink socket (NETLINK_AUDIT) through bun:ffi, as
// libaudit drives it for osquery: status get/set, syscall rules added and
// deleted, and the records kauditd sends to the registered audit daemon.
// The socket is non-blocking: the caller polls it from the event loop, so
// no read ever stalls a query (one poll drains whatever has queued).
import { ptr } from "bun:ffi";
import { EAGAIN, EINTR, ENOBUFS, errno, type Libc } from "./libc.ts";
import { MSG_DONTWAIT, openNetlinkSocket } from "./libc_net.ts";

const NETLINK_AUDIT = 9;

const NLMSG_HDRLEN = 16;
const NLM_F_REQUEST = 0x1;
const NLM_F_ACK = 0x4;
const NLMSG_ERROR = 2;
const NLMSG_DONE = 3;

export const AUDIT_GET = 1000;
const AUDIT_SET = 1001;
const AUDIT_LIST_RULES = 1013;
const AUDIT_ADD_RULE = 1011;
const AUDIT_DEL_RULE = 1012;

// Types below this are requests and their answers; from here on, records.
const FIRST_RECORD_TYPE = 1100;

const AUDIT_STATUS_ENABLED = 0x1;
const AUDIT_STATUS_FAILURE = 0x2;
const AUDIT_STATUS_PID = 0x4;
const AUDIT_STATUS_BACKLOG_LIMIT = 0x10;
const AUDIT_STATUS_BACKLOG_WAIT_TIME = 0x20;

const AUDIT_FILTER_EXIT = 0x04;
const AUDIT_ALWAYS = 2;
export const AUDIT_FAIL_SILENT = 0;
export const AUDIT_FAIL_PRINTK = 1;

// struct audit_rule_data without its trailing buffer: flags, action,
// field_count, mask[64], fields[64], values[64], fieldflags[64], buflen.
const AUDIT_BITMASK_SIZE = 64;
const RULE_SIZE = 4 * (3 + AUDIT_BITMASK_SIZE + 3 * 64 + 1);
// struct audit_status up to backlog_wait_time (older kernels take this size).
const STATUS_SIZE = 40;

/** struct audit_status as the kernel reports it. */
export interface AuditStatus {
  readonly enabled: number;
  readonly failure: number;
  readonly pid: number;
  readonly backlogLimit: number;
  readonly lost: number;
  readonly backlog: number;
}

/** One netlink message: its type (the audit record type) and its payload. */
export interface NetlinkMessage {
  readonly type: number;
  readonly seq: number;
  readonly body: Uint8Array;
}

/** The syscall mask of an exit-filter, always-action rule over `syscalls`, as libaudit builds it. */
export function syscallRule(syscalls: Iterable<number>): Uint8Array {
  const rule = new Uint8Array(RULE_SIZE);
  const dv = new DataView(rule.buffer);
  dv.setUint32(0, AUDIT_FILTER_EXIT, true);
  dv.setUint32(4, AUDIT_ALWAYS, true);
  for (const nr of syscalls) {
    const word = nr >>> 5;
    if (word >= AUDIT_BITMASK_SIZE) continue;
    const at = 12 + word * 4;
    dv.setUint32(at, (dv.getUint32(at, true) | (1 << (nr & 31))) >>> 0, true);
  }
  return rule;
}

/** The syscall numbers set in a rule's mask (the inverse of syscallRule). */
export function ruleSyscalls(rule: Uint8Array): number[] {
  const dv = new DataView(rule.buffer, rule.byteOffset, rule.byteLength);
  const out: number[] = [];
  for (let word = 0; word < AUDIT_BITMASK_SIZE; word++) {
    const bits = dv.getUint32(12 + word * 4, true);
    for (let b = 0; b < 32; b++) if (bits & (1 << b)) out.push(word * 32 + b);
  }
  return out;
}

export class AuditNetlink {
  private seq = 0;
  private readonly buf = new Uint8Array(1 << 16);

  private constructor(
    private readonly c: Libc,
    private fd: number,
  ) {}

  /** Opens the socket, or says why it cannot be opened. */
  static open(): AuditNetlink | string {
    const opened = openNetlinkSocket(NETLINK_AUDIT, "NETLINK_AUDIT", 8 << 20);
    return typeof opened === "string" ? opened : new AuditNetlink(opened.c, opened.fd);
  }

  get closed(): boolean {
    return this.fd < 0;
  }

  /** Sends one request; returns its sequence number, or the negative errno. */
  send(type: number, payload: Uint8Array, ack = true): number {
    if (this.fd < 0) return -9;
    const len = NLMSG_HDRLEN + payload.length;
    const msg = new Uint8Array((len + 3) & ~3);
    const dv = new DataView(msg.buffer);
    const seq = ++this.seq;
    dv.setUint32(0, len, true);
    dv.setUint16(4, type, true);
    dv.setUint16(6, NLM_F_REQUEST | (ack ? NLM_F_ACK : 0), true);
    dv.setUint32(8, seq, true);
    msg.set(payload, NLMSG_HDRLEN);
    for (;;) {
      const n = Number(this.c.send(this.fd, ptr(msg), len, 0));
      if (n === len) return seq;
      const e = errno(this.c);
      if (n < 0 && e === EINTR) continue;
      return -(e || 5);
    }
  }

  /**
   * Every message queued on the socket now, up to `max`, without waiting.
   * Null when the socket failed (anything but "nothing more to read").
   */
  drain(max: number): NetlinkMessage[] | null {
    const out: NetlinkMessage[] = [];
    const view = new DataView(this.buf.buffer);
    while (out.length < max && this.fd >= 0) {
      const n = Number(this.c.recv(this.fd, ptr(this.buf), this.buf.length, MSG_DONTWAIT));
      if (n < 0) {
        const e = errno(this.c);
        if (e === EAGAIN || e === EINTR) break;
        // ENOBUFS: the kernel dropped records the buffer had no room for;
        // the socket itself is still good, and the loss shows in `lost`.
        if (e === ENOBUFS) continue;
        return null;
      }
      let off = 0;
      while (off + NLMSG_HDRLEN <= n) {
        let mlen = view.getUint32(off, true);
        const type = view.getUint16(off + 4, true);
        const seq = view.getUint32(off + 8, true);
        // kauditd sends one record per datagram and puts the payload's length
        // in nlmsg_len (without the header), unlike every other netlink
        // family: a record's text runs to the end of the datagram.
        if (type >= FIRST_RECORD_TYPE || mlen < NLMSG_HDRLEN || off + mlen > n) mlen = n - off;
        out.push({ type, seq, body: this.buf.slice(off + NLMSG_HDRLEN, off + mlen) });
        off += (mlen + 3) & ~3;
      }
    }
    return out;
  }

  /**
   * The answer to request `seq`: error 0 for an ACK, the negative errno of an
   * NLMSG_ERROR, and the messages of a reply. The kernel handles audit
   * requests inside send(), so the answer is normally queued already; the
   * rule list comes from a kernel thread, hence the short wait. Records that
   * arrive meanwhile go to `other`.
   */
  reply(seq: number, timeoutMs: number, other: (m: NetlinkMessage) => void): { error: number; messages: NetlinkMessage[] } {
    const messages: NetlinkMessage[] = [];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const batch = this.drain(1024);
      if (batch === null) return { error: -5, messages };
      for (const m of batch) {
        if (m.seq !== seq) {
          other(m);
          continue;
        }
        if (m.type === NLMSG_ERROR) {
          const error = new DataView(m.body.buffer, m.body.byteOffset, m.body.byteLength).getInt32(0, true);
          // An error 0 is the ACK that ends a single-answer request; a dump
          // (the rule list) ends with NLMSG_DONE instead.
          if (error !== 0 || messages.length === 0) return { error, messages };
          continue;
        }
        if (m.type === NLMSG_DONE) return { error: 0, messages };
        messages.push(m);
        if (m.type === AUDIT_GET) return { error: 0, messages };
      }
      if (Date.now() >= deadline) return { error: -110, messages };
      Bun.sleepSync(1);
    }
  }

  private status(mask: number, field: number, value: number): Uint8Array {
    const s = new Uint8Array(STATUS_SIZE);
    const dv = new DataView(s.buffer);
    dv.setUint32(0, mask, true);
    dv.setUint32(field * 4, value >>> 0, true);
    return s;
  }

  /** One AUDIT_SET; 0 or the negative errno. */
  set(what: "enabled" | "failure" | "pid" | "backlog_limit" | "backlog_wait_time", value: number, other: (m: NetlinkMessage) => void): number {
    const [mask, field] = {
      enabled: [AUDIT_STATUS_ENABLED, 1],
      failure: [AUDIT_STATUS_FAILURE, 2],
      pid: [AUDIT_STATUS_PID, 3],
      backlog_limit: [AUDIT_STATUS_BACKLOG_LIMIT, 5],
      backlog_wait_time: [AUDIT_STATUS_BACKLOG_WAIT_TIME, 9],
    }[what] as [number, number];
    const seq = this.send(AUDIT_SET, this.status(mask, field, value));
    if (seq < 0) return seq;
    return this.reply(seq, 500, other).error;
  }

  /** AUDIT_GET, answered at once; null when the kernel did not answer. */
  getStatus(other: (m: NetlinkMessage) => void): AuditStatus | null {
    const seq = this.send(AUDIT_GET, new Uint8Array(0), false);
    if (seq < 0) return null;
    const m = this.reply(seq, 500, other).messages.find((x) => x.type === AUDIT_GET);
    return m ? parseStatus(m.body) : null;
  }

  /** Asks for the status without waiting: the answer comes with the records (AUDIT_GET). */
  requestStatus(): boolean {
    return this.send(AUDIT_GET, new Uint8Array(0), false) > 0;
  }

  /** Adds (or deletes) one rule; 0 or the negative errno (-EEXIST when it is already there). */
  rule(add: boolean, rule: Uint8Array, other: (m: NetlinkMessage) => void): number {
    const seq = this.send(add ? AUDIT_ADD_RULE : AUDIT_DEL_RULE, rule);
    if (seq < 0) return seq;
    return this.reply(seq, 500, other).error;
  }

  /** The kernel's rule list (struct audit_rule_data each, buffer included); null when it cannot be read. */
  listRules(other: (m: NetlinkMessage) => void): Uint8Array[] | null {
    // No ACK asked: it could arrive before the dump, which kauditd sends from another thread.
    const seq = this.send(AUDIT_LIST_RULES, new Uint8Array(0), false);
    if (seq < 0) return null;
    const { error, messages } = this.reply(seq, 2000, other);
    if (error !== 0) return null;
    return messages.filter((m) => m.type === AUDIT_LIST_RULES).map((m) => m.body);
  }

  close(): void {
    if (this.fd >= 0) this.c.close(this.fd);
    this.fd = -1;
  }
}

export function parseStatus(body: Uint8Array): AuditStatus {
  const padded = new Uint8Array(Math.max(STATUS_SIZE, body.length));
  padded.set(body);
  const dv = new DataView(padded.buffer);
  const u = (i: number) => dv.getUint32(i * 4, true);
  return { enabled: u(1), failure: u(2), pid: u(3), backlogLimit: u(5), lost: u(6), backlog: u(7) };
}
