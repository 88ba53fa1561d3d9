// Config decorators (INTERFACES §4): queries whose first row's columns are added
// to every result line. `load` queries run when their source is (re)loaded,
// `always` queries before every scheduled query, `interval` queries on ticks
// that are a multiple of their interval (itself a multiple of 60). Each
// source keeps its own decorations; sources later in lexical order win a
// clash, as osquery merges them into one sorted map.
import * as v from "valibot";
import { compareBytes } from "../linux/glob.ts";
import { JsonObjectSchema, StringItemsSchema, readAs } from "./config-text.ts";
import { valueToSize } from "./packs.ts";

export interface DecoratorSpec {
  readonly load: readonly string[];
  readonly always: readonly string[];
  readonly interval: ReadonlyMap<number, readonly string[]>;
}

export const EMPTY_DECORATORS: DecoratorSpec = { load: [], always: [], interval: new Map() };

function strings(value: unknown): string[] {
  return readAs(StringItemsSchema, value, []);
}

/** An `interval` rate's queries: an array, or osquery warns and skips the rate. */
const RateQueriesSchema = v.array(v.unknown());

/**
 * Reads a `decorators` value as osquery's decorators parser does: `load` and
 * `always` keep their string items (anything else is ignored quietly); an
 * `interval` key is read as a size (strtoul, so "120s" is 120) and must be a
 * multiple of 60 holding an array. A rate of 0, which osquery would accept
 * and then divide by, is refused too.
 */
export function parseDecorators(value: unknown, source: string, warn: (m: string) => void): DecoratorSpec {
  if (!v.is(JsonObjectSchema, value)) {
    if (v.is(v.array(v.unknown()), value)) warn("Invalid format for decorators configuration, decorators value must be a JSON object");
    return EMPTY_DECORATORS;
  }
  const interval = new Map<number, string[]>();
  if (value.interval !== undefined && !v.is(JsonObjectSchema, value.interval)) {
    warn(`Invalid decorator interval configuration in config source: ${source}`);
  } else if (v.is(JsonObjectSchema, value.interval)) {
    for (const [key, queries] of Object.entries(value.interval)) {
      // The key is read by osquery's strtoul-like valueToSize ("120s" is 120): a conversion, not a shape.
      const rate = valueToSize(key);
      if (rate === 0 || rate % 60 !== 0) {
        warn(`Invalid decorator interval rate ${rate} in config source: ${source}`);
        continue;
      }
      if (!v.is(RateQueriesSchema, queries)) {
        warn(`Invalid decorator interval rate ${rate} configuration in config source: ${source}`);
        continue;
      }
      interval.set(rate, [...(interval.get(rate) ?? []), ...strings(queries)]);
    }
  }
  return { load: strings(value.load), always: strings(value.always), interval };
}

/** Runs a decorator query and returns its first row as text values, or null. */
export type DecoratorRunner = (sql: string) => Promise<Record<string, string> | null>;

export class Decorators {
  private specs = new Map<string, DecoratorSpec>();
  private values = new Map<string, Map<string, string>>();

  constructor(private readonly run: DecoratorRunner) {}

  /** Replaces a source's decorators and runs its `load` queries. */
  async update(source: string, spec: DecoratorSpec): Promise<void> {
    this.specs.set(source, spec);
    this.values.set(source, new Map());
    await this.runQueries(source, spec.load);
  }

  remove(source: string): void {
    this.specs.delete(source);
    this.values.delete(source);
  }

  async runAlways(): Promise<void> {
    for (const [source, spec] of this.specs) await this.runQueries(source, spec.always);
  }

  async runInterval(tick: number): Promise<void> {
    for (const [source, spec] of this.specs) {
      for (const [rate, queries] of spec.interval) if (tick % rate === 0) await this.runQueries(source, queries);
    }
  }

  /** The decorations to add to a line: column → value, sorted by column. */
  current(): Map<string, string> {
    const merged = new Map<string, string>();
    for (const source of [...this.values.keys()].sort(compareBytes)) {
      for (const [k, val] of this.values.get(source)!) merged.set(k, val);
    }
    return new Map([...merged].sort((a, b) => compareBytes(a[0], b[0])));
  }

  private async runQueries(source: string, queries: readonly string[]): Promise<void> {
    const target = this.values.get(source);
    if (!target) return;
    for (const sql of queries) {
      const row = await this.run(sql);
      if (row) for (const [k, val] of Object.entries(row)) target.set(k, val);
    }
  }
}
