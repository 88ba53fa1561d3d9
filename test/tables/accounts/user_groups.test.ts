import { describe, expect, test } from "bun:test";
import userGroups, { groupList } from "../../../tables/accounts/user_groups.ts";
import { parseGroup } from "../../../src/linux/passwd.ts";
import { generate, query } from "../../helpers.ts";
import { run } from "./fixtures.ts";

// Independent source: coreutils `id -G`, which asks getgrouplist() too.
function idGroups(user: string): number[] {
  return run(["id", "-G", user]).stdout.trim().split(/\s+/).filter(Boolean).map(Number);
}

describe("user_groups", () => {
  test("root's groups match id -G root", async () => {
    const rows = await generate(userGroups, { uid: [["=", "0"]] });
    expect(rows.every((r) => r.uid === 0)).toBe(true);
    expect(rows.map((r) => r.gid)).toEqual(idGroups("root"));
  });

  test("every account's groups match id -G", async () => {
    const rows = await generate(userGroups);
    const accounts = run(["getent", "passwd"]).stdout.split("\n").filter(Boolean).map((l) => l.split(":"));
    for (const f of accounts) {
      const mine = rows.filter((r) => r.uid === Number(f[2])).map((r) => r.gid);
      expect(new Set(mine)).toEqual(new Set(idGroups(f[0]!)));
    }
  });

  test("getgrouplist order: primary first, then memberships in file order", () => {
    const groups = parseGroup("wheel:x:10:alice,bob\nstaff:x:50:bob\nusers:x:100:alice\nagain:x:10:alice\n");
    expect(groupList("alice", 100, groups)).toEqual([100, 10, 10]);
    expect(groupList("bob", 1000, groups)).toEqual([1000, 10, 50]);
    expect(groupList("carol", 7, groups)).toEqual([7]);
  });

  test("uid IN (...): each uid once, in text order, as osquery's std::set<std::string> walks them (vs id -G)", () => {
    const accounts = run(["getent", "passwd"]).stdout.split("\n").filter(Boolean).map((l) => l.split(":"));
    const uids = accounts.map((f) => f[2]!);
    const pair = uids.flatMap((a) => uids.map((b) => [a, b] as const)).find(([a, b]) => a < b && Number(a) > Number(b));
    expect(pair, "needs two accounts such as uid 100 and uid 2 in /etc/passwd").toBeDefined();
    const [first, second] = pair!;
    const rows = query(`SELECT uid, gid FROM user_groups WHERE uid IN (${second}, ${first}, ${second})`);
    const name = (uid: string) => accounts.find((f) => f[2] === uid)![0]!;
    const expected = [first, second].flatMap((uid) => idGroups(name(uid)).map((gid) => ({ uid, gid: String(gid) })));
    expect(rows).toEqual(expected);
  });

  test("e2e: user_groups joined with groups for root", () => {
    const rows = query("SELECT ug.gid FROM user_groups ug WHERE ug.uid = 0");
    expect(rows.map((r) => Number(r.gid))).toEqual(idGroups("root"));
  });
});
