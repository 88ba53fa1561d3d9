// The live flag values and gflags-compatible parsing (INTERFACES §2).
// Values are kept as text, as gflags and the osquery_flags table show them;
// typed getters convert on read. Validation of a value against its type is
// done with valibot so the CLI, flagfiles and config options share one check.
import * as v from "valibot";
import { readFileSync, realpathSync } from "node:fs";
import { resolve } from "node:path";
import { errorMessage, verbose } from "../logger/glog.ts";
import { FLAG_ALIASES, FLAGS, NO_EFFECT, flagSpec, type FlagSpec, type FlagType } from "./registry.ts";

const BOOL_TRUE = new Set(["true", "t", "yes", "y", "1"]);
const BOOL_FALSE = new Set(["false", "f", "no", "n", "0"]);

const VALUE_SCHEMAS: Record<FlagType, v.GenericSchema<string, string>> = {
  bool: v.pipe(
    v.string(),
    v.check((s) => BOOL_TRUE.has(s.toLowerCase()) || BOOL_FALSE.has(s.toLowerCase())),
    v.transform((s) => (BOOL_TRUE.has(s.toLowerCase()) ? "true" : "false")),
  ),
  int32: v.pipe(
    v.string(),
    v.regex(/^\s*[-+]?\d+\s*$/),
    v.check((s) => Math.abs(Number(s)) <= 2 ** 31),
    v.transform((s) => String(Number(s))),
  ),
  uint32: v.pipe(
    v.string(),
    v.regex(/^\s*\+?\d+\s*$/),
    v.check((s) => BigInt(s.trim()) <= 0xffffffffn),
    v.transform((s) => BigInt(s.trim()).toString()),
  ),
  uint64: v.pipe(v.string(), v.regex(/^\s*\+?\d+\s*$/), v.transform((s) => BigInt(s.trim()).toString())),
  string: v.string(),
};

/** Normalises `value` for flag `spec`, or returns the gflags-style error text. */
export function checkFlagValue(spec: FlagSpec, value: string): { ok: true; value: string } | { ok: false; error: string } {
  const r = v.safeParse(VALUE_SCHEMAS[spec.type], value);
  if (r.success) return { ok: true, value: r.output };
  return { ok: false, error: `illegal value '${value}' specified for ${spec.type} flag '${spec.name}'` };
}

export type FlagSource = "default" | "cli" | "config" | "shell";

export class Flags {
  private readonly values = new Map<string, string>();
  private readonly sources = new Map<string, FlagSource>();

  constructor() {
    for (const f of FLAGS) this.values.set(f.name, f.defaultValue);
  }

  has(name: string): boolean {
    return this.values.has(FLAG_ALIASES.get(name) ?? name);
  }

  /** A flag's value; an alias reads the flag it stands for, as gflags shares their storage. */
  get(name: string): string {
    const value = this.values.get(FLAG_ALIASES.get(name) ?? name);
    if (value === undefined) throw new Error(`unknown flag ${name}`);
    return value;
  }

  bool(name: string): boolean {
    return this.get(name) === "true";
  }

  num(name: string): number {
    return Number(this.get(name));
  }

  /** Whether the flag was set explicitly (CLI, flagfile, config or shell command). */
  isSet(name: string): boolean {
    return this.source(name) !== "default";
  }

  source(name: string): FlagSource {
    return this.sources.get(FLAG_ALIASES.get(name) ?? name) ?? "default";
  }

  /** Sets a known flag (or, through an alias, the flag it stands for) after validating its value; returns an error text on failure. */
  set(name: string, value: string, source: FlagSource): string | null {
    const spec = flagSpec(name);
    if (!spec) return `unknown command line flag '${name}'`;
    const r = checkFlagValue(spec, value);
    if (!r.ok) return r.error;
    this.values.set(spec.name, r.value);
    this.sources.set(spec.name, source);
    return null;
  }

  /** Changes a default before parsing (e.g. the shell's disable_events=true). */
  setDefault(name: string, value: string): void {
    if (!this.isSet(name)) this.values.set(name, value);
  }

  /** Forces a value regardless of CLI and config (the shell's disable_logging). */
  force(name: string, value: string): void {
    this.values.set(name, value);
  }

  /** Sets a custom_* option from config: unknown to the registry, kept as a string. */
  setCustom(name: string, value: string): void {
    this.values.set(name, value);
    this.sources.set(name, "config");
  }

  entries(): [string, string][] {
    return [...this.values.entries()];
  }
}

/**
 * One line per flag among `names` that was set (to anything but its default)
 * although its feature does not exist in osq, for the caller's verbose log.
 */
