// Thrift's binary protocol, for the few shapes osquery's IDL uses.
//
// Hand-written instead of the Apache `thrift` npm package: measured with
// bun build --compile, importing that package adds ~50 ms and ~13 MB RSS to
// start-up (it loads ws and its helpers), and the shell starts the extension
// manager on every run. This codec is tested against Debian's python3-thrift
// as an independent peer (test/extensions/python_peer.test.ts).
//
// The transport is unframed, so a message's end is known only by walking its
// structure. `MessageScanner` does that walk incrementally (it resumes where
// the bytes ran out), so a large reply arriving in many chunks is scanned
// once; `decodeMessage` then reads the complete bytes.

/** Thrift's wire type ids. */
export const T = {
  STOP: 0,
  VOID: 1,
  BOOL: 2,
  BYTE: 3,
  DOUBLE: 4,
  I16: 6,
  I32: 8,
  I64: 10,
  STRING: 11,
  STRUCT: 12,
  MAP: 13,
  SET: 14,
  LIST: 15,
} as const;

/** Message types of a message header. */
export const MessageType = { CALL: 1, REPLY: 2, EXCEPTION: 3, ONEWAY: 4 } as const;

const VERSION_1 = 0x80010000 | 0;
const VERSION_MASK = 0xffff0000 | 0;

/** Bytes that are not a well-formed message: the connection that sent them is closed. */
export class ProtocolError extends Error {}

/** Bytes of each fixed-size wire type (0: not fixed). */
const FIXED_SIZE: readonly number[] = (() => {
  const sizes = new Array<number>(16).fill(0);
  sizes[T.BOOL] = 1;
  sizes[T.BYTE] = 1;
  sizes[T.I16] = 2;
  sizes[T.I32] = 4;
  sizes[T.DOUBLE] = 8;
  sizes[T.I64] = 8;
  return sizes;
})();

/** Types a list, set or map may hold. */
const ELEMENT_TYPES: ReadonlySet<number> = new Set([T.BOOL, T.BYTE, T.DOUBLE, T.I16, T.I32, T.I64, T.STRING, T.STRUCT, T.MAP, T.SET, T.LIST]);

/** Whether elements of this type hold no containers. */
function isFlat(t: number): boolean {
  return t === T.STRING || (FIXED_SIZE[t] ?? 0) > 0;
}

/** A value descriptor: how one IDL type is laid out on the wire. */
export type Desc =
  | { readonly t: "string" }
  | { readonly t: "i32" }
  | { readonly t: "i64" }
  | { readonly t: "map"; readonly k: Desc; readonly v: Desc }
  | { readonly t: "list"; readonly e: Desc }
  | { readonly t: "struct"; readonly fields: readonly Field[] };

export interface Field {
  readonly id: number;
  readonly name: string;
  readonly desc: Desc;
}

function wireType(d: Desc): number {
  switch (d.t) {
    case "string":
      return T.STRING;
    case "i32":
      return T.I32;
    case "i64":
      return T.I64;
    case "map":
      return T.MAP;
    case "list":
      return T.LIST;
    case "struct":
      return T.STRUCT;
  }
}

/** A growable output buffer. */
export class Writer {
  private buf = Buffer.allocUnsafe(256);
  private len = 0;

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  byte(v: number): void {
    this.room(1);
    this.buf.writeInt8(v, this.len);
    this.len += 1;
  }

  i16(v: number): void {
    this.room(2);
    this.buf.writeInt16BE(v, this.len);
    this.len += 2;
  }

  i32(v: number): void {
    this.room(4);
    this.buf.writeInt32BE(v | 0, this.len);
    this.len += 4;
  }

  i64(v: number | bigint): void {
    this.room(8);
    this.buf.writeBigInt64BE(BigInt.asIntN(64, BigInt(v)), this.len);
    this.len += 8;
  }

  string(s: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit: reserve that, write, then the length.
    this.room(4 + 3 * s.length);
    const n = s.length === 0 ? 0 : this.buf.write(s, this.len + 4, "utf8");
    this.buf.writeInt32BE(n, this.len);
    this.len += 4 + n;
  }

  bytes(): Buffer {
    return this.buf.subarray(0, this.len);
  }
}

