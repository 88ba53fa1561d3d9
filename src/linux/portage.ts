// Gentoo's Portage: installed packages under /var/db/pkg/<category>/<pf>/,
// the world set (/var/lib/portage/world) and the package.keywords,
// package.mask, package.unmask files of /etc/portage, read with osquery's
// rules for its portage_packages, portage_use and portage_keywords tables.
import type { Row } from "../table.ts";
import { GLOB_FOLDERS, resolveFilePattern } from "./glob.ts";
import { osquerySplit as split } from "./split.ts";
import { readText } from "./fs.ts";

export const PORTAGE_PACKAGE_DIR = "/var/db/pkg";
export const PORTAGE_WORLD = "/var/lib/portage/world";
export const PORTAGE_KEYWORDS = "/etc/portage/package.keywords";
export const PORTAGE_MASK = "/etc/portage/package.mask";
export const PORTAGE_UNMASK = "/etc/portage/package.unmask";

const isDigit = (c: string | undefined) => c !== undefined && c >= "0" && c <= "9";

/**
 * Splits an atom such as `>=dev-lang/python-3.11.8-r2` into the package
 * (`dev-lang/python`) and the version with its operator (`>=3.11.8-r2`); a
 * lone leading '=' is dropped. The version starts at the last '-' followed by
 * a digit (or the one before it, for an `-rN` revision), and only after the
 * category's '/': an atom without one keeps its whole text as the package.
 */
export function splitPackageVersion(atom: string): [pkg: string, version: string] {
  let s = atom.endsWith("/") ? atom.slice(0, -1) : atom;
  let version = "";
  while (s.startsWith(">") || s.startsWith("<") || s.startsWith("=")) {
    if (!(version.length === 0 && s.startsWith("="))) version += s[0];
    s = s.slice(1);
  }
  const divider = s.indexOf("/");
  const tryAt = (pos: number): boolean => {
    if (divider >= 0 && pos > divider && pos < s.length - 1 && isDigit(s[pos + 1])) {
      version += s.slice(pos + 1);
      s = s.slice(0, pos);
      return true;
    }
    return false;
  };
  const last = s.lastIndexOf("-");
  if (!tryAt(last) && last > 0) tryAt(s.lastIndexOf("-", last - 1));
  return [s, version];
}

/** The installed package directories, as `category/pf` names with their paths. */
export function listInstalled(root = ""): { atom: string; dir: string }[] {
  const base = `${PORTAGE_PACKAGE_DIR}/`;
  return resolveFilePattern(`${base}*/*`, GLOB_FOLDERS, { root }).map((dir) => ({
    atom: dir.slice(base.length).replace(/\/$/, ""),
    dir: root + dir.replace(/\/$/, ""),
  }));
}

/** The package names in the world file (comments and blank lines skipped). */
export function parseWorld(text: string): Set<string> {
  const world = new Set<string>();
  for (const line of split(text, "\n")) {
    const [first] = split(line);
    if (first === undefined || first.startsWith("#")) continue;
    world.add(splitPackageVersion(first)[0]);
  }
  return world;
}

function trimmed(path: string): string | undefined {
  const t = readText(path);
  return t === null ? undefined : t.trim();
}

/** portage_packages rows: one per installed package directory. */
export function portagePackages(root = ""): Row[] {
  const worldText = readText(root + PORTAGE_WORLD);
  if (worldText === null) return []; // osquery needs the world file to list anything
  const world = parseWorld(worldText);
  return listInstalled(root).map(({ atom, dir }) => {
    const [pkg, version] = splitPackageVersion(atom);
    return {
      package: pkg,
      version,
      slot: trimmed(`${dir}/SLOT`),
      build_time: trimmed(`${dir}/BUILD_TIME`),
      repository: trimmed(`${dir}/repository`),
      eapi: trimmed(`${dir}/EAPI`),
      size: trimmed(`${dir}/SIZE`),
      world: world.has(pkg) ? 1 : 0,
    };
  });
}

/** portage_use rows: one per USE flag recorded for each installed package. */
export function portageUse(root = ""): Row[] {
  const rows: Row[] = [];
  for (const { atom, dir } of listInstalled(root)) {
    const use = trimmed(`${dir}/USE`);
    if (!use) continue;
    const [pkg, version] = splitPackageVersion(atom);
    for (const flag of split(use, " ")) rows.push({ package: pkg, version, use: flag });
  }
  return rows;
}

/**
 * portage_keywords rows from the three files' texts: one per distinct atom,
 * with its first keyword and whether package.mask/package.unmask name it.
 * (osquery, tables/system/linux/portage.cpp, tests `unmasked.empty()` where
 * it means the opposite, so it lists nothing when only package.unmask has
 * entries; osq deliberately lists them.)
 */
export function parseKeywordSummary(keywords: string, masked: string, unmasked: string): Row[] {
  const entries = new Map<string, { package: string; version: string; keyword: string; mask: number; unmask: number }>();
  const lines = (text: string) =>
    split(text, "\n")
      .map((l) => split(l))
      .filter((f): f is [string, ...string[]] => f.length > 0 && !(f[0] as string).startsWith("#"));
  for (const f of lines(keywords)) {
    const [pkg, version] = splitPackageVersion(f[0]);
    const keyword = f[1] !== undefined ? f[1].trim().replace(/\s+/g, " ") : "";
    if (!keyword.startsWith("#") && !entries.has(f[0])) entries.set(f[0], { package: pkg, version, keyword, mask: 0, unmask: 0 });
  }
  for (const [text, flag] of [
    [masked, "mask"],
    [unmasked, "unmask"],
  ] as const) {
    for (const f of lines(text)) {
      const found = entries.get(f[0]);
      if (found) {
        found[flag] = 1;
        continue;
      }
      const [pkg, version] = splitPackageVersion(f[0]);
      entries.set(f[0], { package: pkg, version, keyword: "", mask: flag === "mask" ? 1 : 0, unmask: flag === "unmask" ? 1 : 0 });
    }
  }
  return [...entries.values()];
}

export function portageKeywords(root = ""): Row[] {
  return parseKeywordSummary(
    readText(root + PORTAGE_KEYWORDS) ?? "",
    readText(root + PORTAGE_MASK) ?? "",
    readText(root + PORTAGE_UNMASK) ?? "",
  );
}
