// firefox_addons: add-ons listed in the extensions.json of every Firefox
// profile directory of the selected users, read as osquery
// (tables/applications/browser_firefox.cpp) reads them with rapidjson.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { GLOB_FOLDERS, resolveFilePattern } from "../../src/linux/glob.ts";
import { usersFromContext } from "../../src/linux/users.ts";
import { verbose } from "../../src/logger/glog.ts";
import { defineTable, type Row } from "../../src/table.ts";
import { logUnreadable } from "../../src/linux/fs.ts";

export default defineTable({
  name: "firefox_addons",
  userData: true,
  columns: {
    uid: "BIGINT additional optimized",
    name: "TEXT",
    identifier: "TEXT index",
    creator: "TEXT",
    type: "TEXT",
    version: "TEXT collate=version",
    description: "TEXT",
    source_url: "TEXT",
    visible: "INTEGER",
    active: "INTEGER",
    disabled: "INTEGER",
    autoupdate: "INTEGER",
    location: "TEXT",
    path: "TEXT",
  },
  generate(ctx) {
    return usersFromContext(ctx).flatMap((u) => firefoxAddonsForHome(u.home, u.uid));
  },
});

/** JSON values as osquery's JSON::valueToString gives them; objects and arrays have none. */
function valueText(v: unknown): string | undefined {
  if (typeof v === "boolean") return v ? "1" : "0";
  // std::to_string(double) prints six decimals.
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : v.toFixed(6);
  if (typeof v === "string") return v;
  if (v === null) return "null";
  return undefined;
}

/** JSON::valueToBool: true, "true"/"t" in any case, or a non-zero number. */
function valueTrue(v: unknown): boolean {
  if (typeof v === "boolean") return v;
  if (typeof v === "string") return v.toLowerCase() === "true" || v.toLowerCase() === "t";
  if (typeof v === "number") return v !== 0;
  return false;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** A member by dotted path, every level but the last an object (exact, case-sensitive keys). */
function nested(addon: Obj, path: string): unknown {
  let cur: unknown = addon;
  for (const key of path.split(".")) {
    if (!isObj(cur) || !Object.hasOwn(cur, key)) return undefined;
    cur = cur[key];
  }
  return cur;
}

/** extensions.json keys and the columns they fill; a missing key leaves its column NULL. */
const ADDON_KEYS: readonly (readonly [key: string, column: string])[] = [
  ["defaultLocale.name", "name"],
  ["id", "identifier"],
  ["type", "type"],
  ["version", "version"],
  ["defaultLocale.creator", "creator"],
  ["defaultLocale.description", "description"],
  ["sourceURI", "source_url"],
  ["visible", "visible"],
  ["active", "active"],
  ["applyBackgroundUpdates", "autoupdate"],
  ["location", "location"],
  ["path", "path"],
];

/** The rows of one profile's extensions.json text. */
export function parseFirefoxExtensions(text: string, uid: number): Row[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    verbose("firefox_addons.ts", `Failed to parse to JSON the extensions file: ${(e as Error).message}`);
    return [];
  }
  if (!isObj(doc) || !Array.isArray(doc.addons)) return [];
  const rows: Row[] = [];
  for (const addon of doc.addons) {
    if (!isObj(addon)) continue;
    const row: Row = { uid };
    for (const [key, column] of ADDON_KEYS) {
      const text = valueText(nested(addon, key));
      if (text !== undefined) row[column] = text;
    }
    row.disabled = ["softDisable", "appDisabled", "userDisabled"].some((k) => valueTrue(addon[k])) ? 1 : 0;
    rows.push(row);
  }
  return rows;
}

/**
 * Where profiles live below a home: the classic directory, the snap's, and
 * the XDG one Firefox 147 creates new profiles in.
 */
export const FIREFOX_PATHS = ["/.mozilla/firefox/", "/snap/firefox/common/.mozilla/firefox/", "/.config/mozilla/firefox/"];

/** Every profile directory (not Crash Reports or Pending Pings) that has an extensions.json. */
export function firefoxAddonsForHome(home: string, uid: number): Row[] {
  const profiles: string[] = [];
  for (const path of FIREFOX_PATHS) {
    // listDirectoriesInDirectory: glob's `dir/*` for folders, trailing '/' removed.
    for (const dir of resolveFilePattern(`${home}${path}%`, GLOB_FOLDERS)) profiles.push(dir.replace(/\/$/, ""));
  }
  const rows: Row[] = [];
  for (const profile of profiles) {
    if (profile.endsWith("Crash Reports") || profile.endsWith("Pending Pings")) continue;
    let text: string;
    try {
      text = readFileSync(join(profile, "extensions.json"), "utf8");
    } catch (e) {
      logUnreadable("firefox_addons.ts", join(profile, "extensions.json"), e);
      continue;
    }
    for (const item of parseFirefoxExtensions(text, uid)) rows.push(item);
  }
  return rows;
}
