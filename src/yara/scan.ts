// What yara_file and yara_process share, after osquery's tables/yara/yara.cpp:
// the rule sets a query names (sig_group from the config, sigfile, sigrule,
// sigurl), one row per target and rule set that scans, and the row's columns
// as osquery's callback fills them.
import { readFileSync } from "node:fs";
import { flags } from "../flags/flags.ts";
import { httpFetch, readBody } from "../http.ts";
import { ERROR, errorMessage, logToStderr, verbose, WARNING } from "../logger/glog.ts";
import { tlsSettings } from "../remote/tls.ts";
import type { QueryContext, Row } from "../table.ts";
import { ruleFilePath, yaraConfig, yaraConfigGeneration, yaraNodeKey } from "./config.ts";
import { compileRules, loadYara, scanBuffer, type YaraRuleMatch, type YaraRules, type YaraStringMatch } from "./engine.ts";

export type SignatureKind = "sig_group" | "sigfile" | "sigrule" | "sigurl";

export interface RuleSet {
  readonly kind: SignatureKind;
  /** The group, file, rule text or URL, as the row's column shows it. */
  readonly name: string;
  readonly rules: YaraRules;
}

/** A config group's rules, or why it has none (one line, for a status log). */
export type GroupRules = { readonly rules: YaraRules } | { readonly error: string };

// Config groups compiled once per config, as osquery compiles them when the
// config is applied; yara_file, yara_process and yara_events share them.
const groupCache = new Map<string, Promise<GroupRules>>();
let cachedGeneration = -1;

/** The config's signature group `group`, compiled on first use after each config change. */
export function groupRules(group: string): Promise<GroupRules> {
  if (cachedGeneration !== yaraConfigGeneration()) {
    groupCache.clear();
    cachedGeneration = yaraConfigGeneration();
  }
  let rules = groupCache.get(group);
  if (!rules) {
    rules = compileGroupFiles(group, yaraConfig().signatures.get(group) ?? []);
    groupCache.set(group, rules);
  }
  return rules;
}

async function compileGroupFiles(group: string, files: readonly string[]): Promise<GroupRules> {
  if (files.length === 0) return { error: `YARA signature group ${group} is not in the config's yara.signatures` };
  verbose("yara_utils.cpp", `Compiling YARA signature group: ${group}`);
  const parts: { text: string; file: string }[] = [];
  for (const file of files) {
    const part = readRuleFile(file);
    if (typeof part === "string") return { error: `YARA signature group ${group}: ${part}` };
    parts.push(part);
  }
  const compiled = await compileRules(parts);
  if (compiled.ok) return { rules: compiled.rules };
  verbose("yara_utils.cpp", `YARA rule compile error: group ${group} does not compile`);
  const first = compiled.messages[0] ?? "the YARA engine cannot start";
  const more = compiled.messages.length > 1 ? ` (and ${compiled.messages.length - 1} more errors)` : "";
  return { error: `YARA signature group ${group} does not compile: ${first}${more}` };
}

/** The "YARA" magic that starts rules saved by yarac. */
const SAVED_RULES_MAGIC = Buffer.from("YARA");

/** A rule file's text, or why it cannot be used (also logged at verbose level, as osquery does). */
function readRuleFile(file: string): { text: string; file: string } | string {
  let why: string;
  try {
    const bytes = readFileSync(file);
    if (!bytes.subarray(0, 4).equals(SAVED_RULES_MAGIC)) return { text: bytes.toString("utf8"), file };
    // libyara-wasm compiles source only; osquery's yr_rules_load has no counterpart here.
    why = `YARA rules saved by yarac are not supported, compile from the source instead: ${file}`;
  } catch (e) {
    why = `Could not open file: ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`;
  }
  verbose("yara_utils.cpp", why);
  return errorMessage(why);
}

interface UriParts {
  readonly scheme: string;
  readonly host: string;
  readonly path: string;
}

/**
 * scheme, host and path of a URI, split as RFC 3986 does. Not WHATWG's URL:
 * it turns `\` in an http path into `/`, and an allowed path is a regular
 * expression that may well hold one.
 */
function uriParts(uri: string): UriParts | null {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)/.exec(uri);
  if (!m) return null;
  const authority = m[2]!.slice(m[2]!.lastIndexOf("@") + 1);
  const host = authority.startsWith("[") ? authority.slice(0, authority.indexOf("]") + 1) : authority.split(":")[0]!;
  return { scheme: m[1]!.toLowerCase(), host: host.toLowerCase(), path: m[3]! };
}

/** osquery's isRuleUrlAllowed: same scheme and host as an allowed URL, and a path its path (a regex) matches whole. */
export function ruleUrlAllowed(allowed: readonly string[], url: string): boolean {
  const test = uriParts(url);
  if (!test) return false;
  return allowed.some((a) => {
    const sig = uriParts(a);
    if (!sig || sig.host !== test.host || sig.scheme !== test.scheme) return false;
    try {
      return new RegExp(`^(?:${sig.path})$`).test(test.path);
    } catch (e) {
      verbose("yara.cpp", `YARA signature url pattern ${a} is not a regular expression: ${(e as Error).message}`);
      return false;
    }
  });
}

