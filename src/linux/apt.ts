// APT's repository configuration as osquery's apt_sources reads it: one-line
// sources (sources.list, sources.list.d/*.list), deb822 stanzas (*.sources),
// and the Release/InRelease file apt fetched for each (URI, suite).
import { existsSync } from "node:fs";
import { GLOB_FILES, resolveFilePattern } from "./glob.ts";
import { osquerySplit } from "./split.ts";
import type { Row } from "../table.ts";
import { readableAs, readText } from "./fs.ts";
import { readPasswd } from "./passwd.ts";
import { verbose } from "../logger/glog.ts";

export interface AptSource {
  readonly baseUri: string;
  /** "host/path suite", the uri without its scheme and the suite. */
  readonly name: string;
  /** The parts of the lists/ file name: uri-without-scheme, "dists", suite (or the path suite's parts). */
  readonly cacheParts: readonly string[];
}

function sourceFor(uri: string, suite: string): AptSource {
  const host = uri.indexOf("://");
  const target = uri.slice(host + 3);
  const suiteParts = osquerySplit(suite, "/");
  return {
    baseUri: uri,
    name: `${target} ${suite}`,
    cacheParts: suiteParts.length === 1 ? [target, "dists", suite] : [target, ...suiteParts],
  };
}

/**
 * One sources.list line: `deb [options] uri suite [components]`; comments
 * (from '#') and non-`deb ` lines give null, as do lines without a scheme or
 * suite. Trailing slashes leave the uri.
 */
export function parseAptSourceLine(input: string): AptSource | null {
  const hash = input.indexOf("#");
  let line = hash >= 0 ? input.slice(0, hash) : input;
  const deb = line.indexOf("deb ");
  if (deb < 0) return null;
  line = line.slice(deb + 4);
  const tokens = osquerySplit(line, " ");
  if (tokens.length < 2) return null;
  let offset = 0;
  if (tokens[0]?.startsWith("[")) {
    for (let i = 0; i < tokens.length; i++) {
      if (tokens[i]?.includes("]")) {
        offset = i;
        break;
      }
    }
    offset++;
  }
  const uriToken = tokens[offset];
  if (uriToken === undefined) return null;
  const host = uriToken.indexOf("://");
  if (host < 0) return null;
  const uri = uriToken.replace(/\/+$/, "");
  const suite = tokens[offset + 1];
  if (suite === undefined) return null;
  if (uri.length < host + 3) return null;
  return sourceFor(uri, suite);
}

/**
 * One deb822 stanza (the text between blank lines). Needs `Types` to include
 * deb, URIs with a scheme and Suites; `Enabled:` other than "on" disables it
 * (osquery's reading, which treats "yes" as off too).
 */
export function parseDeb822Block(block: string): AptSource[] {
  const uris: string[] = [];
  const suites: string[] = [];
  for (const input of osquerySplit(block, "\n")) {
    const hash = input.indexOf("#");
    const line = hash >= 0 ? input.slice(0, hash) : input;
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const key = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (value === "") continue;
    if (key === "types" && !osquerySplit(value).includes("deb")) return [];
    if (key === "enabled" && value !== "on") return [];
    if (key === "uris") {
      for (const uri of osquerySplit(value)) if (uri.includes("://")) uris.push(uri.replace(/\/+$/, ""));
    }
    if (key === "suites") for (const item of osquerySplit(value)) suites.push(item);
  }
  return uris.flatMap((uri) => suites.map((suite) => sourceFor(uri, suite)));
}

/** The fields osquery reads from a Release/InRelease file, up to its signature. */
export function parseReleaseFile(text: string): Row {
  const row: Row = {};
  const map: Record<string, string> = { Codename: "release", Version: "version", Origin: "maintainer", Components: "components", Architectures: "architectures" };
  for (const header of osquerySplit(text, "\n")) {
    if (header === "-----BEGIN PGP SIGNATURE-----") break;
    const fields = osquerySplit(header, ":");
    if (fields.length !== 2) continue;
    const column = map[fields[0] as string];
    if (column) row[column] = fields[1];
  }
  return row;
}

/**
 * osquery reads APT's files after dropping privileges to "nobody" (when that
 * user exists), so a file nobody may not read (a 0600 sources list holding
 * credentials) is skipped with a warning. osq runs with its own privileges
 * and applies the same permission check instead.
 */
type ReadAs = (path: string) => string | null;

function readerFor(root: string): ReadAs {
  const nobody = readPasswd(root).find((u) => u.username === "nobody");
  return (path) => {
    if (nobody && !readableAs(path, nobody.uid, nobody.gid, root)) {
      verbose("apt.ts", `Cannot read ${path} as nobody: permission denied`);
      return null;
    }
    return readText(root + path);
  };
}

function sourceRow(source: string, s: AptSource, root: string, read: ReadAs): Row | null {
  const cache = s.cacheParts.join("_").replaceAll("/", "_");
  const [release] = resolveFilePattern(`/var/lib/apt/lists/${cache}_%Release`, GLOB_FILES, { root });
  if (release === undefined) return null; // apt has not fetched this source: osquery leaves it out
  const text = read(release);
  if (text === null) return null;
  return { ...parseReleaseFile(text), source, base_uri: s.baseUri, name: s.name, pid_with_namespace: 0 };
}

/** Every apt_sources row of the system under `root` ("" for this host). */
export function aptSourcesFrom(root = ""): Row[] {
  const rows: Row[] = [];
  const read = readerFor(root);
  const lists: string[] = [];
  if (existsSync(`${root}/etc/apt/sources.list`)) lists.push("/etc/apt/sources.list");
  for (const item of resolveFilePattern("/etc/apt/sources.list.d/%.list", GLOB_FILES, { root })) lists.push(item);
  for (const file of lists) {
    const text = read(file);
    if (text === null) continue;
    for (const line of osquerySplit(text, "\n")) {
      const s = parseAptSourceLine(line);
      const row = s && sourceRow(file, s, root, read);
      if (row) rows.push(row);
    }
  }
  for (const file of resolveFilePattern("/etc/apt/sources.list.d/%.sources", GLOB_FILES, { root })) {
    const text = read(file);
    if (text === null) continue;
    for (const block of text.split("\n\n")) {
      if (block === "") continue;
      for (const s of parseDeb822Block(block)) {
        const row = sourceRow(file, s, root, read);
        if (row) rows.push(row);
      }
    }
  }
  return rows;
}
