// A config source's text → a JSON object, with osquery's pre-processing and
// limits (INTERFACES §4): a backslash at the end of a line joins it to the next;
// whole lines starting with `#` or `//` (after trimming) are dropped; the
// cleaned text may be at most 4 MiB, must be a JSON object and at most 32
// levels deep.
//
// The valibot schemas here are the shapes osquery's config parsers accept;
// config.ts, packs.ts and decorators.ts read every value through them.
import * as v from "valibot";

export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;
export const MAX_CONFIG_DEPTH = 32;

export type JsonObject = { [key: string]: unknown };

export function stripConfigComments(text: string): string {
  let out = "";
  for (const raw of text.replaceAll("\\\n", "").split("\n")) {
    const line = raw.trim();
    if (line.startsWith("#") || line.startsWith("//")) continue;
    out += line + "\n";
  }
  return out;
}

export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * A JSON object, not an array (rapidjson's IsObject). The value passes
 * through as it is: v.record would drop keys such as "constructor", which
 * osquery keeps (a view or a pack may be named so).
 */
export const JsonObjectSchema = v.custom<JsonObject>(isJsonObject, "expected a JSON object");

/** An object or an array: the values osquery's parsers take for a top-level key. */
export const ContainerSchema = v.union([JsonObjectSchema, v.array(v.unknown())]);

/** A list as osquery's parsers read one: its string items, others skipped without a word. */
export const StringItemsSchema = v.pipe(
  v.array(v.unknown()),
  v.transform((items) => items.filter((x): x is string => typeof x === "string")),
);

/** What `schema` makes of `value`, or `otherwise` when the value has another shape. */
export function readAs<S extends v.GenericSchema, F>(schema: S, value: unknown, otherwise: F): v.InferOutput<S> | F {
  const r = v.safeParse(schema, value);
  return r.success ? r.output : otherwise;
}

/** The deepest nesting level of a parsed document (the root is level 0, its members level 1). */
function depthOf(root: unknown): number {
  let deepest = 0;
  let level: unknown[] = [root];
  for (let depth = 0; level.length > 0; depth++) {
    deepest = depth;
    const next: unknown[] = [];
    for (const node of level) {
      if (Array.isArray(node)) for (const item of node) next.push(item);
      else if (isJsonObject(node)) for (const item of Object.values(node)) next.push(item);
    }
    level = next;
  }
  return deepest;
}

export type ParsedText = { ok: true; doc: JsonObject } | { ok: false; error: string };

/** Cleans and parses one source; errors carry osquery's wording. */
export function parseConfigText(text: string): ParsedText {
  const clean = stripConfigComments(text);
  if (Buffer.byteLength(clean, "utf8") > MAX_CONFIG_BYTES) {
    return { ok: false, error: `Error parsing the config JSON: the config size exceeds the limit of ${MAX_CONFIG_BYTES} bytes` };
  }
  let doc: unknown;
  try {
    doc = JSON.parse(clean);
  } catch (e) {
    return { ok: false, error: `Error parsing the config JSON: ${(e as Error).message}` };
  }
  if (!isJsonObject(doc)) {
    return { ok: false, error: "Error parsing the config JSON: The root of the config JSON document has to be an Object" };
  }
  if (depthOf(doc) >= MAX_CONFIG_DEPTH) {
    return { ok: false, error: "Error validating the config JSON: Configuration has too many nesting levels!" };
  }
  return { ok: true, doc };
}

/**
 * An object's members in rapidjson's order. osquery sets a member by
 * removing it and appending the new value, and rapidjson's removal moves the
 * last member into the freed slot, so replacing a key reorders the object.
 */
export class RapidjsonMembers<T> {
  private readonly members: [string, T][] = [];

  set(key: string, value: T): this {
    const i = this.members.findIndex(([k]) => k === key);
    if (i >= 0) {
      const last = this.members.pop()!;
      if (i < this.members.length) this.members[i] = last;
    }
    this.members.push([key, value]);
    return this;
  }

  entries(): readonly (readonly [string, T])[] {
    return this.members;
  }
}
