// Thrift client and server for osquery's two services over Unix sockets,
// binary protocol, unframed (buffered) transport (INTERFACES §9).
//
// A server serves many connections at once; each connection's calls are
// answered in order, as Thrift's threaded server does. Bytes that are not a
// message, a message larger than the limit, or a client silent past the idle
// timeout close that connection only.
import { chmodSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { verbose, errorMessage } from "../logger/glog.ts";
import {
  MessageScanner,
  MessageType,
  ProtocolError,
  Reader,
  Writer,
  readMessageBegin,
  readStruct,
  writeMessageBegin,
  writeStruct,
  type Field,
} from "./codec.ts";
import {
  APPLICATION_EXCEPTION,
  AppExceptionType,
  EXTENSION_METHODS,
  MANAGER_METHODS,
  type ExtensionRegistry,
  type ExtensionResponse,
  type ExtensionStatus,
  type InternalExtensionInfo,
  type InternalOptionInfo,
  type MethodDesc,
  type MethodName,
  type StringMap,
} from "./protocol.ts";

/** Largest message (and string or container inside it) a peer may send: 256 MiB. */
const DEFAULT_MAX_MESSAGE = 256 * 1024 * 1024;

type Awaitable<T> = T | Promise<T>;

/** What every extension serves. */
export interface ExtensionHandlers {
  ping(): Awaitable<ExtensionStatus>;
  call(registry: string, item: string, request: StringMap): Awaitable<ExtensionResponse>;
  shutdown(): Awaitable<void>;
}

/** What core's extension manager serves on top. */
export interface ManagerHandlers extends ExtensionHandlers {
  extensions(): Awaitable<Map<number, InternalExtensionInfo>>;
  options(): Awaitable<Record<string, InternalOptionInfo>>;
  registerExtension(info: InternalExtensionInfo, registry: ExtensionRegistry): Awaitable<ExtensionStatus>;
  deregisterExtension(uuid: number): Awaitable<ExtensionStatus>;
  query(sql: string): Awaitable<ExtensionResponse>;
  getQueryColumns(sql: string): Awaitable<ExtensionResponse>;
}

/** A client of either service; calling a manager method on an extension fails with UNKNOWN_METHOD. */
export interface ExtensionClient {
  ping(): Promise<ExtensionStatus>;
  call(registry: string, item: string, request: StringMap): Promise<ExtensionResponse>;
  shutdown(): Promise<void>;
  extensions(): Promise<Map<number, InternalExtensionInfo>>;
  options(): Promise<Record<string, InternalOptionInfo>>;
  registerExtension(info: InternalExtensionInfo, registry: ExtensionRegistry): Promise<ExtensionStatus>;
  deregisterExtension(uuid: number): Promise<ExtensionStatus>;
  query(sql: string): Promise<ExtensionResponse>;
  getQueryColumns(sql: string): Promise<ExtensionResponse>;
  /** Closes the socket; calls still waiting fail. */
  close(): void;
  readonly closed: boolean;
}

/** A call that did not get its answer: the socket failed or closed, it timed out, or the peer sent an exception. */
export class ThriftError extends Error {
  constructor(
    message: string,
    /** TApplicationException's type when the peer sent one. */
    readonly appType: number | null = null,
    /** The socket's errno code (ENOENT, ECONNREFUSED, ...) when connecting failed. */
    readonly errno: string | null = null,
  ) {
    super(message);
  }
}

export interface ClientOptions {
  /** Per-call send and receive timeout; 0 waits forever. osquery uses thrift_timeout (300 s), 10 s for pings. */
  readonly timeoutMs?: number;
  readonly maxMessageBytes?: number;
}

/** The bytes received on one connection, kept in one growing buffer so a message can be scanned in place. */
class InputBuffer {
  private buf = Buffer.allocUnsafe(0);
  private start = 0;
  private end = 0;

  append(chunk: Buffer): void {
    if (this.end + chunk.length > this.buf.length) {
      const live = this.end - this.start;
      const size = Math.max(4096, (live + chunk.length) * 2);
      const next = Buffer.allocUnsafe(size);
      this.buf.copy(next, 0, this.start, this.end);
      this.buf = next;
      this.start = 0;
      this.end = live;
    }
    chunk.copy(this.buf, this.end);
    this.end += chunk.length;
  }

  view(): Buffer {
    return this.buf.subarray(this.start, this.end);
  }

  consume(n: number): Buffer {
    const out = Buffer.from(this.buf.subarray(this.start, this.start + n));
    this.start += n;
    if (this.start === this.end) this.start = this.end = 0;
    return out;
  }

  get length(): number {
    return this.end - this.start;
  }
}

/** Splits a connection's stream into whole messages. */
class MessageStream {
  private readonly input = new InputBuffer();
  private scanner: MessageScanner;

  constructor(private readonly maxBytes: number) {
    this.scanner = new MessageScanner(maxBytes);
  }

  /** Adds bytes and returns the messages now complete; throws ProtocolError on bytes that are not one. */
  push(chunk: Buffer): Buffer[] {
    this.input.append(chunk);
    const out: Buffer[] = [];
    for (;;) {
      if (this.input.length === 0) return out;
      const end = this.scanner.scan(this.input.view());
      if (end === null) {
        if (this.input.length > this.maxBytes) throw new ProtocolError(`message larger than ${this.maxBytes} bytes`);
        return out;
      }
      out.push(this.input.consume(end));
      this.scanner = new MessageScanner(this.maxBytes);
    }
  }

  /** Whether a message has started but not ended. */
  get partial(): boolean {
    return this.input.length > 0;
  }
}

function encodeCall(name: string, seqid: number, args: readonly Field[], values: readonly unknown[]): Buffer {
  const w = new Writer();
  writeMessageBegin(w, name, MessageType.CALL, seqid);
  const obj: Record<string, unknown> = {};
  args.forEach((f, i) => (obj[f.name] = values[i]));
  writeStruct(w, args, obj);
  return w.bytes();
}

function resultFields(m: MethodDesc): readonly Field[] {
  return m.result ? [{ id: 0, name: "success", desc: m.result }] : [];
}

function encodeReply(name: string, seqid: number, m: MethodDesc, value: unknown): Buffer {
  const w = new Writer();
  writeMessageBegin(w, name, MessageType.REPLY, seqid);
  writeStruct(w, resultFields(m), { success: value });
  return w.bytes();
}

function encodeException(name: string, seqid: number, type: number, message: string): Buffer {
  const w = new Writer();
  writeMessageBegin(w, name, MessageType.EXCEPTION, seqid);
  writeStruct(w, APPLICATION_EXCEPTION, { message, type });
  return w.bytes();
}

interface Pending {
  readonly name: string;
  readonly seqid: number;
  readonly method: MethodDesc;
  resolve(v: unknown): void;
  reject(e: Error): void;
}

/** Connects to a manager or an extension socket. */
export function connectExtensionClient(path: string, opts: ClientOptions = {}): Promise<ExtensionClient> {
  const timeoutMs = opts.timeoutMs ?? 0;
  const maxBytes = opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE;
  return new Promise((resolveConnect, rejectConnect) => {
    const socket: Socket = createConnection({ path });
    const stream = new MessageStream(maxBytes);
    const queue: { pending: Pending; bytes: Buffer }[] = [];
    let current: Pending | null = null;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let seq = 0;
    let connected = false;
    let closed = false;

    const fail = (e: Error) => {
      if (timer) clearTimeout(timer);
      timer = null;
      const waiting = [...(current ? [current] : []), ...queue.map((q) => q.pending)];
      current = null;
      queue.length = 0;
      for (const p of waiting) p.reject(e);
    };
    const shut = (reason: string) => {
      if (closed) return;
      closed = true;
      socket.destroy();
      fail(new ThriftError(reason));
    };
    const next = () => {
      if (current || closed) return;
      const item = queue.shift();
      if (!item) return;
      current = item.pending;
      socket.write(item.bytes);
      if (timeoutMs > 0) timer = setTimeout(() => shut(`${current?.name ?? "call"} timed out after ${timeoutMs} ms`), timeoutMs);
    };
    const onMessage = (bytes: Buffer) => {
      const p = current;
      if (!p) {
        shut("reply without a call");
        return;
      }
      if (timer) clearTimeout(timer);
      timer = null;
      current = null;
      try {
        const r = new Reader(bytes);
        const h = readMessageBegin(r);
        if (h.seqid !== p.seqid || h.name !== p.name) throw new ProtocolError(`reply ${h.name}#${h.seqid} to call ${p.name}#${p.seqid}`);
        if (h.type === MessageType.EXCEPTION) {
          const ex = readStruct(r, APPLICATION_EXCEPTION);
          p.reject(new ThriftError(String(ex["message"]), Number(ex["type"])));
        } else if (h.type === MessageType.REPLY) {
          const seen = new Set<number>();
          const result = readStruct(r, resultFields(p.method), seen);
          if (p.method.result && !seen.has(0)) p.reject(new ThriftError(`${p.name} failed: unknown result`, AppExceptionType.MISSING_RESULT));
          else p.resolve(result["success"]);
        } else {
          throw new ProtocolError(`message type ${h.type} in a reply`);
        }
      } catch (e) {
        p.reject(e instanceof Error ? e : new Error(String(e)));
        if (e instanceof ProtocolError) shut(`bad reply: ${e.message}`);
      }
      next();
    };

    socket.on("connect", () => {
      connected = true;
      resolveConnect(client);
    });
    socket.on("data", (chunk: Buffer) => {
      let messages: Buffer[];
      try {
        messages = stream.push(chunk);
      } catch (e) {
        shut(`bad reply: ${errorMessage(e)}`);
        return;
      }
      for (const m of messages) onMessage(m);
    });
    socket.on("error", (e) => {
      if (!connected) {
        closed = true;
        rejectConnect(new ThriftError(`cannot connect to ${path}: ${errorMessage(e)}`, null, (e as NodeJS.ErrnoException).code ?? null));
        return;
      }
      shut(`${path}: ${errorMessage(e)}`);
    });
    socket.on("close", () => shut(`${path}: connection closed`));

    function send<R>(name: MethodName, values: unknown[]): Promise<R> {
      const method: MethodDesc = MANAGER_METHODS[name];
      if (closed) return Promise.reject(new ThriftError(`${path}: connection closed`));
      return new Promise<R>((resolve, reject) => {
        seq = (seq + 1) | 0;
        const pending: Pending = { name, seqid: seq, method, resolve: resolve as (v: unknown) => void, reject };
        queue.push({ pending, bytes: encodeCall(name, seq, method.args, values) });
        next();
      });
    }

    const client: ExtensionClient = {
      ping: () => send("ping", []),
      call: (registry, item, request) => send("call", [registry, item, request]),
      shutdown: () => send("shutdown", []),
      extensions: () => send("extensions", []),
      options: () => send("options", []),
      registerExtension: (info, registry) => send("registerExtension", [info, registry]),
      deregisterExtension: (uuid) => send("deregisterExtension", [uuid]),
      query: (sql) => send("query", [sql]),
      getQueryColumns: (sql) => send("getQueryColumns", [sql]),
      close: () => shut("closed by the client"),
      get closed() {
        return closed;
      },
    };
  });
}

export interface ServeOptions {
  /** Closes a connection silent this long, even mid-message; 0 never does. */
  readonly idleTimeoutMs?: number;
  readonly maxMessageBytes?: number;
  /** The socket file's mode; 0600 unless given. */
  readonly mode?: number;
}

export interface ThriftServer {
  readonly path: string;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
  /** Connections open now. */
  connections(): number;
}

function isManager(h: ExtensionHandlers | ManagerHandlers): h is ManagerHandlers {
  return "registerExtension" in h;
}

/** Serves the Extension service, or ExtensionManager when the handlers have its methods, on a Unix socket. */
export function serveThrift(path: string, handlers: ExtensionHandlers | ManagerHandlers, opts: ServeOptions = {}): Promise<ThriftServer> {
  const methods: Record<string, MethodDesc> = isManager(handlers) ? MANAGER_METHODS : EXTENSION_METHODS;
  const maxBytes = opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE;
  const sockets = new Set<Socket>();
  const dispatch = handlers as unknown as Record<string, (...args: unknown[]) => unknown>;

  const answer = async (bytes: Buffer): Promise<Buffer | null> => {
    const r = new Reader(bytes);
    const h = readMessageBegin(r);
    if (h.type !== MessageType.CALL && h.type !== MessageType.ONEWAY) throw new ProtocolError(`message type ${h.type} in a call`);
    const m = Object.hasOwn(methods, h.name) ? methods[h.name] : undefined;
    if (!m) return encodeException(h.name, h.seqid, AppExceptionType.UNKNOWN_METHOD, `Invalid method name: '${h.name}'`);
    const args = readStruct(r, m.args);
    let value: unknown;
    try {
      value = await dispatch[h.name]!.apply(handlers, m.args.map((f) => args[f.name]));
    } catch (e) {
      verbose("thrift.ts", `${h.name} failed on ${path}: ${errorMessage(e)}`);
      return encodeException(h.name, h.seqid, AppExceptionType.INTERNAL_ERROR, `Internal error processing ${h.name}`);
    }
    return h.type === MessageType.ONEWAY ? null : encodeReply(h.name, h.seqid, m, value);
  };

  const onConnection = (socket: Socket) => {
    sockets.add(socket);
    const stream = new MessageStream(maxBytes);
    const inbox: Buffer[] = [];
    let busy = false;
    const drop = (why: string) => {
      verbose("thrift.ts", `closing a connection to ${path}: ${why}`);
      socket.destroy();
    };
    const work = async () => {
      if (busy) return;
      busy = true;
      while (inbox.length > 0 && !socket.destroyed) {
        const bytes = inbox.shift()!;
        try {
          const reply = await answer(bytes);
          if (reply && !socket.destroyed) socket.write(reply);
        } catch (e) {
          drop(errorMessage(e));
        }
      }
      busy = false;
    };
    if (opts.idleTimeoutMs) {
      socket.setTimeout(opts.idleTimeoutMs, () => drop(`silent for ${opts.idleTimeoutMs} ms`));
    }
    socket.on("data", (chunk: Buffer) => {
      try {
        inbox.push(...stream.push(chunk));
      } catch (e) {
        drop(errorMessage(e));
        return;
      }
      void work();
    });
    socket.on("error", (e) => verbose("thrift.ts", `connection to ${path}: ${errorMessage(e)}`));
    socket.on("close", () => sockets.delete(socket));
  };

  // The socket is bound in a private directory beside `path`, given its mode,
  // and renamed into place once it listens: a client never finds it refusing
  // connections or with the umask's mode. Unix socket paths hold 107 bytes, so
  // a path too long for the detour is bound in place.
  let staging: string | null = null;
  try {
    staging = mkdtempSync(join(dirname(path), ".osq-em-"));
  } catch (e) {
    verbose("thrift.ts", `binding ${path} in place: ${errorMessage(e)}`);
  }
  if (staging !== null && Buffer.byteLength(join(staging, "s")) > 100) {
    rmSync(staging, { recursive: true, force: true });
    staging = null;
  }
  const bindPath = staging === null ? path : join(staging, "s");
  const cleanStaging = () => {
    if (staging !== null) rmSync(staging, { recursive: true, force: true });
  };
  return new Promise((resolve, reject) => {
    const server: Server = createServer(onConnection);
    server.once("error", (e) => {
      cleanStaging();
      reject(new ThriftError(`cannot listen on ${path}: ${errorMessage(e)}`));
    });
    server.listen(bindPath, () => {
      try {
        chmodSync(bindPath, opts.mode ?? 0o600);
        if (bindPath !== path) renameSync(bindPath, path);
      } catch (e) {
        server.close();
        cleanStaging();
        reject(new ThriftError(`cannot put the socket at ${path}: ${errorMessage(e)}`));
        return;
      }
      cleanStaging();
      resolve({
        path,
        connections: () => sockets.size,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => {
              // Renamed into place, the socket is not where the server bound it: removed here.
              if (bindPath !== path) rmSync(path, { force: true });
              done();
            });
          }),
      });
    });
  });
}
