// osquery reads several application JSON files with Boost's property tree,
// whose view of JSON differs from JSON.parse in ways that show in the tables:
// every scalar is text ("true", "1.5", "null"), an object or array has the
// empty string as its value, keys may be looked up case-insensitively (iptree)
// and re-serialised JSON has only string leaves and a trailing newline.
// These helpers reproduce that view on top of JSON.parse.

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export function isObject(v: Json | undefined): v is { [key: string]: Json } {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** JSON.parse that returns undefined instead of throwing. */
export function parseJson(text: string): Json | undefined {
  try {
    return JSON.parse(text) as Json;
  } catch {
    // Callers act on undefined themselves (each knows what the text was and logs it).
    return undefined;
  }
}

/** The text a property tree holds for a node: scalars as text, containers as "". */
export function scalarText(v: Json | undefined): string {
  if (v === undefined) return "";
  if (v === null) return "null";
  if (typeof v === "object") return "";
  return String(v);
}

/** A child by key, case-insensitive as in osquery's iptree (exact match wins). */
export function childCI(node: Json | undefined, key: string): Json | undefined {
  if (!isObject(node)) return undefined;
  if (Object.hasOwn(node, key)) return node[key];
  const lower = key.toLowerCase();
  for (const k of Object.keys(node)) if (k.toLowerCase() === lower) return node[k];
  return undefined;
}

/** A dotted path ("background.persistent"), case-insensitive at every step. */
export function pathCI(node: Json | undefined, path: string): Json | undefined {
  let cur: Json | undefined = node;
  for (const part of path.split(".")) {
    cur = childCI(cur, part);
    if (cur === undefined) return undefined;
  }
  return cur;
}

/** The children of a node in order (array items or object values); none for a leaf. */
export function children(node: Json | undefined): Json[] {
  if (Array.isArray(node)) return node;
  if (isObject(node)) return Object.values(node);
  return [];
}

// Boost escapes control characters, the quote, the backslash and the slash;
// every other byte (UTF-8 included) is written as is.
function quote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "/") out += "\\/";
    else if (ch === "\b") out += "\\b";
    else if (ch === "\f") out += "\\f";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (c < 0x20) out += "\\u" + c.toString(16).toUpperCase().padStart(4, "0");
    else out += ch;
  }
  return out + '"';
}

function write(v: Json): string {
  if (Array.isArray(v)) return v.length === 0 ? '""' : "[" + v.map(write).join(",") + "]";
  if (isObject(v)) {
    const keys = Object.keys(v);
    if (keys.length === 0) return '""';
    return "{" + keys.map((k) => quote(k) + ":" + write(v[k]!)).join(",") + "}";
  }
  return quote(scalarText(v));
}

/** Boost's compact write_json: string leaves, "" for empty containers, a newline at the end. */
export function ptreeJson(v: Json): string {
  return write(v) + "\n";
}