export function writeValue(w: Writer, d: Desc, v: unknown): void {
  switch (d.t) {
    case "string":
      w.string(typeof v === "string" ? v : v === undefined || v === null ? "" : String(v));
      return;
    case "i32":
      w.i32(Number(v ?? 0));
      return;
    case "i64":
      w.i64(typeof v === "bigint" ? v : Math.trunc(Number(v ?? 0)));
      return;
    case "map": {
      if (!(v instanceof Map) && d.k.t === "string" && d.v.t === "string") {
        writeStringMap(w, (v ?? {}) as Record<string, unknown>);
        return;
      }
      const entries: [unknown, unknown][] = v instanceof Map ? [...v] : Object.entries((v ?? {}) as object);
      w.byte(wireType(d.k));
      w.byte(wireType(d.v));
      w.i32(entries.length);
      for (const [k, val] of entries) {
        // Object keys are strings; an i64-keyed map given as an object still encodes numbers.
        writeValue(w, d.k, d.k.t === "i64" && typeof k === "string" ? Number(k) : k);
        writeValue(w, d.v, val);
      }
      return;
    }
    case "list": {
      const items = (v ?? []) as readonly unknown[];
      w.byte(wireType(d.e));
      w.i32(items.length);
      for (const item of items) writeValue(w, d.e, item);
      return;
    }
    case "struct":
      writeStruct(w, d.fields, (v ?? {}) as Record<string, unknown>);
      return;
  }
}

/** map<string,string> from an object: rows and requests, the bulk of every message. */
function writeStringMap(w: Writer, obj: Record<string, unknown>): void {
  w.byte(T.STRING);
  w.byte(T.STRING);
  let n = 0;
  for (const k in obj) if (Object.hasOwn(obj, k)) n++;
  w.i32(n);
  for (const k in obj) {
    if (!Object.hasOwn(obj, k)) continue;
    const val = obj[k];
    w.string(k);
    w.string(typeof val === "string" ? val : val === undefined || val === null ? "" : String(val));
  }
}

export function writeStruct(w: Writer, fields: readonly Field[], v: Record<string, unknown>): void {
  for (const f of fields) {
    const value = v[f.name];
    // Unset optional parts are left out, as Thrift's generated writers do.
    if (value === undefined) continue;
    w.byte(wireType(f.desc));
    w.i16(f.id);
    writeValue(w, f.desc, value);
  }
  w.byte(T.STOP);
}

export function writeMessageBegin(w: Writer, name: string, type: number, seqid: number): void {
  w.i32(VERSION_1 | type);
  w.string(name);
  w.i32(seqid);
}

/** Strings up to this many bytes are decoded by shortString. */
const SHORT_STRING = 24;

/**
 * Most strings in a reply are short ASCII (column names, numbers): building
 * them byte by byte costs half of a native UTF-8 decode call each.
 */
function shortString(buf: Buffer, at: number, n: number): string {
  let s = "";
  for (let i = at; i < at + n; i++) {
    const c = buf[i]!;
    if (c >= 0x80) return buf.toString("utf8", at, at + n);
    s += String.fromCharCode(c);
  }
  return s;
}

/** Reads complete bytes (the scanner has seen the whole message). */
export class Reader {
  private pos = 0;

