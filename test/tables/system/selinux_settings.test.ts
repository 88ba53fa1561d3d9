// selinux_settings: a selinuxfs-shaped fixture, and the live table vs /proc/mounts.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import selinuxSettings, { selinuxSettings as readSettings } from "../../../tables/system/selinux_settings.ts";
import { generate, query } from "../../helpers.ts";

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

  test("live: rows only when selinuxfs is mounted", async () => {
    const mounted = readFileSync("/proc/mounts", "utf8").split("\n").some((l) => l.split(" ")[2] === "selinuxfs");
    const rows = await generate(selinuxSettings);
    expect(rows.length > 0).toBe(mounted);
    expect(query("SELECT count(*) AS n FROM selinux_settings")).toEqual([{ n: String(rows.length) }]);
  });
});
