// The YARA engine behind yara_file and yara_process: libyara itself, compiled
// to WebAssembly (npm's libyara-wasm), so the one binary needs no libyara on
// the host. The module (about 1 MB of JavaScript with the wasm inline) is
// imported on the first scan only: a query that names no yara table never
// pays for it (bench/yara.ts measures both).
//
// libyara-wasm's one entry point compiles and scans in a call, so a rule set
// here is its source text, checked once when it is compiled (as osquery's
// yr_compiler_* calls would report) and compiled again by every scan.
// The wrapper reports neither tags nor SCAN_FLAGS_FAST_MODE, so tags come
// from the source (ruleInfo) and only the first match of each string is kept,
// which is what fast mode leaves osquery's callback to see.
import type { LibYara } from "libyara-wasm";
import { verbose } from "../logger/glog.ts";

/** One rule set: its source, and what that source says of each rule. */
export interface YaraRules {
  readonly source: string;
  /** Per rule (by name): its tags and its first string's identifier, read from the source. */
  readonly info: ReadonlyMap<string, RuleInfo>;
}

export interface RuleInfo {
  readonly tags: readonly string[];
  /** The identifier of the rule's first string ("$a", or "$" when anonymous); undefined without strings. */
  readonly firstString?: string;
}

export interface YaraSourcePart {
  readonly text: string;
  /** The rule file's name for messages; undefined for a rule given as a string. */
  readonly file?: string;
}

/** A failure carries the count of errors and their messages in osquery's form (none when the engine cannot start). */
export type CompileResult =
  | { readonly ok: true; readonly rules: YaraRules }
  | { readonly ok: false; readonly errors: number; readonly messages: readonly string[] };

export interface YaraStringMatch {
  readonly identifier: string;
  readonly offset: number;
}

export interface YaraRuleMatch {
  readonly rule: string;
  readonly tags: readonly string[];
  readonly firstString?: string;
  readonly strings: readonly YaraStringMatch[];
}

/** The most bytes handed to the engine in one scan: its WebAssembly heap is 32-bit and holds a copy. */
export const MAX_SCAN_BYTES = 256 * 1024 * 1024;

let engine: Promise<LibYara | null> | undefined;

const PROCESS_EVENTS = ["uncaughtException", "unhandledRejection"] as const;

/**
 * Emscripten's Node glue adds process listeners that rethrow every uncaught
 * exception and unhandled rejection; osq's own last-resort handlers decide
 * what those do, so the engine's listeners are taken off again.
 */
async function withoutEngineListeners<T>(load: () => Promise<T>): Promise<T> {
  const before = new Map(PROCESS_EVENTS.map((ev) => [ev, new Set(process.listeners(ev))]));
  try {
    return await load();
  } finally {
    for (const ev of PROCESS_EVENTS) {
      for (const l of process.listeners(ev)) if (!before.get(ev)!.has(l)) process.removeListener(ev, l);
    }
  }
}

/** The wasm engine, loaded once; null (with the reason at verbose level) when it cannot start. */
export function loadYara(): Promise<LibYara | null> {
  // The engine's own output must never reach stdout, where query results go.
  const log = (text: string) => verbose("yara_utils.cpp", `YARA: ${text}`);
  engine ??= withoutEngineListeners(async () => (await import("libyara-wasm")).default({ print: log, printErr: log })).catch((e: unknown) => {
    verbose("yara_utils.cpp", `YARA cannot be initialized, yara tables return no rows: ${(e as Error).message}`);
    return null;
  });
  return engine;
}

/**
 * Compiles the parts into one rule set, as one yr_compiler fed each part in
 * turn. Each compiler message is logged at verbose level in osquery's form
 * ("YARA rule file F(L): error: M", "YARA rule string (L): ..."); the result
 * fails, with the count of errors, when any was reported.
 */
export async function compileRules(parts: readonly YaraSourcePart[]): Promise<CompileResult> {
  const yara = await loadYara();
  if (!yara) return { ok: false, errors: 0, messages: [] };
  const source = parts.map((p) => p.text).join("\n");
  // Line ranges of each part in the joined source, to name the right file in messages.
  const starts: number[] = [];
  let line = 1;
  for (const p of parts) {
    starts.push(line);
    line += p.text.split("\n").length;
  }
  const result = yara.run(new Uint8Array(0), source);
  const messages: string[] = [];
  for (let i = 0; i < result.compileErrors.size(); i++) {
    const e = result.compileErrors.get(i);
    let k = 0;
    while (k + 1 < starts.length && starts[k + 1]! <= e.lineNumber) k++;
    const part = parts[k];
    const where = part?.file === undefined ? "YARA rule string " : `YARA rule file ${part.file}`;
    const at = e.lineNumber - (starts[k] ?? 1) + 1;
    const message = `${where}(${at}): ${e.warning ? "warning" : "error"}: ${e.message}`;
    verbose("yara_utils.cpp", message);
    if (!e.warning) messages.push(message);
  }
  return messages.length > 0 ? { ok: false, errors: messages.length, messages } : { ok: true, rules: { source, info: ruleInfo(source) } };
}

