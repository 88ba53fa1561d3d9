// chrome_extensions: extensions of every Chrome-family browser profile of the
// selected users (osquery's user_data semantics: the querying user unless a
// uid/username constraint names others).
import { usersFromContext } from "../../src/linux/users.ts";
import { defineTable, type Row } from "../../src/table.ts";
import { chromeProfilesForHome, webkitToUnix, type ChromeProfile } from "./chrome.ts";

export default defineTable({
  name: "chrome_extensions",
  userData: true,
  columns: {
    browser_type: "TEXT",
    uid: "BIGINT index optimized",
    name: "TEXT",
    profile: "TEXT",
    profile_path: "TEXT",
    referenced_identifier: "TEXT",
    identifier: "TEXT",
    version: "TEXT collate=version",
    description: "TEXT",
    default_locale: "TEXT aliases=locale",
    current_locale: "TEXT",
    update_url: "TEXT",
    author: "TEXT",
    persistent: "INTEGER",
    path: "TEXT",
    permissions: "TEXT",
    permissions_json: "TEXT hidden",
    optional_permissions: "TEXT",
    optional_permissions_json: "TEXT hidden",
    manifest_hash: "TEXT collate=nocase",
    referenced: "BIGINT",
    from_webstore: "TEXT",
    state: "TEXT",
    install_time: "TEXT",
    install_timestamp: "BIGINT",
    manifest_json: "TEXT hidden",
    key: "TEXT hidden",
  },
  generate(ctx) {
    return usersFromContext(ctx).flatMap((u) => chromeExtensionsForHome(u.home, u.uid));
  },
});

/** The chrome_extensions rows of one user's home directory. */
export function chromeExtensionsForHome(home: string, uid: number): Row[] {
  return chromeProfilesForHome(home, uid).flatMap(profileRows);
}

function profileRows(profile: ChromeProfile): Row[] {
  return profile.extensions.map((ext) => {
    const prop = (name: string, fallback = ""): string => ext.properties.get(name) ?? fallback;
    const setting = (name: string): string => ext.settings.get(name) ?? "";
    return {
      browser_type: profile.browser,
      uid: profile.uid,
      name: prop("name"),
      profile: profile.name,
      profile_path: profile.path,
      referenced_identifier: setting("referenced_identifier"),
      identifier: ext.identifier,
      version: prop("version"),
      description: prop("description"),
      // The hidden alias column `locale` is filled from this one by the engine.
      default_locale: prop("default_locale"),
      current_locale: prop("current_locale"),
      update_url: prop("update_url"),
      author: prop("author"),
      persistent: prop("persistent").toLowerCase() === "true" ? 1 : 0,
      path: ext.path,
      permissions: prop("permissions"),
      permissions_json: prop("permissions_json", "{}"),
      optional_permissions: prop("optional_permissions"),
      optional_permissions_json: prop("optional_permissions_json", "{}"),
      manifest_hash: ext.manifestHash,
      referenced: ext.referenced ? 1 : 0,
      from_webstore: setting("from_webstore"),
      state: setting("state"),
      install_time: setting("install_time"),
      install_timestamp: webkitToUnix(setting("install_time")),
      manifest_json: ext.manifestJson,
      key: prop("key"),
    };
  });
}
