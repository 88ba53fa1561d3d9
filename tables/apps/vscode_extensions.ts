// vscode_extensions: the extension index (extensions/extensions.json) of VS
// Code, VS Code Insiders and their remote-server variants in each selected
// user's home directory.
import { readFileSync } from "node:fs";
import { join } from "node:path";
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
    return usersFromContext(ctx).flatMap((u) => vscodeExtensionsForHome(u.home, u.uid));
  },
});

/** Config directories osquery looks in (sorted as osquery's set orders them) and their edition. */
export const VSCODE_DIRS: readonly (readonly [dir: string, edition: string])[] = [
  [".vscode", "vscode"],
  [".vscode-insiders", "vscode_insiders"],
  [".vscode-server", "vscode"],
  [".vscode-server-insiders", "vscode_insiders"],
];

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
      uuid: str(identifier, "uuid"),
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

export function vscodeExtensionsForHome(home: string, uid: number): Row[] {
  const rows: Row[] = [];
  for (const [dir, edition] of VSCODE_DIRS) {
    let text: string;
    try {
      text = readFileSync(join(home, dir, "extensions", "extensions.json"), "utf8");
    } catch (e) {
      logUnreadable("vscode_extensions.ts", join(home, dir, "extensions", "extensions.json"), e);
      continue;
    }
    for (const item of parseVscodeExtensions(text, uid, edition)) rows.push(item);
  }
  return rows;
}
