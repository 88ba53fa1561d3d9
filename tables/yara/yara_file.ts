// yara_file (alias yara): files named by `path` (= or IN, and LIKE patterns
// expanded to readable regular files) scanned with the rule sets the query
// names: sig_group (the config's yara.signatures), sigfile (relative names
// under /etc/osquery/yara/), sigrule (inline) or sigurl (an allowed
// yara.signature_urls address). One row per file and rule set whose scan ran,
// matched or not; a file that cannot be read gives no row, as libyara's scan
// fails for it, and so does one larger than the engine takes (MAX_SCAN_BYTES).
import { readFileSync, statSync } from "node:fs";
import { verbose } from "../../src/logger/glog.ts";
import { MAX_SCAN_BYTES } from "../../src/yara/engine.ts";
import { GLOB_FILES, GLOB_NO_CANON, compareBytes, resolveFilePattern } from "../../src/linux/glob.ts";
import { isRegularFile, logUnreadable } from "../../src/linux/fs.ts";
import { forEachNamespace, type NamespaceTarget } from "../../src/linux/namespaces.ts";
import { defineTable, Op, type QueryContext, type Row } from "../../src/table.ts";
import { matchRow, ruleSets, scanBuffer, scanDelay } from "../../src/yara/scan.ts";

export default defineTable({
  name: "yara_file",
  aliases: ["yara"],
  columns: {
    path: "TEXT required index",
    matches: "TEXT",
    count: "INTEGER",
    sig_group: "TEXT additional",
    sigfile: "TEXT additional",
    sigrule: "TEXT hidden additional",
    strings: "TEXT",
    tags: "TEXT",
    sigurl: "TEXT hidden additional",
    pid_with_namespace: "INTEGER hidden additional",
  },
  generate: (ctx) => forEachNamespace(ctx, (ns) => scanFiles(ctx, ns)),
});

function targetPaths(ctx: QueryContext, root: string): string[] {
  const out = new Set(ctx.equals("path"));
  // LIKE patterns keep only what osquery's expansion keeps: regular files.
  for (const pattern of ctx.valuesOf("path", Op.LIKE)) {
    for (const p of resolveFilePattern(pattern, GLOB_FILES | GLOB_NO_CANON, { root })) if (isRegularFile(root + p)) out.add(p);
  }
  return [...out].sort(compareBytes);
}

async function scanFiles(ctx: QueryContext, ns: NamespaceTarget): Promise<Row[]> {
  const paths = targetPaths(ctx, ns.root);
  if (paths.length === 0) return [];
  const sets = await ruleSets(ctx);
  if (!sets) return [];
  const rows: Row[] = [];
  for (const path of paths) {
    let data: Buffer;
    try {
      const size = statSync(ns.root + path).size;
      if (size > MAX_SCAN_BYTES) {
        verbose("yara.cpp", `${path} is not scanned: ${size} bytes is more than the embedded YARA engine takes (${MAX_SCAN_BYTES})`);
        continue;
      }
      data = readFileSync(ns.root + path);
    } catch (e) {
      logUnreadable("yara.cpp", ns.root + path, e);
      continue;
    }
    for (const set of sets) {
      const matches = await scanBuffer(set.rules, data);
      if (matches) rows.push({ path, ...matchRow(set, matches) });
      await scanDelay();
    }
  }
  return rows;
}
