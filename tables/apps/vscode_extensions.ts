// vscode_extensions: the extension index (extensions/extensions.json) of VS
// Code and its forks (VS Code Insiders, VSCodium, Cursor, Windsurf/Devin,
// Trae) and their remote-server variants in each selected user's home
// directory. As osquery (tables/applications/vscode_extensions.cpp), the
// configuration directories are read in the order of its (uid, path,
// edition) set, and uuid is the metadata's id.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { compareBytes } from "../../src/linux/glob.ts";
import { usersFromContext } from "../../src/linux/users.ts";
import { defineTable, type Row } from "../../src/table.ts";
import { verbose } from "../../src/logger/glog.ts";
import { logUnreadable } from "../../src/linux/fs.ts";

export default defineTable({
  name: "vscode_extensions",
  userData: true,
  columns: {
    name: "TEXT",
    uuid: "TEXT collate=nocase",
    version: "TEXT collate=version",
    path: "TEXT",
    publisher: "TEXT",
    publisher_id: "TEXT",
    installed_at: "BIGINT",
    prerelease: "INTEGER",
    uid: "BIGINT additional optimized",
    vscode_edition: "TEXT",
  },
  generate(ctx) {
    const dirs = usersFromContext(ctx).flatMap((u) => configDirs(u.home, u.uid));
    return dirs.sort(compareConfDirs).flatMap(readExtensionsJson);
  },
});

/** Config directories osquery looks in below a home, and the edition each belongs to. */
export const VSCODE_DIRS: readonly (readonly [dir: string, edition: string])[] = [
  [".vscode-server", "vscode"],
  [".vscode", "vscode"],
  [".vscode-server-insiders", "vscode_insiders"],
  [".vscode-insiders", "vscode_insiders"],
  // VSCodium's stable edition does not follow the pattern.
  [".vscode-oss", "vscodium"],
  [".vscodium-server", "vscodium"],
  [".vscodium-insiders", "vscodium_insiders"],
  [".vscodium-server-insiders", "vscodium_insiders"],
  [".cursor", "cursor"],
  [".cursor-server", "cursor"],
  [".windsurf", "windsurf"],
  [".windsurf-server", "windsurf"],
  // Windsurf's rebrand as Devin Desktop writes here; the old path stays.
  [".devin", "windsurf"],
  [".trae", "trae"],
  [".trae-server", "trae"],
];

interface ConfDir {
  readonly uid: number;
  readonly path: string;
  readonly edition: string;
}

function configDirs(home: string, uid: number): ConfDir[] {
  return VSCODE_DIRS.map(([dir, edition]) => ({ uid, path: join(home, dir), edition }));
}

/** osquery's std::set<ConfDir> order: uid as text, then path, then edition. */
function compareConfDirs(a: ConfDir, b: ConfDir): number {
  return compareBytes(String(a.uid), String(b.uid)) || compareBytes(a.path, b.path) || compareBytes(a.edition, b.edition);
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (o: Obj, k: string): string | undefined => (typeof o[k] === "string" ? (o[k] as string) : undefined);

/** Rows from one extensions.json text; entries without identifier/metadata/location objects are skipped. */
export function parseVscodeExtensions(text: string, uid: number, edition: string): Row[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    verbose("vscode_extensions.ts", `extensions.json is not JSON: ${(e as Error).message}`);
    return [];
  }
  if (!Array.isArray(doc)) return [];
  const rows: Row[] = [];
  for (const ext of doc) {
    if (!isObj(ext) || !isObj(ext.identifier) || !isObj(ext.metadata) || !isObj(ext.location)) continue;
    const { identifier, metadata, location } = ext;
    const installed = metadata.installedTimestamp;
    const pre = metadata.isPreReleaseVersion;
    rows.push({
      name: str(identifier, "id"),
      // identifier.uuid is often missing; metadata.id carries the same value.
      uuid: str(metadata, "id"),
      version: str(ext, "version"),
      path: str(location, "path"),
      publisher: str(metadata, "publisherDisplayName"),
      publisher_id: str(metadata, "publisherId"),
      installed_at: typeof installed === "number" && Number.isInteger(installed) ? installed : undefined,
      prerelease: typeof pre === "boolean" ? (pre ? 1 : 0) : undefined,
      uid,
      vscode_edition: edition,
    });
  }
  return rows;
}

function readExtensionsJson(d: ConfDir): Row[] {
  let text: string;
  try {
    text = readFileSync(join(d.path, "extensions", "extensions.json"), "utf8");
  } catch (e) {
    logUnreadable("vscode_extensions.ts", join(d.path, "extensions", "extensions.json"), e);
    return [];
  }
  return parseVscodeExtensions(text, d.uid, d.edition);
}

/** The rows of every configuration directory below one home, in osquery's order. */
export function vscodeExtensionsForHome(home: string, uid: number): Row[] {
  return configDirs(home, uid).sort(compareConfDirs).flatMap(readExtensionsJson);
}
