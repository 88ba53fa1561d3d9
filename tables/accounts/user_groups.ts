// user_groups: every (uid, gid) membership, as getgrouplist() reports it
// with the files backend: the user's primary group first, then each
// /etc/group entry that lists the user (file order), skipping entries whose
// gid is the primary one.
import { readGroups, readPasswd, type GroupEntry, type PasswdEntry } from "../../src/linux/passwd.ts";
import { defineTable, type Row } from "../../src/table.ts";
import { parseLong } from "./common.ts";

export default defineTable({
  name: "user_groups",
  columns: {
    uid: "BIGINT index optimized",
    gid: "BIGINT index",
  },
  generate(ctx) {
    const users = readPasswd();
    const groups = readGroups();
    let selected: PasswdEntry[];
    if (ctx.equals("uid").length > 0) {
      // getpwuid_r: the first account with each requested uid, the uids taken
      // as osquery's std::set<std::string> holds them (once each, text order).
      selected = [];
      for (const uid of [...new Set(ctx.equals("uid"))].sort().map(parseLong)) {
        const u = uid === null ? undefined : users.find((e) => e.uid === uid);
        if (u) selected.push(u);
      }
    } else {
      // getpwent_r walk, one entry per uid.
      const seen = new Set<number>();
      selected = users.filter((u) => !seen.has(u.uid) && (seen.add(u.uid), true));
    }
    const rows: Row[] = [];
    for (const u of selected) {
      for (const gid of groupList(u.username, u.gid, groups)) rows.push({ uid: u.uid, gid });
    }
    return rows;
  },
});

/** getgrouplist(user, primary) over the given group entries. */
export function groupList(user: string, primary: number, groups: readonly GroupEntry[]): number[] {
  const out = [primary];
  for (const g of groups) {
    if (g.gid !== primary && g.members.includes(user)) out.push(g.gid);
  }
  return out;
}
