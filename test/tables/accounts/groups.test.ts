import { describe, expect, test } from "bun:test";
import groups, { selectGroups } from "../../../tables/accounts/groups.ts";
import { parseGroup } from "../../../src/linux/passwd.ts";
import { QueryContext } from "../../../src/table.ts";
import { generate, query } from "../../helpers.ts";
import { run } from "./fixtures.ts";

function getentGroup(...keys: string[]): string[][] {
  return run(["getent", "group", ...keys]).stdout.split("\n").filter(Boolean).map((l) => l.split(":"));
}

/** getgrent semantics: the first entry of each gid. */
function firstPerGid(entries: string[][]): string[][] {
  const seen = new Set<string>();
  return entries.filter((f) => !seen.has(f[2]!) && (seen.add(f[2]!), true));
}

describe("groups", () => {
  test("matches getent group", async () => {
    const rows = await generate(groups);
    const want = firstPerGid(getentGroup());
    expect(want.length).toBeGreaterThan(0);
    expect(rows.map((r) => [r.gid, r.gid_signed, r.groupname, r.pid_with_namespace])).toEqual(
      want.map((f) => [Number(f[2]), Number(f[2]) | 0, f[0], 0]),
    );
  });

  test("gid = looks up one group", async () => {
    const [last] = getentGroup().slice(-1);
    const rows = await generate(groups, { gid: [["=", last![2]!]] });
    expect(rows.map((r) => r.groupname)).toEqual([getentGroup(last![2]!)[0]![0]]);
    expect(await generate(groups, { gid: [["=", "987654"]] })).toEqual([]);
  });

  test("duplicate gids keep the first entry; gid = finds the first too", () => {
    const all = parseGroup("a:x:10:\nb:x:10:u\nc:x:4294967295:\n");
    expect(selectGroups(all, new QueryContext()).map((g) => g.groupname)).toEqual(["a", "c"]);
    const ctx = new QueryContext(new Map([["gid", [{ op: 2, expr: "10" }]]]));
    expect(selectGroups(all, ctx).map((g) => g.groupname)).toEqual(["a"]);
  });

  test("gid IN (...) gives each group once, by ascending gid, as osquery's std::set<long long> walks them", () => {
    const gids = firstPerGid(getentGroup()).map((f) => Number(f[2])).sort((x, y) => x - y);
    expect(gids.length, "needs two groups in /etc/group").toBeGreaterThan(1);
    const [lo, hi] = [gids[0]!, gids[gids.length - 1]!];
    const rows = query(`SELECT gid, groupname FROM groups WHERE gid IN (${hi}, ${lo}, ${hi})`);
    expect(rows.map((r) => r.gid)).toEqual([String(lo), String(hi)]);
    expect(rows.map((r) => r.groupname)).toEqual([getentGroup(String(lo))[0]![0], getentGroup(String(hi))[0]![0]]);
  });

  test("e2e: SELECT * FROM groups", () => {
    const rows = query("SELECT * FROM groups");
    expect(rows.map((r) => [r.gid, r.groupname])).toEqual(firstPerGid(getentGroup()).map((f) => [f[2], f[0]]));
    expect(Object.keys(rows[0]!).sort()).toEqual(["gid", "gid_signed", "groupname"]);
  });
});