  constructor(private readonly buf: Buffer) {}

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new ProtocolError("message ends early");
  }

  byte(): number {
    this.need(1);
    return this.buf.readInt8(this.pos++);
  }

  i16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  i32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  i64(): number {
    this.need(8);
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return Number(v);
  }

  size(): number {
    const n = this.i32();
    if (n < 0) throw new ProtocolError(`negative size ${n}`);
    return n;
  }

  string(): string {
    const n = this.size();
    this.need(n);
    const s = n <= SHORT_STRING ? shortString(this.buf, this.pos, n) : this.buf.toString("utf8", this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  /** map<string,string> after its header: a tight loop for the bulk of every message. */
  stringMap(n: number): Record<string, string> {
    const out: Record<string, string> = {};
    for (let i = 0; i < n; i++) {
      const k = this.string();
      const v = this.string();
      // A key "__proto__" would set the prototype instead of a field.
      if (k === "__proto__") Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
      else out[k] = v;
    }
    return out;
  }

  skip(type: number): void {
    switch (type) {
      case T.BOOL:
      case T.BYTE:
        this.need(1);
        this.pos += 1;
        return;
      case T.I16:
        this.need(2);
        this.pos += 2;
        return;
      case T.I32:
        this.need(4);
        this.pos += 4;
        return;
      case T.DOUBLE:
      case T.I64:
        this.need(8);
        this.pos += 8;
        return;
      case T.STRING: {
        const n = this.size();
        this.need(n);
        this.pos += n;
        return;
      }
      case T.STRUCT:
        for (;;) {
          const ft = this.byte();
          if (ft === T.STOP) return;
          this.i16();
          this.skip(ft);
        }
      case T.MAP: {
        const kt = this.byte();
        const vt = this.byte();
        const n = this.size();
        for (let i = 0; i < n; i++) {
          this.skip(kt);
          this.skip(vt);
        }
        return;
      }
      case T.SET:
      case T.LIST: {
        const et = this.byte();
        const n = this.size();
        for (let i = 0; i < n; i++) this.skip(et);
        return;
      }
      default:
        throw new ProtocolError(`unknown field type ${type}`);
    }
  }
}

export function readValue(r: Reader, d: Desc, type: number): unknown {
  if (type !== wireType(d)) {
    // A field of another type than the IDL's is skipped, as generated readers do.
    r.skip(type);
    return defaultValue(d);
  }
  switch (d.t) {
    case "string":
      return r.string();
    case "i32":
      return r.i32();
    case "i64":
      return r.i64();
    case "map": {
      const kt = r.byte();
      const vt = r.byte();
      const n = r.size();
      if (d.k.t === "string" && d.v.t === "string" && kt === T.STRING && vt === T.STRING) return r.stringMap(n);
      if (d.k.t === "string") {
        const out: Record<string, unknown> = {};
        for (let i = 0; i < n; i++) {
          const k = readValue(r, d.k, kt) as string;
          Object.defineProperty(out, k, { value: readValue(r, d.v, vt), enumerable: true, writable: true, configurable: true });
        }
        return out;
      }
      const out = new Map<unknown, unknown>();
      for (let i = 0; i < n; i++) {
        const k = readValue(r, d.k, kt);
        out.set(k, readValue(r, d.v, vt));
      }
      return out;
    }
    case "list": {
      const et = r.byte();
      const n = r.size();
      const out: unknown[] = [];
      for (let i = 0; i < n; i++) out.push(readValue(r, d.e, et));
      return out;
    }
    case "struct":
      return readStruct(r, d.fields);
  }
}

/** Reads a struct; `seen` collects the ids of the fields present. */
export function readStruct(r: Reader, fields: readonly Field[], seen?: Set<number>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) out[f.name] = defaultValue(f.desc);
  for (;;) {
    const type = r.byte();
    if (type === T.STOP) return out;
    const id = r.i16();
    seen?.add(id);
    const f = fields.find((x) => x.id === id);
    if (f) out[f.name] = readValue(r, f.desc, type);
    else r.skip(type);
  }
}

function defaultValue(d: Desc): unknown {
  switch (d.t) {
    case "string":
      return "";
    case "i32":
    case "i64":
      return 0;
    case "map":
      return d.k.t === "string" ? {} : new Map();
    case "list":
      return [];
    case "struct":
      return readStruct(new Reader(Buffer.from([T.STOP])), d.fields);
  }
}

export interface MessageHeader {
  readonly name: string;
  readonly type: number;
  readonly seqid: number;
}

/** Reads a message header, strict (versioned) or the old unversioned form. */
export function readMessageBegin(r: Reader): MessageHeader {
  const first = r.i32();
  if (first < 0) {
    if ((first & VERSION_MASK) !== VERSION_1) throw new ProtocolError(`bad protocol version 0x${(first >>> 0).toString(16)}`);
    const name = r.string();
    return { name, type: first & 0xff, seqid: r.i32() };
  }
  // Unversioned: the first word was the name's length.
  const bytes: number[] = [];
  for (let i = 0; i < first; i++) bytes.push(r.byte() & 0xff);
  const name = new TextDecoder().decode(Uint8Array.from(bytes));
  const type = r.byte();
  return { name, type, seqid: r.i32() };
}

/**
 * Finds where one message ends in a stream. Each step consumes a whole item
 * (a field header, a container header, a primitive) or nothing, so the scan
 * can stop when the bytes run out and resume when more arrive.
 */
export class MessageScanner {
  private pos = 0;
  private header = true;
  /** Open containers: for a struct `left` is unused; for a list or map it counts the values still to come. */
  private readonly stack: { kind: "struct" | "list" | "map"; types: number[]; left: number; next: number }[] = [];
  /** Values still to read before the stack's top resumes (a field's value, a map's key then value). */
  private pendingType: number | null = null;

  constructor(
    /** Largest string or container accepted, in bytes or elements. */
    private readonly maxSize: number,
  ) {}

