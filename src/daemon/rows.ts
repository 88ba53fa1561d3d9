// Typed result rows as the daemon diffs, stores and logs them (INTERFACES §5, §6).
//
// A row is osquery's RowTyped: column → integer | real | text, held sorted by
// column name (osquery keeps rows in a std::map, which is why logged rows have
// sorted keys). SQL NULL becomes "" as in osquery. Each row also has a
// canonical text form, used as the multiset key when diffing and as the stored
// form in the `queries` domain; integers keep all 64 bits there.
import type { SqlValue } from "../sql/materialise.ts";
import type { ResultColumn } from "../sql/engine.ts";
import { formatReal, integerText } from "../shell/values.ts";
import { compareBytes } from "../linux/glob.ts";

export type RowValue = bigint | number | string;
/** Column/value pairs sorted by column name (byte order). */
export type TypedRow = readonly (readonly [string, RowValue])[];

/** Builds typed rows from a query result; a repeated column name keeps the last value, as std::map assignment does. */
export function typedRows(columns: readonly ResultColumn[], rows: readonly SqlValue[][]): TypedRow[] {
  const names = columns.map((c) => c.name);
  // The sort order of the columns is the same for every row: compute it once.
  const order = [...new Set(names)].sort(compareBytes);
  const lastIndex = new Map<string, number>();
  names.forEach((n, i) => lastIndex.set(n, i));
  const idx = order.map((n) => lastIndex.get(n)!);
  return rows.map((r) => order.map((name, j) => [name, toRowValue(r[idx[j]!] ?? null)] as const));
}

function toRowValue(v: SqlValue): RowValue {
  return v === null ? "" : v;
}

/**
 * osquery's escapeNonPrintableBytesEx for scheduled results: control bytes
 * (below 0x20) become the literal text `\xHH`. Invalid UTF-8 cannot reach us
 * as such (text is decoded before it gets here); a lone UTF-16 surrogate, which
 * is what undecodable input turns into, is escaped as the bytes UTF-8 encoding
 * writes for it.
 */
export function escapeText(s: string): string {
  // Fast path: nearly every value is printable.
  if (!/[\x00-\x1f\ud800-\udfff]/.test(s)) return s;
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20) {
      out += `\\x${c.toString(16).toUpperCase().padStart(2, "0")}`;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const next = s.charCodeAt(i + 1);
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        out += s[i]! + s[i + 1]!; // a valid pair: a real character
        i++;
      } else {
        out += "\\xEF\\xBF\\xBD";
      }
    } else {
      out += s[i]!;
    }
  }
  return out;
}

export function escapeRow(row: TypedRow): TypedRow {
  return row.map(([k, v]) => (typeof v === "string" ? ([k, escapeText(v)] as const) : ([k, v] as const)));
}

// ---- canonical form: the multiset key and the stored representation ----

/** `[["col","s<text>"],["n","i123"],["x","d2.5"]]`: type-tagged, exact, JSON-safe. */
export function canonical(row: TypedRow): string {
  return JSON.stringify(row.map(([k, v]) => [k, typeof v === "bigint" ? `i${v}` : typeof v === "number" ? `d${v}` : `s${v}`]));
}

export function fromCanonical(text: string): TypedRow {
  const pairs = JSON.parse(text) as [string, string][];
  return pairs.map(([k, t]) => {
    const body = t.slice(1);
    const v: RowValue = t[0] === "i" ? BigInt(body) : t[0] === "d" ? Number(body) : body;
    return [k, v] as const;
  });
}

// ---- ordering of a std::multiset<RowTyped> (the order removed rows are logged in) ----

/** boost::variant<long long, double, std::string>: by alternative first, then value. */
function rank(v: RowValue): number {
  return typeof v === "bigint" ? 0 : typeof v === "number" ? 1 : 2;
}

function compareValues(a: RowValue, b: RowValue): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (ra === 2) return compareUtf8(a as string, b as string);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** std::string comparison: unsigned bytes of the UTF-8 text. */
function compareUtf8(a: string, b: string): number {
  // UTF-16 order equals UTF-8 byte order unless surrogates are involved.
  if (!/[\ud800-\udfff]/.test(a + b)) return compareBytes(a, b);
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/** std::map's lexicographical comparison of (key, value) pairs. */
export function compareRows(a: TypedRow, b: TypedRow): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const [ka, va] = a[i]!;
    const [kb, vb] = b[i]!;
    const k = compareUtf8(ka, kb);
    if (k !== 0) return k;
    const v = compareValues(va, vb);
    if (v !== 0) return v;
  }
  return a.length - b.length;
}

/** osquery's output_size accounting: the length of every column name and value text. */
export function resultSize(columns: readonly ResultColumn[], rows: readonly SqlValue[][]): number {
  let n = 0;
  for (const r of rows) {
    for (let i = 0; i < columns.length; i++) {
      const v = r[i] ?? null;
      n += columns[i]!.name.length + (v === null ? 0 : valueText(v).length);
    }
  }
  return n;
}

/** A value as osquery's castVariant renders it: integers in decimal, reals with a `.`. */
export function valueText(v: RowValue): string {
  return typeof v === "number" ? formatReal(v) : typeof v === "bigint" ? integerText(v) : v;
}

// ---- JSON text as rapidjson writes it ----

/** A JSON string literal; control characters use rapidjson's upper-case `\u00XX`. */
export function jsonString(s: string): string {
  const j = JSON.stringify(s);
  if (!/[\x00-\x1f\ud800-\udfff]/.test(s)) return j;
  // Upper-case the hex of \u escapes that JSON.stringify wrote (an escaped
  // backslash is `\\`, so a `\u` after an odd run of backslashes is an escape).
  return j.replace(/(\\+)u([0-9a-f]{4})/g, (m, slashes: string, hex: string) =>
    slashes.length % 2 === 1 ? `${slashes}u${hex.toUpperCase()}` : m,
  );
}

/** A real the way rapidjson's Writer prints a double: shortest form, always with a `.0` or an exponent. */
export function jsonReal(x: number): string {
  if (!Number.isFinite(x)) return "null";
  if (Number.isInteger(x) && Math.abs(x) < 1e21) return `${x}.0`;
  return String(x).replace("e+", "e");
}

export function valueJson(v: RowValue, numerics: boolean): string {
  if (typeof v === "string") return jsonString(v);
  if (!numerics) return `"${valueText(v)}"`;
  return typeof v === "bigint" ? v.toString() : jsonReal(v);
}

/** One row as a JSON object with its keys in sorted order. */
export function rowJson(row: TypedRow, numerics: boolean): string {
  let out = "{";
  for (let i = 0; i < row.length; i++) {
    const [k, v] = row[i]!;
    if (i > 0) out += ",";
    out += `${jsonString(k)}:${valueJson(v, numerics)}`;
  }
  return out + "}";
}