export function noEffectNotes(names: Iterable<string> = NO_EFFECT.keys(), target: Flags = flags): string[] {
  const out: string[] = [];
  for (const name of names) {
    const spec = flagSpec(name);
    const why = spec && NO_EFFECT.get(spec.name);
    if (!spec || !why || !target.isSet(spec.name) || target.get(spec.name) === spec.defaultValue) continue;
    out.push(`Flag --${name} is accepted but does nothing here: ${why}`);
  }
  return out;
}

export const flags = new Flags();

export const DEFAULT_FLAGFILE = "/etc/osquery/osquery.flags.default";

export interface ParsedCommandLine {
  readonly positional: string[];
}

/** Reads a flagfile: one switch per line, `#` comments, no quoting or expansion. */
export function readFlagfile(path: string): string[] | null {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    // The caller's error names the file; the reason (missing, permissions) is detail.
    verbose("flags.ts", `Cannot read the flagfile ${path}: ${errorMessage(e)}`);
    return null;
  }
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith("#"));
}

/**
 * Flagfiles one command line may read, counting repeats. Includes without a
 * cycle can still multiply (each file naming the next one twice), and no
 * real deployment comes near this.
 */
export const MAX_FLAGFILE_READS = 1000;

/** A flagfile's identity for cycle checks: its real path, so a symlink to an including file is the same file. */
function flagfileIdentity(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    // A file that does not resolve cannot be read either; readFlagfile reports that.
    return resolve(path);
  }
}

/**
 * Parses argv (without the program name) the way gflags does: `--x=v`,
 * `--x v`, `-x`, `--nox`; a bool never takes the next argument; `--` ends
 * the flags; `--flagfile` is expanded where it appears. Errors are returned
 * as gflags' text so the caller prints `ERROR: <text>` and exits 1.
 *
 * gflags follows a flagfile that includes itself until it runs out of
 * memory; here each argument carries the chain of flagfiles it came from,
 * and including a file already on that chain is an error. The same file
 * reached twice along different chains (a diamond) is read twice, as gflags
 * reads it.
 */
export function parseCommandLine(
  argv: readonly string[],
  target: Flags = flags,
  useDefaultFlagfile = true,
): ParsedCommandLine | { error: string } {
  let args = [...argv];
  const noChain: readonly string[] = [];
  let chains: (readonly string[])[] = args.map(() => noChain);
  if (useDefaultFlagfile && !args.some((a) => /^--?flagfile/.test(a))) {
    const lines = readFlagfile(DEFAULT_FLAGFILE);
    if (lines) {
      const chain = [flagfileIdentity(DEFAULT_FLAGFILE)];
      args = [...lines, ...args];
      chains = [...lines.map(() => chain), ...chains];
    }
  }
  let flagfileReads = 0;
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const from = chains[i]!;
    if (arg === "--") {
      for (const item of args.slice(i + 1)) positional.push(item);
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      positional.push(arg);
      continue;
    }
    const body = arg.replace(/^--?/, "");
    const eq = body.indexOf("=");
    let name = eq >= 0 ? body.slice(0, eq) : body;
    let value: string | undefined = eq >= 0 ? body.slice(eq + 1) : undefined;
    let spec = flagSpec(name);
    if (!spec && value === undefined && name.startsWith("no")) {
      const negated = flagSpec(name.slice(2));
      if (negated?.type === "bool") {
        spec = negated;
        name = negated.name;
        value = "false";
      }
    }
    if (!spec) return { error: `unknown command line flag '${name}'` };
    if (value === undefined) {
      if (spec.type === "bool") value = "true";
      else if (i + 1 < args.length) value = args[++i]!;
      else return { error: `flag '${arg}' is missing its argument` };
    }
    if (name === "flagfile") {
      const id = flagfileIdentity(value);
      if (from.includes(id)) {
        const includer = from[from.length - 1]!;
        return { error: `flagfile '${value}' is included again by '${includer}' (a flagfile cycle)` };
      }
      if (++flagfileReads > MAX_FLAGFILE_READS) return { error: `more than ${MAX_FLAGFILE_READS} flagfiles included` };
      const lines = readFlagfile(value);
      if (!lines) return { error: `flagfile '${value}' could not be read` };
      const chain = [...from, id];
      args = [...args.slice(0, i + 1), ...lines, ...args.slice(i + 1)];
      chains = [...chains.slice(0, i + 1), ...lines.map(() => chain), ...chains.slice(i + 1)];
      target.set(name, value, "cli");
      continue;
    }
    const err = target.set(name, value, "cli");
    if (err) return { error: err };
  }
  return { positional };
}
