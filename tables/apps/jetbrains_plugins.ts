// jetbrains_plugins: plugins installed in the per-version config directories
// of JetBrains IDEs (~/.local/share/JetBrains/<Product><version>/). A plugin
// is either a jar directly in that directory or a directory whose lib/ holds
// the jar; either way its name, vendor and version come from the jar's
// META-INF/plugin.xml.
import { readdirSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { readZipEntry } from "../../src/linux/zip.ts";
import { usersFromContext } from "../../src/linux/users.ts";
import { defineTable, type Row } from "../../src/table.ts";
import { logUnreadable } from "../../src/linux/fs.ts";

export default defineTable({
  name: "jetbrains_plugins",
  userData: true,
  columns: {
    product_type: "TEXT",
    uid: "BIGINT index",
    name: "TEXT",
    version: "TEXT collate=version",
    vendor: "TEXT",
    path: "TEXT",
  },
  generate(ctx) {
    return usersFromContext(ctx).flatMap((u) => jetbrainsPluginsForHome(u.home, u.uid));
  },
});

/**
 * Product directory prefixes under ~/.local/share/JetBrains and the
 * product_type osquery reports (its RustRover name really is "rust_rov").
 * Prefixes overlap (PyCharm also matches PyCharmCE...), as they do in osquery.
 */
export const JETBRAINS_PRODUCTS: readonly (readonly [prefix: string, product: string])[] = [
  ["CLion", "clion"],
  ["DataGrip", "datagrip"],
  ["GoLand", "goland"],
  ["IntelliJIdea", "intellij_idea"],
  ["IdeaIC", "intellij_idea_community_edition"],
  ["PhpStorm", "phpstorm"],
  ["PyCharm", "pycharm"],
  ["PyCharmCE", "pycharm_community_edition"],
  ["ReSharper", "resharper"],
  ["Rider", "rider"],
  ["RubyMine", "rubymine"],
  ["RustRover", "rust_rov"],
  ["WebStorm", "webstorm"],
];

export interface PluginInfo {
  readonly name: string;
  readonly vendor: string;
  readonly version: string;
}

function tagContent(xml: string, tag: string): string {
  // The first <tag ...>...</tag>, contents kept verbatim (osquery does not trim).
  const m = new RegExp(`<${tag}[\\s\\S]*?>([\\s\\S]*?)<\\/${tag}>`).exec(xml);
  return m ? m[1]! : "";
}

/** name, vendor and version of a plugin.xml, as osquery extracts them. */
export function parsePluginXml(xml: string): PluginInfo {
  return {
    name: xml.includes("<name>") ? tagContent(xml, "name") : "",
    vendor: xml.includes("<vendor") ? tagContent(xml, "vendor") : "",
    version: xml.includes("<version>") ? tagContent(xml, "version") : "",
  };
}

/**
 * A plugin descriptor is a few kilobytes (the largest JetBrains ships are
 * tens); anything past this is not one and is not inflated.
 */
export const MAX_PLUGIN_XML_BYTES = 4 * 1024 * 1024;

/** plugin.xml of a jar, parsed; null when the file is not an archive holding a readable one. */
export function pluginFromJar(path: string): PluginInfo | null {
  const xml = readZipEntry(path, "META-INF/plugin.xml", MAX_PLUGIN_XML_BYTES);
  if (!xml || xml.length === 0) return null;
  return parsePluginXml(xml.toString("utf8"));
}

/** IntelliJ's heuristic: a file name ending in "-<digit>" or "-m<digit>" is a versioned library. */
export function isVersionedLibraryName(name: string): boolean {
  const i = name.lastIndexOf("-");
  if (i < 0 || i + 1 >= name.length) return false;
  const c = name[i + 1]!;
  if (c >= "0" && c <= "9") return true;
  const d = name[i + 2];
  return (c === "m" || c === "M") && d !== undefined && d >= "0" && d <= "9";
}

/** Orders lib/ jars so the one most likely to hold plugin.xml comes first (IntelliJ's rules). */
export function sortPluginJars(pluginDirName: string, files: string[]): string[] {
  const dir = pluginDirName.toLowerCase();
  const key = (path: string) => {
    const name = basename(path);
    const lower = name.toLowerCase();
    return [
      name.startsWith("resources") ? 1 : 0,
      isVersionedLibraryName(name) ? 1 : 0,
      lower.startsWith(dir) ? 0 : 1,
      lower.endsWith("-idea.jar") ? 1 : 0,
      name === "database-plugin.jar" ? 1 : 0,
      name.length,
    ];
  };
  return [...files].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    for (let i = 0; i < ka.length; i++) if (ka[i]! !== kb[i]!) return ka[i]! - kb[i]!;
    return 0;
  });
}

/**
 * Files and directories of `dir` as osquery's listFilesInDirectory and
 * listDirectoriesInDirectory give them: glob's `dir/*`, so sorted and
 * without dot entries.
 */
function list(dir: string): { files: string[]; dirs: string[] } {
  const files: string[] = [];
  const dirs: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((n) => !n.startsWith("."))
      .sort();
  } catch (e) {
    logUnreadable("jetbrains_plugins.ts", dir, e);
    return { files, dirs };
  }
  for (const name of names) {
    const path = join(dir, name);
    try {
      const st = statSync(path);
      if (st.isDirectory()) dirs.push(path);
      else if (st.isFile()) files.push(path);
    } catch {
      // Nothing to report for a dangling link or a vanished entry.
      // dangling link or vanished entry
    }
  }
  return { files, dirs };
}

/** Plugins of one product config directory (e.g. ~/.local/share/JetBrains/IntelliJIdea2024.3). */
export function pluginsInDirectory(dir: string, product: string, uid: number): Row[] {
  const rows: Row[] = [];
  const { files, dirs } = list(dir);
  for (const jar of files) {
    const info = pluginFromJar(jar);
    if (info) rows.push({ product_type: product, uid, path: jar, ...info });
  }
  for (const pluginDir of dirs) {
    const jars = sortPluginJars(basename(pluginDir), list(join(pluginDir, "lib")).files);
    for (const jar of jars) {
      const info = pluginFromJar(jar);
      if (info) {
        rows.push({ product_type: product, uid, path: pluginDir, ...info });
        break;
      }
    }
  }
  return rows;
}

export function jetbrainsPluginsForHome(home: string, uid: number): Row[] {
  const base = join(home, ".local/share/JetBrains");
  const { dirs } = list(base);
  const rows: Row[] = [];
  for (const [prefix, product] of JETBRAINS_PRODUCTS) {
    for (const dir of dirs) {
      if (basename(dir).startsWith(prefix)) for (const item of pluginsInDirectory(dir, product, uid)) rows.push(item);
    }
  }
  return rows;
}
