// augeas (alias configurations): configuration files as libaugeas's tree, one
// row per node. `node` (= an augeas path expression, LIKE with % → * and
// %% → /*) and `path` (a file path: its own node and everything below it;
// = or LIKE) narrow the match; without them every node under /files is
// listed. Lenses come from --augeas_lenses; when that flag is left at
// osquery's default and the directory is absent (osquery's package is not
// installed), Debian's augeas-lenses directory is used instead. No rows when
// libaugeas is missing.
import { existsSync } from "node:fs";
import { flags } from "../../src/flags/flags.ts";
import { augeasMatch } from "../../src/linux/libaugeas.ts";
import { verbose } from "../../src/logger/glog.ts";
import { defineTable, Op, type QueryContext, type Row } from "../../src/table.ts";

/** Where Debian's augeas-lenses package puts the lenses. */
export const SYSTEM_LENSES = "/usr/share/augeas/lenses/dist";

export default defineTable({
  name: "augeas",
  aliases: ["configurations"],
  columns: {
    node: "TEXT index",
    value: "TEXT",
    label: "TEXT",
    path: "TEXT additional",
  },
  generate(ctx) {
    const patterns = augeasPatterns(ctx);
    const nodes = augeasMatch(lensDirectory(), patterns.length === 0 ? "/files//*" : patterns.join("|"));
    return (nodes ?? []).map((n): Row => {
      let path = "";
      if (n.file !== null) path = n.file.slice(6);
      else if (n.node.startsWith("/files")) path = n.node.slice(6);
      return { node: n.node, value: n.value ?? "", path, label: n.label ?? "" };
    });
  },
});

function lensDirectory(): string {
  const dir = flags.get("augeas_lenses");
  if (flags.isSet("augeas_lenses") || existsSync(dir) || !existsSync(SYSTEM_LENSES)) return dir;
  verbose("augeas.cpp", `No augeas lenses in ${dir}: using ${SYSTEM_LENSES}`);
  return SYSTEM_LENSES;
}

/** osquery's patternsFromOsquery: a constraint value as augeas path expressions. */
export function constraintPatterns(input: string, isLike: boolean, isPath: boolean): string[] {
  let pattern = isPath ? `/files${input}` : input;
  if (isLike) pattern = pattern.replaceAll("%%", "/*").replaceAll("%", "*");
  // A file's own node and, below it, its contents; unless the pattern already ends in a wildcard.
  if (isPath && !pattern.endsWith("*")) return [pattern, `${pattern}//*`];
  return [pattern];
}

export function augeasPatterns(ctx: QueryContext): string[] {
  const out = new Set<string>(ctx.equals("node"));
  const add = (list: readonly string[], isLike: boolean, isPath: boolean) => {
    for (const v of list) if (v !== "") for (const p of constraintPatterns(v, isLike, isPath)) out.add(p);
  };
  add(ctx.valuesOf("node", Op.LIKE), true, false);
  add(ctx.equals("path"), false, true);
  add(ctx.valuesOf("path", Op.LIKE), true, true);
  return [...out];
}