  /** Scans `buf` (the same stream, grown) and returns the message's length once it is all there. */
  scan(buf: Buffer): number | null {
    if (this.header) {
      const end = this.headerEnd(buf);
      if (end === null) return null;
      this.pos = end;
      this.header = false;
      this.stack.push({ kind: "struct", types: [], left: 0, next: 0 });
    }
    while (this.stack.length > 0 || this.pendingType !== null) {
      if (this.pendingType !== null) {
        const t = this.pendingType;
        if (!this.value(buf, t)) return null;
        continue;
      }
      const top = this.stack[this.stack.length - 1]!;
      if (top.kind === "struct") {
        if (this.pos + 1 > buf.length) return null;
        const ft = buf.readInt8(this.pos);
        if (ft === T.STOP) {
          this.pos += 1;
          this.stack.pop();
          continue;
        }
        if (this.pos + 3 > buf.length) return null;
        this.pos += 3;
        this.pendingType = ft;
        continue;
      }
      if (top.left > 0 && this.skipFlat(buf, top)) continue;
      if (top.left === 0) {
        this.stack.pop();
        continue;
      }
      top.left -= 1;
      const t = top.types[top.next]!;
      if (top.kind === "map") top.next ^= 1;
      this.pendingType = t;
    }
    return this.pos;
  }

  /** Consumes one value of type `t` if its fixed part is there; containers are opened, not finished. */
  private value(buf: Buffer, t: number): boolean {
    const n = FIXED_SIZE[t] ?? 0;
    if (n > 0) {
      if (this.pos + n > buf.length) return false;
      this.pos += n;
      this.pendingType = null;
      return true;
    }
    switch (t) {
      case T.STRING: {
        if (this.pos + 4 > buf.length) return false;
        const len = this.size(buf.readInt32BE(this.pos));
        if (this.pos + 4 + len > buf.length) return false;
        this.pos += 4 + len;
        break;
      }
      case T.STRUCT:
        this.stack.push({ kind: "struct", types: [], left: 0, next: 0 });
        break;
      case T.MAP: {
        if (this.pos + 6 > buf.length) return false;
        const kt = buf.readInt8(this.pos);
        const vt = buf.readInt8(this.pos + 1);
        const len = this.size(buf.readInt32BE(this.pos + 2));
        this.checkType(kt, len);
        this.checkType(vt, len);
        this.pos += 6;
        this.stack.push({ kind: "map", types: [kt, vt], left: len * 2, next: 0 });
        break;
      }
      case T.SET:
      case T.LIST: {
        if (this.pos + 5 > buf.length) return false;
        const et = buf.readInt8(this.pos);
        const len = this.size(buf.readInt32BE(this.pos + 1));
        this.checkType(et, len);
        this.pos += 5;
        this.stack.push({ kind: "list", types: [et], left: len, next: 0 });
        break;
      }
      default:
        throw new ProtocolError(`unknown field type ${t}`);
    }
    this.pendingType = null;
    return true;
  }

  /**
   * Skips a run of a list's or map's elements that hold no containers
   * (strings, numbers) in one loop: a 100,000-row reply is mostly that.
   * Returns whether it moved.
   */
  private skipFlat(buf: Buffer, top: { kind: string; types: number[]; left: number; next: number }): boolean {
    const t0 = top.types[0]!;
    const t1 = top.kind === "map" ? top.types[1]! : t0;
    if (!isFlat(t0) || !isFlat(t1)) return false;
    const start = top.left;
    let pos = this.pos;
    while (top.left > 0) {
      const t = top.next === 0 ? t0 : t1;
      let size = FIXED_SIZE[t] ?? 0;
      if (size === 0) {
        if (pos + 4 > buf.length) break;
        size = 4 + this.size(buf.readInt32BE(pos));
      }
      if (pos + size > buf.length) break;
      pos += size;
      top.left -= 1;
      if (top.kind === "map") top.next ^= 1;
    }
    this.pos = pos;
    return top.left !== start;
  }

  private checkType(t: number, count: number): void {
    // An empty container may name any type (some writers leave it 0).
    if (count > 0 && !ELEMENT_TYPES.has(t)) {
      throw new ProtocolError(`unknown element type ${t}`);
    }
  }

  private size(n: number): number {
    if (n < 0) throw new ProtocolError(`negative size ${n}`);
    if (n > this.maxSize) throw new ProtocolError(`size ${n} exceeds the limit ${this.maxSize}`);
    return n;
  }

  private headerEnd(buf: Buffer): number | null {
    if (buf.length < 4) return null;
    const first = buf.readInt32BE(0);
    if (first < 0) {
      if ((first & VERSION_MASK) !== VERSION_1) throw new ProtocolError(`bad protocol version 0x${(first >>> 0).toString(16)}`);
      if (buf.length < 8) return null;
      const len = this.size(buf.readInt32BE(4));
      if (len > 4096) throw new ProtocolError(`method name of ${len} bytes`);
      const end = 8 + len + 4;
      return buf.length >= end ? end : null;
    }
    if (first > 4096) throw new ProtocolError(`method name of ${first} bytes`);
    const end = 4 + first + 1 + 4;
    return buf.length >= end ? end : null;
  }
}