/** The rule text at an allowed sigurl, fetched with the TLS client's certificates; null when refused or failed. */
async function fetchRuleUrl(url: string): Promise<string | null> {
  if (!ruleUrlAllowed(yaraConfig().signatureUrls, url)) {
    verbose("yara.cpp", `YARA signature url ${url} not allowed`);
    return null;
  }
  const s = tlsSettings();
  try {
    const tls = { ca: s.ca, cert: s.cert, key: s.key, rejectUnauthorized: true };
    const signal = AbortSignal.timeout(s.timeoutMs);
    // --yara_sigurl_authenticate: a POST whose JSON body carries the node key, as osquery's other TLS requests do.
    const res =
      flags.bool("yara_sigurl_authenticate")
        ? await httpFetch(url, { method: "POST", body: JSON.stringify({ node_key: await yaraNodeKey() }), headers: { "content-type": "application/json" }, tls, signal })
        : await httpFetch(url, { tls, signal });
    const body = (await readBody(res)).toString("utf8");
    if (res.status === 200) return body;
    verbose("yara.cpp", `Can't fetch rules from url response code: ${res.status}`);
  } catch (e) {
    verbose("yara.cpp", `YARA signature url ${url} cannot be fetched: ${(e as Error).message}`);
  }
  return null;
}

/**
 * The rule sets the query names, in osquery's scan-context order (kind, then
 * name). A rule file or rule that does not compile is left out with osquery's
 * warning; null (after osquery's error) when nothing is left to scan with or
 * the engine cannot start.
 */
export async function ruleSets(ctx: QueryContext): Promise<RuleSet[] | null> {
  if (!(await loadYara())) return null;
  const sets: RuleSet[] = [];
  const sorted = (col: string) => ctx.equals(col).sort();
  for (const group of sorted("sig_group")) {
    const r = await groupRules(group);
    if ("rules" in r) sets.push({ kind: "sig_group", name: group, rules: r.rules });
  }
  for (const file of sorted("sigfile")) {
    const part = readRuleFile(ruleFilePath(file));
    const r = typeof part === "string" ? null : await compileRules([part]);
    if (r?.ok) sets.push({ kind: "sigfile", name: file, rules: r.rules });
    // A file libyara cannot open fails its yr_rules_load with ERROR_COULD_NOT_OPEN_FILE (3).
    else logToStderr(WARNING, "yara.cpp", 279, `YARA compile error: ${r ? "Compilation errors" : "Error loading YARA rules: 3"}`);
  }
  for (const rule of sorted("sigrule")) {
    const r = await compileRules([{ text: rule }]);
    if (r.ok) sets.push({ kind: "sigrule", name: rule, rules: r.rules });
    else logToStderr(WARNING, "yara.cpp", 291, `YARA compile error: Compilation error ${r.errors}`);
  }
  for (const url of sorted("sigurl")) {
    const text = await fetchRuleUrl(url);
    if (text === null || text === "") {
      logToStderr(WARNING, "yara.cpp", 304, `Failed to get YARA rule url: ${url}`);
      continue;
    }
    const r = await compileRules([{ text }]);
    if (r.ok) sets.push({ kind: "sigurl", name: url, rules: r.rules });
    else logToStderr(WARNING, "yara.cpp", 310, `YARA compile error: Compilation error ${r.errors}`);
  }
  if (sets.length === 0) {
    logToStderr(ERROR, "yara.cpp", 486, "Query must specify sig_group, sigfile, sigrule, or sigurl for scan");
    return null;
  }
  return sets;
}

/** The columns osquery's YARA callback fills, from the matching rules in the order they matched. */
export interface MatchColumns {
  /** Rule names, comma separated. */
  readonly matches: string;
  readonly count: number;
  /** Each string's match as `$id:hexaddress`, comma separated. */
  readonly strings: string;
  readonly tags: string;
}

/** `hide` drops a string (osquery's private strings show no matches). */
export function matchColumns(
  matches: readonly YaraRuleMatch[],
  address: (offset: number) => number = (o) => o,
  hide: (m: YaraRuleMatch, s: YaraStringMatch) => boolean = () => false,
): MatchColumns {
  return {
    matches: matches.map((m) => m.rule).join(","),
    count: matches.length,
    strings: matches.flatMap((m) => m.strings.filter((s) => !hide(m, s)).map((s) => `${s.identifier}:${address(s.offset).toString(16)}`)).join(","),
    tags: matches.flatMap((m) => m.tags).join(","),
  };
}

/**
 * A yara_file or yara_process row as osquery's callback leaves it. Unless
 * --enable_yara_string, the first string of each rule of an inline sigrule
 * is private (osquery marks that one string so) and shows no matches.
 */
export function matchRow(set: RuleSet, matches: readonly YaraRuleMatch[], address: (offset: number) => number = (o) => o): Row {
  // osquery flags only each rule's first string private (rule->strings), and libyara reports no private string's matches.
  const hideFirst = set.kind === "sigrule" && !flags.bool("enable_yara_string");
  const { matches: names, count, strings, tags } = matchColumns(matches, address, (m, s) => hideFirst && s.identifier === m.firstString);
  const row: Row = { matches: names, count, sig_group: "", sigfile: "", sigrule: "", strings, tags, pid_with_namespace: 0 };
  row[set.kind] = set.name;
  return row;
}

/** osquery's --yara_delay: a pause after each scan to smooth memory spikes. */
export async function scanDelay(): Promise<void> {
  const ms = flags.num("yara_delay");
  if (ms > 0) await Bun.sleep(ms);
}

export { scanBuffer };
