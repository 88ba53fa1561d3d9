// A query's analysis (analyse.ts), prepared for running, as JSON text and back, so the daemon can
// keep it in its database and a restarted worker need not load the SQL parser
// for a query it already knows.
//
// An analysis is a graph, not a tree: a join constraint's source is another
// reference of the same analysis (or the reference itself), and a derived
// table lists references that also appear in `refs`. The planner compares
// references by identity, so the text keeps every object once, in a node list,
// and points at it by index. Tables are code (their generators): they are
// written as their name and looked up again when read back.
import type { Analysis } from "./analyse.ts";
import type { Table } from "../table.ts";

/** One statement of a prepared query: where it is in the SQL, and its analysis. */
export interface PreparedStatement {
  readonly range: readonly [number, number];
  readonly analysis: Analysis;
}

/**
 * What running a query needs once its text has been parsed: the SQL to run
 * (with checkpoints when the query has a deadline) and each statement's
 * analysis; or, when the parser could not read it, that the query takes the
 * unconstrained fallback.
 */
export type PreparedQuery =
  | { readonly kind: "parsed"; readonly sql: string; readonly statements: readonly PreparedStatement[] }
  | { readonly kind: "fallback" };

/** A value in the node list: scalars inline, everything else by index. */
type Encoded = null | boolean | number | string | { readonly n: number } | { readonly t: string };

type Node =
  | { readonly k: "a"; readonly v: Encoded[] }
  | { readonly k: "o"; readonly v: [string, Encoded][] }
  | { readonly k: "m"; readonly v: [Encoded, Encoded][] }
  | { readonly k: "s"; readonly v: Encoded[] };

interface Document {
  readonly root: Encoded;
  readonly nodes: Node[];
}

export class AnalysisCodecError extends Error {}

function isTable(x: object): x is Table {
  return typeof (x as { generate?: unknown }).generate === "function" && Array.isArray((x as { columns?: unknown }).columns);
}

/** The prepared query as text; throws AnalysisCodecError on anything it would not read back the same (a function, a class instance). */
export function encodePrepared(prepared: PreparedQuery): string {
  const nodes: Node[] = [];
  const seen = new Map<object, number>();
  const encode = (x: unknown): Encoded => {
    if (x === null || typeof x === "boolean" || typeof x === "string") return x;
    if (typeof x === "number") {
      if (!Number.isFinite(x)) throw new AnalysisCodecError(`cannot encode the number ${x}`);
      return x;
    }
    if (typeof x !== "object") throw new AnalysisCodecError(`cannot encode a ${typeof x}`);
    if (isTable(x)) return { t: x.name };
    const known = seen.get(x);
    if (known !== undefined) return { n: known };
    const index = nodes.length;
    seen.set(x, index);
    // A placeholder first: the object's own fields may point back at it.
    nodes.push({ k: "a", v: [] });
    if (Array.isArray(x)) nodes[index] = { k: "a", v: x.map(encode) };
    else if (x instanceof Map) nodes[index] = { k: "m", v: [...x].map(([k, v]): [Encoded, Encoded] => [encode(k), encode(v)]) };
    else if (x instanceof Set) nodes[index] = { k: "s", v: [...x].map(encode) };
    else if (Object.getPrototypeOf(x) === Object.prototype) {
      const fields = Object.entries(x).filter(([, v]) => v !== undefined);
      nodes[index] = { k: "o", v: fields.map(([k, v]): [string, Encoded] => [k, encode(v)]) };
    } else throw new AnalysisCodecError("cannot encode a class instance");
    return { n: index };
  };
  const doc: Document = { root: encode(prepared), nodes };
  return JSON.stringify(doc);
}

/**
 * The prepared query `text` holds, its tables looked up by name; null when a
 * table is gone (an extension's) or the text is not an encoded query.
 */
export function decodePrepared(text: string, lookup: (name: string) => Table | undefined): PreparedQuery | null {
  let doc: Document;
  try {
    doc = JSON.parse(text) as Document;
  } catch {
    return null;
  }
  if (typeof doc !== "object" || doc === null || !Array.isArray(doc.nodes)) return null;
  // Every node's object exists before any is filled, so references in either direction resolve.
  const objects: (unknown[] | Record<string, unknown> | Map<unknown, unknown> | Set<unknown>)[] = doc.nodes.map((n) =>
    n.k === "a" ? [] : n.k === "m" ? new Map() : n.k === "s" ? new Set() : {},
  );
  let missing = false;
  const decode = (e: Encoded): unknown => {
    if (e === null || typeof e !== "object") return e;
    if ("t" in e) {
      const table = lookup(e.t);
      if (!table) missing = true;
      return table;
    }
    const o = objects[e.n];
    if (o === undefined) throw new AnalysisCodecError(`no node ${e.n}`);
    return o;
  };
  try {
    doc.nodes.forEach((n, i) => {
      const o = objects[i]!;
      if (n.k === "a") (o as unknown[]).push(...n.v.map(decode));
      else if (n.k === "m") for (const [k, v] of n.v) (o as Map<unknown, unknown>).set(decode(k), decode(v));
      else if (n.k === "s") for (const v of n.v) (o as Set<unknown>).add(decode(v));
      else for (const [k, v] of n.v) (o as Record<string, unknown>)[k] = decode(v);
    });
    const root = decode(doc.root);
    if (missing || typeof root !== "object" || root === null) return null;
    const kind = (root as { kind?: unknown }).kind;
    return kind === "parsed" || kind === "fallback" ? (root as PreparedQuery) : null;
  } catch {
    return null;
  }
}
