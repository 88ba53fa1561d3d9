// groups: local groups from /etc/group. osquery walks NSS (getgrent_r), which
// on a files-only host is exactly this file: the first entry per gid wins, and
// `gid =` looks up the first entry with that gid (getgrgid_r).
import { readGroups, type GroupEntry } from "../../src/linux/passwd.ts";
import { namespaceTargets } from "../../src/linux/namespaces.ts";
import { defineTable, type QueryContext, type Row } from "../../src/table.ts";
import { parseLong } from "./common.ts";

export default defineTable({
  name: "groups",
  columns: {
    gid: "BIGINT index",
    gid_signed: "BIGINT",
    groupname: "TEXT",
    pid_with_namespace: "INTEGER hidden additional",
    group_sid: "TEXT platform",
    comment: "TEXT platform",
    is_hidden: "INTEGER platform",
  },
  generate(ctx) {
    const rows: Row[] = [];
    for (const { root, pid } of namespaceTargets(ctx)) {
      for (const g of selectGroups(readGroups(root), ctx)) {
        rows.push({ gid: g.gid, gid_signed: g.gid | 0, groupname: g.groupname, pid_with_namespace: pid });
      }
    }
    return rows;
  },
});

export function selectGroups(all: readonly GroupEntry[], ctx: QueryContext): GroupEntry[] {
  if (ctx.equals("gid").length > 0) {
    // osquery takes the gids as a std::set<long long>: each once, ascending.
    const gids = [...new Set(ctx.equals("gid").map(parseLong).filter((n) => n !== null))].sort((a, b) => a - b);
    const out: GroupEntry[] = [];
    for (const gid of gids) {
      const g = all.find((e) => e.gid === gid);
      if (g) out.push(g);
    }
    return out;
  }
  const seen = new Set<number>();
  return all.filter((g) => !seen.has(g.gid) && (seen.add(g.gid), true));
}
