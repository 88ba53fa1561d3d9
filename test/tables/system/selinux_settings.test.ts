// selinux_settings: a selinuxfs-shaped fixture, and the binary's rows on this
// host against the test's own reading of the selinuxfs mount (found in
// /proc/mounts, listed with find(1)), or no rows when none is mounted.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { selinuxSettings as readSettings } from "../../../tables/system/selinux_settings.ts";
import { query } from "../../helpers.ts";

let dir = "";

function put(path: string, content: string): void {
  mkdirSync(join(dir, path, ".."), { recursive: true });
  writeFileSync(join(dir, path), content);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "osq-selinux-"));
  put("enforce", "1");
  put("policyvers", "33");
  put("booleans/httpd_can_network_connect", "1 1");
  put("booleans/ftpd_full_access", "0 0");
  put("booleans/pending", "0 1");
  put("policy_capabilities/open_perms", "1");
  put("initial_contexts/kernel", "system_u:system_r:kernel_t:s0");
  put("class/file/index", "7");
  put("class/file/perms/read", "1");
  put("class/file/perms/write", "2");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every file (not a directory) below `root`, by find(1); none when `root` is missing. */
function findFiles(root: string): string[] {
  const r = Bun.spawnSync(["find", root, "-mindepth", "1", "!", "-type", "d"], { stderr: "pipe" });
  if (r.exitCode !== 0 && !r.stderr.toString().includes("No such file")) throw new Error(`find ${root} failed: ${r.stderr.toString().trim()}`);
  return r.stdout.toString().split("\n").filter((p) => p !== "" && !p.slice(root.length).split("/").some((c) => c.startsWith(".")));
}

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    // A file selinuxfs will not let us read gives no row: the table skips it too.
    return null;
  }
}

/** The rows osquery's selinux_settings gives for a selinuxfs at `mnt`, as "scope|key|value" (NULL as ""). */
function expectedRows(mnt: string): string[] {
  const rows: string[] = [];
  for (const key of ["checkreqprot", "deny_unknown", "enforce", "mls", "policyvers", "reject_unknown"]) rows.push(`|${key}|${readOrNull(join(mnt, key)) ?? ""}`);
  for (const scope of ["booleans", "policy_capabilities", "initial_contexts"]) {
    for (const file of findFiles(join(mnt, scope))) {
      const raw = readOrNull(file);
      if (raw === null) continue;
      const key = file.slice(file.lastIndexOf("/") + 1);
      if (scope !== "booleans") rows.push(`${scope}|${key}|${raw}`);
      else if (raw === "1 1" || raw === "0 0") rows.push(`${scope}|${key}|${raw === "1 1" ? "on" : "off"}`);
    }
  }
  const classRoot = join(mnt, "class");
  for (const file of findFiles(classRoot)) {
    const rel = file.slice(classRoot.length + 1);
    const cut = rel.lastIndexOf("/");
    if (cut < 0 || rel.slice(cut + 1) === "index") continue;
    rows.push(`class|${rel.slice(0, cut)}|${rel.slice(cut + 1)}`);
  }
  return rows.sort();
}

describe("selinux_settings", () => {
  test("fixture: root keys, scopes and classes as osquery shapes them", () => {
    const rows = readSettings(dir);
    expect(rows.slice(0, 6)).toEqual([
      { scope: "", key: "checkreqprot", value: undefined },
      { scope: "", key: "deny_unknown", value: undefined },
      { scope: "", key: "enforce", value: "1" },
      { scope: "", key: "mls", value: undefined },
      { scope: "", key: "policyvers", value: "33" },
      { scope: "", key: "reject_unknown", value: undefined },
    ]);
    expect(rows.slice(6)).toEqual([
      { scope: "booleans", key: "ftpd_full_access", value: "off" },
      { scope: "booleans", key: "httpd_can_network_connect", value: "on" },
      { scope: "policy_capabilities", key: "open_perms", value: "1" },
      { scope: "initial_contexts", key: "kernel", value: "system_u:system_r:kernel_t:s0" },
      { scope: "class", key: "file/perms", value: "read" },
      { scope: "class", key: "file/perms", value: "write" },
    ]);
  });

  test("the test's own reader agrees with the table on the fixture", () => {
    const fromTable = readSettings(dir).map((r) => `${r.scope}|${r.key}|${r.value ?? ""}`);
    expect(expectedRows(dir)).toEqual(fromTable.sort());
  });

  test("live: the binary's rows are the files of the mounted selinuxfs, or none when it is not mounted", () => {
    // /proc/mounts escapes a space in a mount point as \040.
    const mnt = readFileSync("/proc/mounts", "utf8")
      .split("\n")
      .map((l) => l.split(" "))
      .find((f) => f[2] === "selinuxfs")?.[1]
      ?.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
    const rows = query("SELECT scope, key, value FROM selinux_settings").map((r) => `${r.scope}|${r.key}|${r.value}`);
    expect(rows.sort()).toEqual(mnt === undefined ? [] : expectedRows(mnt));
  });
});
