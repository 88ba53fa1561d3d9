// One audit record as kauditd sends it, "audit(<sec>.<ms>:<serial>): k=v ...",
// tokenised as osquery tokenises it: space-separated key=value pairs where a
// value that opens with a double quote runs to the closing one (the quotes are
// kept, and DecodeAuditPathValues strips them later). The first occurrence of a
// key wins. Single quotes (user messages' msg='...') are not enclosures.

// Record types (linux/audit.h) the publisher and the tables tell apart.
export const AUDIT_SYSCALL = 1300;
export const AUDIT_PATH = 1302;
export const AUDIT_IPC = 1303;
export const AUDIT_SOCKETCALL = 1304;
export const AUDIT_CONFIG_CHANGE = 1305;
export const AUDIT_SOCKADDR = 1306;
export const AUDIT_CWD = 1307;
export const AUDIT_EXECVE = 1309;
export const AUDIT_EOE = 1320;
export const AUDIT_OBJ_PID = 1318;
export const AUDIT_PROCTITLE = 1327;
export const AUDIT_SECCOMP = 1326;
export const AUDIT_AVC = 1400;
export const AUDIT_USER_AVC = 1107;
export const AUDIT_FIRST_USER_MSG = 1100;
export const AUDIT_LAST_USER_MSG = 1199;

// SELinux's record types and the labels selinux_events shows for them.
export const SELINUX_LABELS: ReadonlyMap<number, string> = new Map([
  [1107, "USER_AVC"], [1400, "AVC"], [1401, "SELINUX_ERR"], [1402, "AVC_PATH"], [1403, "MAC_POLICY_LOAD"],
  [1404, "MAC_STATUS"], [1405, "MAC_CONFIG_CHANGE"], [1406, "MAC_UNLBL_ALLOW"], [1407, "MAC_CIPSOV4_ADD"],
  [1408, "MAC_CIPSOV4_DEL"], [1409, "MAC_MAP_ADD"], [1410, "MAC_MAP_DEL"], [1411, "MAC_IPSEC_ADDSA"],
  [1412, "MAC_IPSEC_DELSA"], [1413, "MAC_IPSEC_ADDSPD"], [1414, "MAC_IPSEC_DELSPD"], [1415, "MAC_IPSEC_EVENT"],
  [1416, "MAC_UNLBL_STCADD"], [1417, "MAC_UNLBL_STCDEL"],
]);

export interface AuditRecord {
  readonly type: number;
  /** Seconds of the event (the first ten digits of the id). */
  readonly time: number;
  /** "<sec>.<ms>:<serial>": records of one event share it. */
  readonly auditId: string;
  readonly fields: ReadonlyMap<string, string>;
  /** The whole text, kept for SELinux and AppArmor records (their tables show it). */
  readonly raw: string;
}

const APPARMOR_MARKER = "apparmor=";

export function isSELinuxRecord(type: number, text: string): boolean {
  return SELINUX_LABELS.has(type) && !text.includes(APPARMOR_MARKER);
}

export function isAppArmorRecord(type: number, text: string): boolean {
  return type === AUDIT_AVC && text.includes(APPARMOR_MARKER);
}

/**
 * Space-separated key=value pairs, double-quoted values kept whole with their
 * quotes. A word without "=" is a key with an empty value; inside a value a
 * double quote opens an enclosure that ends at the next one.
 */
export function tokenize(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  const set = (k: string, v: string) => {
    if (k !== "" && !fields.has(k)) fields.set(k, v);
  };
  const n = text.length;
  let i = 0;
  while (i < n) {
    if (text.charCodeAt(i) === 32) {
      i++;
      continue;
    }
    let eq = text.indexOf("=", i);
    let sp = text.indexOf(" ", i);
    if (sp < 0) sp = n;
    if (eq < 0) eq = n;
    if (sp < eq) {
      set(text.slice(i, sp), "");
      i = sp + 1;
      continue;
    }
    const key = text.slice(i, eq);
    const from = eq + 1;
    let end = text.indexOf(" ", from);
    if (end < 0) end = n;
    const quote = text.indexOf('"', from);
    if (quote >= 0 && quote < end) {
      const close = text.indexOf('"', quote + 1);
      const stop = close < 0 ? n : close + 1;
      set(key, text.slice(from, stop));
      i = stop;
      continue;
    }
    set(key, text.slice(from, end));
    i = end + 1;
  }
  return fields;
}

