// dpkg's database: the RFC822-style control stanzas of /var/lib/dpkg/status
// (and its journal, updates/NNNN), read the way libdpkg presents them to
// osquery's deb_packages: one record per installed (not "not-installed")
// package, with dpkg's normalised version, revision, priority and arch names.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { logUnreadable } from "./fs.ts";

/** One stanza: field names lower-cased (dpkg matches them case-insensitively). */
export type ControlStanza = Map<string, string>;

/**
 * Parses control-file text into stanzas. A field is `Name: value`; lines that
 * start with a space or tab continue the previous field; blank lines separate
 * stanzas; `#` lines are comments (deb822). Pure: text in, stanzas out.
 */
export function parseControl(text: string): ControlStanza[] {
  const stanzas: ControlStanza[] = [];
  let current: ControlStanza | null = null;
  let lastKey: string | null = null;
  for (const raw of text.split("\n")) {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line.trim() === "") {
      if (current && current.size > 0) stanzas.push(current);
      current = null;
      lastKey = null;
      continue;
    }
    if (line.startsWith("#")) continue;
    if ((line.startsWith(" ") || line.startsWith("\t")) && current && lastKey !== null) {
      current.set(lastKey, `${current.get(lastKey) ?? ""}\n${line.slice(1)}`);
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) continue; // not a field: dpkg would reject it; skip the line
    current ??= new Map();
    lastKey = line.slice(0, colon).trim().toLowerCase();
    current.set(lastKey, line.slice(colon + 1).trim());
  }
  if (current && current.size > 0) stanzas.push(current);
  return stanzas;
}

/** A package as libdpkg's pkginfo exposes it to osquery. */
export interface DpkgPackage {
  readonly name: string;
  /** dpkg's non-ambiguous form: `epoch:upstream-revision`, epoch only when not 0. */
  readonly version: string;
  readonly revision: string;
  /** dpkg_arch_describe(): the arch name, `<none>` when the field is absent. */
  readonly arch: string;
  /** `want eflag status`, e.g. "install ok installed". */
  readonly status: string;
  readonly priority: string;
  readonly section: string;
  readonly size: string;
  readonly source: string;
  readonly maintainer: string;
}

interface ParsedVersion {
  epoch: string;
  upstream: string;
  revision: string;
}

/** Splits a Debian version the way dpkg's parseversion() does. */
export function parseDebVersion(text: string): ParsedVersion {
  let rest = text.trim();
  let epoch = "0";
  const colon = rest.indexOf(":");
  if (colon >= 0) {
    epoch = rest.slice(0, colon);
    rest = rest.slice(colon + 1);
  }
  const hyphen = rest.lastIndexOf("-");
  if (hyphen >= 0) return { epoch, upstream: rest.slice(0, hyphen), revision: rest.slice(hyphen + 1) };
  return { epoch, upstream: rest, revision: "" };
}

/** versiondescribe(vdew_nonambig): the epoch is shown only when it is not zero. */
export function describeDebVersion(v: ParsedVersion): string {
  const epoch = Number(v.epoch) !== 0 && v.epoch !== "" ? `${Number(v.epoch)}:` : "";
  return `${epoch}${v.upstream}${v.revision !== "" ? `-${v.revision}` : ""}`;
}

const PRIORITIES = ["required", "important", "standard", "optional", "extra"];
const WANTS = ["unknown", "install", "hold", "deinstall", "purge"];
const STATUSES = [
  "not-installed",
  "config-files",
  "half-installed",
  "unpacked",
  "half-configured",
  "triggers-awaited",
  "triggers-pending",
  "installed",
];

/** pkg_priority_name(): a known priority in lower case, else the text as given; none is "unknown". */
function priorityName(field: string | undefined): string {
  if (field === undefined || field === "") return "unknown";
  const known = PRIORITIES.find((p) => p === field.toLowerCase());
  return known ?? field;
}

