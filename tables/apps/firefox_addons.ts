// firefox_addons: add-ons listed in the extensions.json of every Firefox
// profile directory (~/.mozilla/firefox/<profile>/) of the selected users.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { usersFromContext } from "../../src/linux/users.ts";
import { defineTable, type Row } from "../../src/table.ts";
import { children, parseJson, pathCI, scalarText, type Json } from "./ptree_json.ts";
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

// osquery's tryTo<bool> spellings: flags in extensions.json become 1/0.
const BOOL_TEXT = new Map<string, string>([
  ["1", "1"], ["0", "0"], ["y", "1"], ["yes", "1"], ["n", "0"], ["no", "0"], ["t", "1"], ["true", "1"],
  ["f", "0"], ["false", "0"], ["ok", "1"], ["disable", "0"], ["enable", "1"], ["on", "1"], ["off", "0"],
]);

function field(addon: Json, path: string): string {
  const v = pathCI(addon, path);
  const text = scalarText(v);
  // JSON booleans (and the integer columns) read as 1/0 like osquery's jsonBoolAsInt.
  return typeof v === "boolean" ? (v ? "1" : "0") : text;
}

function flag(addon: Json, path: string): string {
  const text = field(addon, path);
  return BOOL_TEXT.get(text.toLowerCase()) ?? text;
}

/** The rows of one profile's extensions.json text. */
export function parseFirefoxExtensions(text: string, uid: number): Row[] {
  const doc = parseJson(text);
  const rows: Row[] = [];
  for (const addon of children(pathCI(doc, "addons"))) {
    const disabled = ["softDisable", "appDisabled", "userDisabled"].some((k) => scalarText(pathCI(addon, k)) === "true");
    rows.push({
      uid,
      name: field(addon, "defaultLocale.name"),
      identifier: field(addon, "id"),
      creator: field(addon, "defaultLocale.creator"),
      type: field(addon, "type"),
      version: field(addon, "version"),
      description: field(addon, "defaultLocale.description"),
      source_url: field(addon, "sourceURI"),
      visible: flag(addon, "visible"),
      active: flag(addon, "active"),
      disabled: disabled ? 1 : 0,
      autoupdate: flag(addon, "applyBackgroundUpdates"),
      location: field(addon, "location"),
      path: field(addon, "path"),
    });
  }
  return rows;
}

/** Every profile directory under ~/.mozilla/firefox that has an extensions.json. */
export function firefoxAddonsForHome(home: string, uid: number): Row[] {
  const base = join(home, ".mozilla/firefox");
  let entries: string[];
  try {
    entries = readdirSync(base, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
  } catch (e) {
    logUnreadable("firefox_addons.ts", base, e);
    return [];
  }
  const rows: Row[] = [];
  for (const name of entries) {
    let text: string;
    try {
      text = readFileSync(join(base, name, "extensions.json"), "utf8");
    } catch (e) {
      logUnreadable("firefox_addons.ts", join(base, name, "extensions.json"), e);
      continue;
    }
    for (const item of parseFirefoxExtensions(text, uid)) rows.push(item);
  }
  return rows;
}
