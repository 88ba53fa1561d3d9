// Writes test/e2e/osquery-flags.ts: every flag osquery's Linux build defines
// (name, gflags type, default as gflags prints it, kind) and every flag alias,
// read from osquery's source at the contract commit:
//   bun scripts/gen-osquery-flags.ts [osquery git dir] [commit]
// The tests check osq's flag registry against this list, which is built
// without osq's code. Only facts are kept: no description is copied.
//
// Which definitions count: the FLAG, HIDDEN_FLAG, CLI_FLAG, SHELL_FLAG,
// EXTENSION_FLAG and (EXTENSION_)FLAG_ALIAS macros under osquery/ and
// plugins/, except tests, files of the darwin and windows folders (never
// compiled on Linux) and branches of #if blocks the Linux build leaves out.
import { join } from "node:path";

const repo = process.argv[2] ?? "/work/.mirror/osquery+osquery/repo";
const commit = process.argv[3] ?? "a5b14f63d98c0d4992ab8ae07d933e0d5ff008df";
const root = join(import.meta.dir, "..");

function git(args: string[]): string {
  const r = Bun.spawnSync(["git", "-C", repo, ...args]);
  if (r.exitCode !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr.toString().trim()}`);
  return r.stdout.toString();
}

const MACROS = /^\s*(FLAG|HIDDEN_FLAG|CLI_FLAG|SHELL_FLAG|EXTENSION_FLAG|FLAG_ALIAS|EXTENSION_FLAG_ALIAS)\(/gm;
const KIND: Record<string, string> = { FLAG: "normal", HIDDEN_FLAG: "hidden", CLI_FLAG: "cli", SHELL_FLAG: "shell", EXTENSION_FLAG: "extension" };

/** Macros osquery's Linux build defines, for the #if conditions around flags. */
const LINUX_DEFINES = new Set(["__linux__", "OSQUERY_LINUX", "OSQUERY_POSIX", "LINUX", "OSQUERY_BUILD_EXPERIMENTS", "__x86_64__", "BOOST_ASIO_HAS_LOCAL_SOCKETS", "_SC_PAGESIZE", "SIGINT"]);

/** The Linux build's path macros (osquery/utils/config/default_paths.h). */
const PATH_MACROS: Record<string, string> = {
  OSQUERY_HOME: "/etc/osquery/",
  OSQUERY_DB_HOME: "/var/osquery/",
  OSQUERY_SOCKET: "/var/osquery/",
  OSQUERY_PIDFILE: "/var/run/",
  OSQUERY_LOG_HOME: "/var/log/osquery/",
  OSQUERY_CERTS_HOME: "/opt/osquery/share/osquery/certs/",
};

function evalCondition(directive: string, expr: string): boolean {
  const name = expr.trim().split(/\s/)[0] ?? "";
  if (directive === "ifdef") return LINUX_DEFINES.has(name);
  if (directive === "ifndef") return !LINUX_DEFINES.has(name);
  const js = expr
    .replace(/\/\/.*$|\/\*.*?\*\//g, "")
    .replace(/defined\s*\(?\s*(\w+)\s*\)?/g, (_m, n: string) => String(LINUX_DEFINES.has(n)))
    .replace(/\b(?!true\b|false\b)[A-Za-z_]\w*\b/g, (n) => String(LINUX_DEFINES.has(n)));
  return Boolean(new Function(`return (${js});`)());
}

/** Offsets of the source that the Linux preprocessor keeps, as a predicate. */
function liveRanges(src: string): (offset: number) => boolean {
  const dead: [number, number][] = [];
  const stack: { taken: boolean; live: boolean; parentLive: boolean }[] = [];
  let live: boolean = true;
  let deadFrom = -1;
  const re = /^\s*#\s*(ifdef|ifndef|if|elif|else|endif)\b(.*)$/gm;
  for (const m of src.matchAll(re)) {
    const [, d, rest] = m;
    const at = m.index!;
    const wasLive = live;
    if (d === "if" || d === "ifdef" || d === "ifndef") {
      const c: boolean = live && evalCondition(d, rest!);
      stack.push({ taken: c, live: c, parentLive: live });
      live = c;
    } else if (d === "elif" || d === "else") {
      const top = stack[stack.length - 1]!;
      const c: boolean = top.parentLive && !top.taken && (d === "else" || evalCondition("if", rest!));
      top.taken ||= c;
      top.live = c;
      live = c;
    } else {
      const top = stack.pop()!;
      live = top.parentLive;
    }
    if (wasLive && !live) deadFrom = at;
    if (!wasLive && live && deadFrom >= 0) dead.push([deadFrom, at]);
  }
  return (o) => !dead.some(([a, b]) => o >= a && o < b);
}

/** The macro's arguments, split at top-level commas. */
function macroArgs(src: string, start: number): string[] {
  const parts: string[] = [];
  let cur = "";
  let depth = 1;
  let inString = false;
  for (let i = start; ; i++) {
    const c = src[i]!;
    if (inString) {
      cur += c;
      if (c === "\\") cur += src[++i];
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === "(" || c === "[") depth++;
    else if (c === ")" || c === "]") {
      if (--depth === 0) break;
    } else if (c === "," && depth === 1) {
      parts.push(cur.trim());
      cur = "";
      continue;
    }
    cur += c;
  }
  parts.push(cur.trim());
  return parts.map((p) => p.replace(/\s+/g, " "));
}

/** A default as gflags prints it: strings concatenated, path macros expanded, arithmetic done. */
function defaultText(type: string, expr: string): string {
  if (type === "string") {
    const fsPath = /^\(fs::path\((\w+)\) \/ "([^"]*)"\)/.exec(expr);
    if (fsPath) return PATH_MACROS[fsPath[1]!]! + fsPath[2]!;
    let out = "";
    for (const m of expr.matchAll(/"((?:[^"\\]|\\.)*)"|(\w+)/g)) {
      if (m[1] !== undefined) out += JSON.parse(`"${m[1]}"`) as string;
      else if (PATH_MACROS[m[2]!] !== undefined) out += PATH_MACROS[m[2]!];
      else throw new Error(`cannot expand ${m[2]} in ${expr}`);
    }
    return out;
  }
  if (type === "bool") return expr;
  // LOG_LOCAL3 is syslog's facility 19, shifted left by 3.
  const js = expr.replace(/\bLOG_LOCAL3\b/g, String(19 << 3)).replace(/\(int64_t\)/g, "");
  if (!/^[\d\s*+\-<>()]+$/.test(js)) throw new Error(`cannot evaluate the default ${expr}`);
  return String(Number(new Function(`return (${js});`)()));
}

interface Row {
  name: string;
  type: string;
  defaultValue: string;
  kind: string;
}

const flags = new Map<string, Row>();
const aliases = new Map<string, string>();
const files = git(["grep", "-l", "-E", "\\b(FLAG|HIDDEN_FLAG|CLI_FLAG|SHELL_FLAG|EXTENSION_FLAG|FLAG_ALIAS|EXTENSION_FLAG_ALIAS)\\(", commit, "--", "osquery/", "plugins/"])
  .trim()
  .split("\n")
  .map((l) => l.slice(commit.length + 1))
  .filter((p) => !/\/tests?\/|\/(darwin|windows)\//.test(p) && !p.startsWith("osquery/core/flag"))
  .sort();
for (const path of files) {
  const src = git(["show", `${commit}:${path}`]);
  const isLive = liveRanges(src);
  for (const m of src.matchAll(MACROS)) {
    if (!isLive(m.index!)) continue;
    const macro = m[1]!;
    const args = macroArgs(src, m.index! + m[0].length);
    if (macro === "FLAG_ALIAS") aliases.set(args[1]!, args[2]!);
    else if (macro === "EXTENSION_FLAG_ALIAS") aliases.set(args[0]!, args[1]!);
    else {
      const [type, name, def] = args as [string, string, string];
      if (flags.has(name)) throw new Error(`${name} is defined twice for Linux (${path})`);
      flags.set(name, { name, type, defaultValue: defaultText(type, def), kind: KIND[macro]! });
    }
  }
}

const rows = [...flags.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
const out = `// Generated by scripts/gen-osquery-flags.ts from osquery's source at ${commit.slice(0, 8)}:
// every flag its Linux build defines (name, gflags type, default as gflags
// prints it, kind) and every flag alias. Facts only; do not edit by hand.

export interface OsqueryFlag {
  readonly name: string;
  readonly type: string;
  readonly defaultValue: string;
  readonly kind: "normal" | "hidden" | "cli" | "shell" | "extension";
}

export const OSQUERY_FLAGS: readonly OsqueryFlag[] = [
${rows.map((r) => `  { name: ${JSON.stringify(r.name)}, type: ${JSON.stringify(r.type)}, defaultValue: ${JSON.stringify(r.defaultValue)}, kind: ${JSON.stringify(r.kind)} },`).join("\n")}
];

/** alias → the flag it sets. */
export const OSQUERY_FLAG_ALIASES: Readonly<Record<string, string>> = {
${[...aliases].sort().map(([a, t]) => `  ${a}: ${JSON.stringify(t)},`).join("\n")}
};
`;
await Bun.write(join(root, "test/e2e/osquery-flags.ts"), out);
console.log(`wrote test/e2e/osquery-flags.ts: ${rows.length} flags, ${aliases.size} aliases`);
