// apparmor_profiles: a securityfs-shaped fixture tree, and the live table vs securityfs presence.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import apparmorProfiles, { apparmorProfiles as readProfiles } from "../../../tables/system/apparmor_profiles.ts";
import { generate, OSQUERYI, query } from "../../helpers.ts";
import { inMountNamespace, sh } from "../../mount_namespace.ts";

/** Where AppArmor's securityfs lists the loaded profiles (osquery's source). */
const APPARMOR_PROFILES = "/sys/kernel/security/apparmor/policy/profiles";
let dir = "";

function profile(path: string, fields: Record<string, string>): void {
  mkdirSync(path, { recursive: true });
  for (const [k, v] of Object.entries(fields)) writeFileSync(join(path, k), `${v}\n`);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "osq-aa-"));
  profile(join(dir, "usr.bin.man.1"), { name: "/usr/bin/man", mode: "enforce", attach: "/usr/bin/man", sha1: "aa11" });
  profile(join(dir, "usr.bin.man.1/profiles/man_groff.2"), { name: "man_groff", mode: "enforce", attach: "<unconfined>", sha256: "bb22" });
  profile(join(dir, "lsb_release.3"), { name: "lsb_release", mode: "complain", attach: "/usr/bin/lsb_release" });
  profile(join(dir, "broken.4"), { name: "broken" });
  profile(join(dir, "both.5"), { name: "both", mode: "enforce", attach: "both", sha1: "cc33", sha256: "dd44" });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("apparmor_profiles", () => {
  test("fixture: nested profiles get parent//child paths; sha256 else sha1, the other ''; unreadable or hashless ones are skipped", () => {
    expect(readProfiles(dir)).toEqual([
      { path: "/usr/bin/man", name: "/usr/bin/man", attach: "/usr/bin/man", mode: "enforce", sha1: "aa11", sha256: "" },
      { path: "/usr/bin/man//man_groff", name: "man_groff", attach: "<unconfined>", mode: "enforce", sha1: "", sha256: "bb22" },
      { path: "both", name: "both", attach: "both", mode: "enforce", sha1: "", sha256: "dd44" },
    ]);
  });

  test("live: rows only where AppArmor's securityfs is present, one per profile directory", async () => {
    const rows = await generate(apparmorProfiles);
    if (!existsSync(APPARMOR_PROFILES)) {
      expect(rows).toEqual([]);
    } else {
      const top = Bun.spawnSync(["sh", "-c", `ls -d ${APPARMOR_PROFILES}/*/ | wc -l`]).stdout.toString().trim();
      expect(rows.filter((r) => !String(r.path).includes("//")).length).toBe(Number(top));
    }
    expect(query("SELECT count(*) AS n FROM apparmor_profiles")).toEqual([{ n: String(rows.length) }]);
  });

  test("e2e: the fixture tree at securityfs's profiles directory (private mount namespace)", () => {
    const [out] = inMountNamespace(
      ["mount -t tmpfs osq-aa /sys/kernel/security", `mkdir -p ${APPARMOR_PROFILES}`, `cp -a ${sh(dir)}/. ${APPARMOR_PROFILES}/`],
      [`${sh(OSQUERYI)} --json 'SELECT path, name, attach, mode, sha1, sha256 FROM apparmor_profiles'`],
    );
    expect(JSON.parse(out ?? "")).toEqual([
      { path: "/usr/bin/man", name: "/usr/bin/man", attach: "/usr/bin/man", mode: "enforce", sha1: "aa11", sha256: "" },
      { path: "/usr/bin/man//man_groff", name: "man_groff", attach: "<unconfined>", mode: "enforce", sha1: "", sha256: "bb22" },
      { path: "both", name: "both", attach: "both", mode: "enforce", sha1: "", sha256: "dd44" },
    ]);
  });
});
