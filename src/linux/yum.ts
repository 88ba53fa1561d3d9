// yum/dnf repository files (/etc/yum.conf, <reposdir>/*.repo) read as INI
// the way boost's ini_parser reads them for osquery's yum_sources: a file it
// cannot parse (a line without '=', a repeated section or key, an indented
// continuation line) contributes no rows at all.
import { GLOB_FILES, resolveFilePattern } from "./glob.ts";
import type { Row } from "../table.ts";
import { readText } from "./fs.ts";
import { verbose } from "../logger/glog.ts";

const YUM_CONF = "/etc/yum.conf";
const DEFAULT_REPOS_DIR = "/etc/yum.repos.d";
const COLUMNS = new Set(["name", "baseurl", "mirrorlist", "metalink", "enabled", "gpgcheck", "gpgkey"]);

/** An INI document: sections in file order, each with its keys in order. Keys before any section sit in "". */
export type IniDocument = [section: string, entries: [key: string, value: string][]][];

/** boost::property_tree::read_ini's rules; throws on what it rejects. */
export function parseIni(text: string): IniDocument {
  const doc: IniDocument = [];
  const top: [string, string][] = [];
  const sections = new Set<string>();
  let current: [string, string][] = top;
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith(";") || line.startsWith("#")) return;
    if (line.startsWith("[")) {
      const end = line.indexOf("]");
      if (end < 0) throw new Error(`line ${i + 1}: unmatched '['`);
      const name = line.slice(1, end).trim();
      if (sections.has(name) || top.some(([k]) => k === name)) throw new Error(`line ${i + 1}: duplicate section name`);
      sections.add(name);
      current = [];
      doc.push([name, current]);
      return;
    }
    const eq = line.indexOf("=");
    if (eq < 0) throw new Error(`line ${i + 1}: '=' character not found in line`);
    if (eq === 0) throw new Error(`line ${i + 1}: key expected`);
    const key = line.slice(0, eq).trim();
    if (current.some(([k]) => k === key)) throw new Error(`line ${i + 1}: duplicate key name`);
    current.push([key, line.slice(eq + 1).trim()]);
  });
  // Keys outside any section are children of the root, listed before the sections.
  return [...top.map(([k]) => [k, []] as [string, [string, string][]]), ...doc];
}

/** Rows for one file's sections, and the reposdir its [main] names (if any). */
export function yumRowsFromText(text: string, source: string): { rows: Row[]; reposdir: string | null } {
  let doc: IniDocument;
  try {
    doc = parseIni(text);
  } catch (e) {
    verbose("yum.ts", `${source} does not parse: ${(e as Error).message}`);
    return { rows: [], reposdir: null };
  }
  const rows: Row[] = [];
  let reposdir: string | null = null;
  for (const [section, entries] of doc) {
    if (section === "main") {
      reposdir = entries.find(([k]) => k === "reposdir")?.[1] ?? null;
      continue;
    }
    const row: Row = { source, pid_with_namespace: 0 };
    for (const [k, v] of entries) if (COLUMNS.has(k)) row[k] = v;
    rows.push(row);
  }
  return { rows, reposdir };
}

/** Every yum_sources row of the system under `root` ("" for this host). */
export function yumSourcesFrom(root = ""): Row[] {
  const rows: Row[] = [];
  let reposDir = DEFAULT_REPOS_DIR;
  const conf = readText(root + YUM_CONF);
  if (conf !== null) {
    const parsed = yumRowsFromText(conf, YUM_CONF);
    for (const item of parsed.rows) rows.push(item);
    reposDir = parsed.reposdir ?? DEFAULT_REPOS_DIR;
  }
  for (const file of resolveFilePattern(`${reposDir}/%.repo`, GLOB_FILES, { root })) {
    const text = readText(root + file);
    if (text !== null) for (const item of yumRowsFromText(text, file).rows) rows.push(item);
  }
  return rows;
}