/**
 * Parses one record's text; null when it has no "audit(...): " preamble.
 * SELinux records are not key=value text, so only their raw text is kept.
 */
export function parseRecord(type: number, body: string): AuditRecord | null {
  const text = body.replace(/\0+$/, "").replace(/\n$/, "");
  if (!text.startsWith("audit(")) return null;
  const end = text.indexOf("): ");
  // A record without fields (EOE) may end right at "):".
  const close = end >= 0 ? end : text.endsWith("):") ? text.length - 2 : -1;
  if (close < 0) return null;
  const auditId = text.slice(6, close);
  const time = Number.parseInt(text.slice(6, 16), 10);
  if (isSELinuxRecord(type, text)) return { type, time: Number.isNaN(time) ? 0 : time, auditId, fields: new Map(), raw: text };
  const fields = end >= 0 ? tokenize(text.slice(end + 3)) : new Map<string, string>();
  return { type, time: Number.isNaN(time) ? 0 : time, auditId, fields, raw: isAppArmorRecord(type, text) ? text : "" };
}

/**
 * A path or argument value: quoted text loses its quotes; unquoted text is
 * the kernel's hex encoding (used when the value has spaces, quotes or
 * control bytes) and is decoded; text that is not valid hex stays as it is.
 */
export function decodeAuditValue(s: string): string {
  return decodeAuditBytes(s).toString("utf8");
}

/** decodeAuditValue's bytes, for values that are joined before they are read as text. */
function decodeAuditBytes(s: string): Buffer {
  if (s.length > 1 && s[0] === '"') return Buffer.from(s.slice(1, -1), "utf8");
  if (s.length % 2 !== 0 || !/^[0-9A-Fa-f]*$/.test(s)) return Buffer.from(s, "utf8");
  return Buffer.from(s, "hex");
}

/** A field as an unsigned integer in `base`, or undefined when missing or malformed. */
export function intField(fields: ReadonlyMap<string, string>, name: string, base = 10): bigint | undefined {
  const v = fields.get(name);
  if (v === undefined || v === "") return undefined;
  const digits = base === 16 ? v.replace(/^0x/i, "") : v;
  const ok = base === 16 ? /^[0-9a-fA-F]+$/.test(digits) : /^-?[0-9]+$/.test(digits);
  if (!ok) return undefined;
  const n = base === 16 ? BigInt(`0x${digits}`) : BigInt(digits);
  // strtoull wraps negatives (exit=-115) to 2^64 - 115, and callers cast back.
  return n < 0n ? (1n << 64n) + n : n;
}

/**
 * The command line of an EXECVE record set: a0..a<argc-1> in order, each
 * decoded; arguments the kernel split into a<N>[0], a<N>[1], ... (long ones,
 * each chunk quoted or hex on its own) are decoded and joined back, and records a long command line spread over several
 * EXECVE records are read together.
 */
export function execveArguments(records: readonly AuditRecord[]): string[] {
  const parts = new Map<number, string>();
  // Chunks stay bytes until joined: the kernel cuts a long argument anywhere, even inside a UTF-8 character.
  const chunks = new Map<number, Map<number, Buffer>>();
  let argc = -1;
  for (const r of records) {
    for (const [k, v] of r.fields) {
      if (k === "argc") {
        if (argc < 0) argc = Number(v);
        continue;
      }
      const whole = /^a(\d+)$/.exec(k);
      if (whole) {
        parts.set(Number(whole[1]), decodeAuditValue(v));
        continue;
      }
      const chunk = /^a(\d+)\[(\d+)\]$/.exec(k);
      if (chunk) {
        const n = Number(chunk[1]);
        const list = chunks.get(n) ?? new Map<number, Buffer>();
        list.set(Number(chunk[2]), decodeAuditBytes(v));
        chunks.set(n, list);
      }
    }
  }
  for (const [n, list] of chunks) {
    parts.set(n, Buffer.concat([...list.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v)).toString("utf8"));
  }
  const count = argc >= 0 ? argc : parts.size === 0 ? 0 : Math.max(...parts.keys()) + 1;
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const p = parts.get(i);
    if (p !== undefined) out.push(p);
  }
  return out;
}