/** The Status field's three words, normalised; an absent field means not installed. */
function parseStatusField(field: string | undefined): { want: string; eflag: string; status: string } {
  const words = (field ?? "").trim().split(/\s+/).filter(Boolean);
  const [want = "unknown", eflag = "ok", status = "not-installed"] = words;
  return {
    want: WANTS.includes(want) ? want : "unknown",
    eflag: eflag === "reinstreq" ? "reinstreq" : "ok",
    status: STATUSES.includes(status) ? status : "not-installed",
  };
}

/** Turns one status stanza into a package record, or null when it is not installed. */
export function stanzaToPackage(s: ControlStanza): DpkgPackage | null {
  const name = s.get("package");
  if (!name) return null;
  const st = parseStatusField(s.get("status"));
  if (st.status === "not-installed") return null;
  const version = parseDebVersion(s.get("version") ?? "");
  const arch = s.get("architecture");
  return {
    name,
    version: s.has("version") ? describeDebVersion(version) : "",
    revision: version.revision,
    arch: arch === undefined ? "<none>" : arch === "" ? "<empty>" : arch,
    status: `${st.want} ${st.eflag} ${st.status}`,
    priority: priorityName(s.get("priority")),
    section: s.get("section") ?? "",
    size: s.get("installed-size") ?? "",
    source: s.get("source") ?? "",
    maintainer: s.get("maintainer") ?? "",
  };
}

/**
 * The package database of an admindir as dpkg sees it read-only: `status`,
 * then each journal file `updates/NNNN` (numeric names, in order) replacing
 * the stanzas of the packages it names. Returns the installed packages, sorted
 * by name then arch as osquery's pkg_array is; [] when `status` is unreadable.
 */
export function readDpkgDatabase(admindir: string): DpkgPackage[] {
  let text: string;
  try {
    text = readFileSync(join(admindir, "status"), "utf8");
  } catch (e) {
    logUnreadable("dpkg.ts", join(admindir, "status"), e);
    return [];
  }
  const byKey = new Map<string, ControlStanza>();
  const keyOf = (s: ControlStanza) => `${s.get("package") ?? ""}:${s.get("architecture") ?? ""}`;
  for (const s of parseControl(text)) byKey.set(keyOf(s), s);
  let updates: string[] = [];
  try {
    updates = readdirSync(join(admindir, "updates")).filter((f) => /^\d+$/.test(f));
  } catch (e) {
    logUnreadable("dpkg.ts", join(admindir, "updates"), e);
    // no journal: the status file is the whole truth
  }
  updates.sort((a, b) => Number(a) - Number(b));
  for (const f of updates) {
    try {
      for (const s of parseControl(readFileSync(join(admindir, "updates", f), "utf8"))) byKey.set(keyOf(s), s);
    } catch (e) {
      logUnreadable("dpkg.ts", join(admindir, "updates", f), e);
      // an unreadable journal entry is skipped, as the rest still stands
    }
  }
  const out: DpkgPackage[] = [];
  for (const s of byKey.values()) {
    const p = stanzaToPackage(s);
    if (p) out.push(p);
  }
  out.sort((a, b) => cmp(a.name, b.name) || cmp(a.arch, b.arch));
  return out;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The paths listed in a .list file, one per line, blank lines skipped. */
export function parseDpkgList(text: string): string[] {
  return text.split("\n").filter((line) => line !== "");
}

/**
 * The files dpkg recorded for a package: <admindir>/info/<name>:<arch>.list
 * for Multi-Arch: same packages, <name>.list for the others (the only name
 * tried when `arch` is null). null when none can be read.
 */
export function readDpkgList(admindir: string, name: string, arch: string | null): string[] | null {
  const files = arch === null ? [`${name}.list`] : [`${name}:${arch}.list`, `${name}.list`];
  for (const file of files) {
    try {
      return parseDpkgList(readFileSync(join(admindir, "info", file), "utf8"));
    } catch {
      // try the other name
    }
  }
  return null;
}
