// chrome_extension_content_scripts: one row per (match pattern, script) pair
// of each extension's content_scripts, for every Chrome-family profile of the
// selected users.
import { usersFromContext } from "../../src/linux/users.ts";
import { defineTable, type Row } from "../../src/table.ts";
import { chromeProfilesForHome } from "./chrome.ts";

export default defineTable({
  name: "chrome_extension_content_scripts",
  userData: true,
  columns: {
    browser_type: "TEXT",
    uid: "BIGINT index optimized",
    identifier: "TEXT",
    version: "TEXT collate=version",
    script: "TEXT",
    match: "TEXT",
    profile_path: "TEXT",
    path: "TEXT",
    referenced: "BIGINT",
  },
  generate(ctx) {
    return usersFromContext(ctx).flatMap((u) => chromeContentScriptsForHome(u.home, u.uid));
  },
});

/** The content-script rows of one user's home directory. */
export function chromeContentScriptsForHome(home: string, uid: number): Row[] {
  const rows: Row[] = [];
  for (const profile of chromeProfilesForHome(home, uid)) {
    for (const ext of profile.extensions) {
      for (const cs of ext.contentScripts) {
        rows.push({
          browser_type: profile.browser,
          uid: profile.uid,
          // osquery looks this up in a settings key that is never filled, so
          // it always reports ""; the extension's id (as chrome_extensions
          // reports it) is what the column is documented to hold.
          identifier: ext.identifier,
          version: ext.properties.get("version") ?? "",
          script: cs.script,
          match: cs.match,
          profile_path: profile.path,
          path: ext.path,
          referenced: ext.referenced ? 1 : 0,
        });
      }
    }
  }
  return rows;
}
