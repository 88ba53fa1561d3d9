import { describe, expect, test } from "bun:test";
import users, { selectLocal, userRow } from "../../../tables/accounts/users.ts";
import { QueryContext } from "../../../src/table.ts";
import { generate, query } from "../../helpers.ts";
import { run } from "./fixtures.ts";

// Independent source: NSS through getent (files backend on this host).
function getentPasswd(...keys: string[]): string[][] {
  return run(["getent", "passwd", ...keys]).stdout.split("\n").filter(Boolean).map((l) => l.split(":"));
}

function expected(f: string[]) {
  return {
    uid: Number(f[2]),
    gid: Number(f[3]),
    username: f[0],
    description: f[4],
    directory: f[5],
    shell: f[6],
  };
}

describe("users", () => {
  test("every account of getent passwd, in order, with osquery's columns", async () => {
    const rows = await generate(users);
    const want = getentPasswd();
    expect(want.length).toBeGreaterThan(0);
    expect(rows.map((r) => ({ uid: r.uid, gid: r.gid, username: r.username, description: r.description, directory: r.directory, shell: r.shell }))).toEqual(want.map(expected));
    for (const r of rows) {
      expect(r.uid_signed).toBe(Number(r.uid) | 0);
      expect(r.pid_with_namespace).toBe(0);
      expect(r.include_remote).toBe(0);
    }
  });

  test("uid = and username = select single accounts", async () => {
    const byUid = await generate(users, { uid: [["=", "0"]] });
    expect(byUid.map((r) => r.username)).toEqual([getentPasswd("0")[0]![0]]);
    const [some] = getentPasswd().slice(-1);
    const byName = await generate(users, { username: [["=", some![0]!]] });
    expect(byName.map((r) => r.uid)).toEqual([Number(some![2])]);
    expect(await generate(users, { uid: [["=", "not-a-number"]] })).toHaveLength(getentPasswd().length);
    expect(await generate(users, { uid: [["=", "987654"]] })).toEqual([]);
  });

  test("include_remote = 1 goes through NSS and is flagged", async () => {
    const rows = await generate(users, { include_remote: [["=", "1"]] });
    expect(rows.map((r) => r.username)).toEqual(getentPasswd().map((f) => f[0]));
    expect(rows.every((r) => r.include_remote === 1)).toBe(true);
    const root = await generate(users, { include_remote: [["=", "1"]], uid: [["=", "0"]] });
    expect(root.map((r) => r.username)).toEqual([getentPasswd("0")[0]![0]]);
  });

  test("pid_with_namespace reads the process's root and stamps the pid", async () => {
    const rows = await generate(users, { pid_with_namespace: [["=", String(process.pid)]] });
    expect(rows.map((r) => r.username)).toEqual(getentPasswd().map((f) => f[0]));
    expect(rows.every((r) => r.pid_with_namespace === process.pid)).toBe(true);
    expect(await generate(users, { pid_with_namespace: [["=", "999999999"]] })).toEqual([]);
  });

  test("signed ids and the username-over-uid rule on fixture entries", () => {
    const nobody = { username: "nfs", password: "x", uid: 4294967294, gid: 4294967295, gecos: "", home: "/", shell: "/bin/false" };
    const row = userRow(nobody);
    expect(row.uid_signed).toBe(-2);
    expect(row.gid_signed).toBe(-1);
    const a = { ...nobody, username: "a", uid: 1 };
    const b = { ...nobody, username: "b", uid: 2 };
    const ctx = new QueryContext(new Map([["uid", [{ op: 2, expr: "1" }]], ["username", [{ op: 2, expr: "b" }]]]));
    expect(selectLocal([a, b], ctx).map((e) => e.username)).toEqual(["b"]);
  });

  test("include_remote = 1 with uid IN (...): each uid once, in text order, as osquery's std::set<std::string> walks them", () => {
    const uids = getentPasswd().map((f) => f[2]!);
    // two uids whose text order differs from their numeric order, e.g. 100 before 2
    const pair = uids.flatMap((a) => uids.map((b) => [a, b] as const)).find(([a, b]) => a < b && Number(a) > Number(b));
    expect(pair, "needs two accounts such as uid 100 and uid 2 in /etc/passwd").toBeDefined();
    const [first, second] = pair!;
    const rows = query(`SELECT uid FROM users WHERE include_remote = 1 AND uid IN (${second}, ${first}, ${second})`);
    expect(rows.map((r) => r.uid)).toEqual([first, second]);
  });

  test("e2e: SELECT * matches getent and hides the hidden columns", () => {
    const rows = query("SELECT * FROM users");
    expect(rows.map((r) => [r.uid, r.username, r.directory, r.shell])).toEqual(getentPasswd().map((f) => [f[2], f[0], f[5], f[6]]));
    expect(Object.keys(rows[0]!).sort()).toEqual(["description", "directory", "gid", "gid_signed", "shell", "uid", "uid_signed", "username", "uuid"]);
    const root = query("SELECT username, pid_with_namespace, include_remote FROM users WHERE uid = 0");
    expect(root).toEqual([{ username: getentPasswd("0")[0]![0]!, pid_with_namespace: "0", include_remote: "0" }]);
  });
});
