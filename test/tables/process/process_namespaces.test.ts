// process_namespaces: inodes against `stat -L` of the namespace links.
import { describe, expect, test } from "bun:test";
import type { Row } from "../../../src/table.ts";
import processNamespaces from "../../../tables/process/process_namespaces.ts";
import { generate, query } from "../../helpers.ts";

const KINDS = ["cgroup", "ipc", "mnt", "net", "pid", "user", "uts"];

function statInode(pid: number, kind: string): string | undefined {
  const r = Bun.spawnSync(["stat", "-L", "-c", "%i", `/proc/${pid}/ns/${kind}`]);
  return r.exitCode === 0 ? r.stdout.toString().trim() : undefined;
}

describe("process_namespaces", () => {
  test("generator: every namespace inode of this process matches stat -L", async () => {
    const rows = await generate(processNamespaces, { pid: [["=", String(process.pid)]] });
    expect(rows.length).toBe(1);
    const expected: Row = { pid: process.pid };
    for (const k of KINDS) {
      const ino = statInode(process.pid, k);
      if (ino !== undefined) expected[`${k}_namespace`] = ino;
    }
    expect(rows[0]).toEqual(expected);
    expect(rows[0]?.net_namespace).toMatch(/^\d+$/);
  });

  test("end to end", () => {
    const rows = query(`SELECT net_namespace, mnt_namespace FROM process_namespaces WHERE pid = ${process.pid}`);
    expect(rows).toEqual([{ net_namespace: statInode(process.pid, "net") ?? "", mnt_namespace: statInode(process.pid, "mnt") ?? "" }]);
  });
});
