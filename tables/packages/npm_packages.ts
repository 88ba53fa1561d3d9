// npm_packages: node packages installed in global node_modules directories
// (and, below them, their own nested node_modules up to max_depth levels),
// one row per package.json, as osquery searches them.
import { GLOB_ALL, resolveFilePattern } from "../../src/linux/glob.ts";
import { namespaceRoots, stampNamespace } from "../../src/linux/namespaces.ts";
import { DEFAULT_MAX_DEPTH, NODE_MODULES_PATTERNS, npmSiteRows } from "../../src/linux/npm.ts";
import { defineTable } from "../../src/table.ts";

export default defineTable({
  name: "npm_packages",
  columns: {
    name: "TEXT",
    version: "TEXT collate=version",
    description: "TEXT",
    author: "TEXT",
    license: "TEXT",
    homepage: "TEXT",
    path: "TEXT",
    directory: "TEXT index optimized",
    depth: "INTEGER",
    max_depth: "INTEGER hidden additional",
    pid_with_namespace: "INTEGER hidden additional",
    mount_namespace_id: "TEXT hidden",
  },
  generate(ctx) {
    const [first] = ctx.equals("max_depth");
    const maxDepth = (first !== undefined ? leadingInt(first) : null) ?? DEFAULT_MAX_DEPTH;
    return namespaceRoots(ctx).flatMap((ns) => {
      const given = ctx.equals("directory");
      let sites: string[];
      if (given.length > 0) {
        sites = [...new Set(given)].sort();
      } else {
        const found = new Set<string>();
        for (const p of NODE_MODULES_PATTERNS) for (const s of resolveFilePattern(p, GLOB_ALL, { root: ns.root })) found.add(s);
        sites = [...found].sort();
      }
      return stampNamespace(
        sites.flatMap((site) => npmSiteRows(site, maxDepth, ns.root)),
        ns,
      );
    });
  },
});

/** std::stoi-like: the leading integer of the text, or null. */
function leadingInt(text: string): number | null {
  const m = /^\s*([+-]?\d+)/.exec(text);
  return m?.[1] !== undefined ? Number.parseInt(m[1], 10) : null;
}