/** The matching rules for `data`, in rule order, each string's first match only. */
export async function scanBuffer(rules: YaraRules, data: Uint8Array): Promise<YaraRuleMatch[] | null> {
  const yara = await loadYara();
  if (!yara) return null;
  const result = yara.run(data, rules.source);
  const out: YaraRuleMatch[] = [];
  for (let i = 0; i < result.matchedRules.size(); i++) {
    const m = result.matchedRules.get(i);
    const seen = new Set<string>();
    const strings: YaraStringMatch[] = [];
    for (let j = 0; j < m.resolvedMatches.size(); j++) {
      const s = m.resolvedMatches.get(j);
      if (seen.has(s.stringIdentifier)) continue;
      seen.add(s.stringIdentifier);
      strings.push({ identifier: s.stringIdentifier, offset: s.location });
    }
    const info = rules.info.get(m.ruleName);
    out.push({ rule: m.ruleName, tags: info?.tags ?? [], firstString: info?.firstString, strings });
  }
  return out;
}

/**
 * Each rule's tags and first string, read from the source: `[private|global]*
 * rule NAME : t1 t2 { ... strings: $first = ...`. Comments, text strings and
 * regular expressions are skipped so that braces inside them do not end a
 * rule body early.
 */
export function ruleInfo(source: string): Map<string, RuleInfo> {
  const info = new Map<string, RuleInfo>();
  const tokens: string[] = [];
  let rule: { name: string; tags: string[]; firstString?: string; inStrings: boolean } | null = null;
  let depth = 0;
  let prev = "";
  let i = 0;
  const n = source.length;
  const end = () => {
    if (rule) info.set(rule.name, rule.firstString === undefined ? { tags: rule.tags } : { tags: rule.tags, firstString: rule.firstString });
    rule = null;
  };
  while (i < n) {
    const c = source[i]!;
    if (c === "/" && source[i + 1] === "/") {
      while (i < n && source[i] !== "\n") i++;
    } else if (c === "/" && source[i + 1] === "*") {
      const close = source.indexOf("*/", i + 2);
      i = close < 0 ? n : close + 2;
    } else if (c === '"' || (c === "/" && depth > 0 && (prev === "=" || prev === "matches"))) {
      // A text string, or a regular expression where one may start (after `=` or `matches`).
      i++;
      while (i < n && source[i] !== c) i += source[i] === "\\" ? 2 : 1;
      i++;
      prev = "literal";
    } else if (c === "{") {
      if (depth === 0) {
        const at = tokens.lastIndexOf("rule");
        const name = at >= 0 ? tokens[at + 1] : undefined;
        if (name !== undefined) {
          const after = tokens.slice(at + 2);
          rule = { name, tags: after[0] === ":" ? after.slice(1) : [], inStrings: false };
        }
        tokens.length = 0;
      }
      depth++;
      prev = "{";
      i++;
    } else if (c === "}") {
      depth = Math.max(0, depth - 1);
      if (depth === 0) end();
      prev = "}";
      i++;
    } else if (/[A-Za-z0-9_$]/.test(c)) {
      let j = i;
      while (j < n && /[A-Za-z0-9_$.*#@!]/.test(source[j]!)) j++;
      const word = source.slice(i, j);
      if (depth === 0) tokens.push(word);
      else if (depth === 1 && rule) {
        // Section names are followed by ":"; the first `$...` after "strings:" names the first string.
        if (source.slice(j).trimStart().startsWith(":") && /^(meta|strings|condition)$/.test(word)) rule.inStrings = word === "strings";
        else if (rule.inStrings && rule.firstString === undefined && word.startsWith("$")) rule.firstString = word;
      }
      prev = word;
      i = j;
    } else {
      if (!/\s/.test(c)) {
        if (depth === 0) tokens.push(c);
        prev = c;
      }
      i++;
    }
  }
  return info;
}
