// `npm run package`'s artifacts, made by scripts/package.ts for the x86_64 deb,
// the aarch64 rpm and the x64 tarball, then checked with Debian's own tools:
// dpkg installs the .deb into a scratch root and removes it again, rpm lists
// the .rpm, systemd-analyze checks the unit, and the installed osqueryi answers.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../helpers.ts";
import { inMountNamespace, overlay, sh } from "../mount_namespace.ts";
import { tool } from "../tools.ts";
import { binaryOf, copyInto, ensureTargets, highestGlibc, inChroot, lddFiles, lmdbAddonOf, ok, run, scratch } from "./fixture.ts";

const VERSION = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;

let out = "";
let deb = "";
let rpm = "";
let tarball = "";

beforeAll(() => {
  ensureTargets(["linux-x64", "linux-arm64"]);
  out = scratch("packages");
  ok([process.execPath, "scripts/package.ts", `--out=${out}`, "--only=deb-amd64,rpm-aarch64,tar-linux-x64"], { cwd: ROOT });
  deb = join(out, `osq_${VERSION}_amd64.deb`);
  rpm = join(out, `osq-${VERSION}-1.aarch64.rpm`);
  tarball = join(out, `osq-${VERSION}-linux-x64.tar.gz`);
}, 300_000);

afterAll(() => {
  if (out) rmSync(out, { recursive: true, force: true });
});

/** osquery's Linux layout; the rpm keeps the environment file and init script where Red Hat hosts do. */
function layout(flavor: "deb" | "rpm"): string[] {
  const env = flavor === "deb" ? "/etc/default/osqueryd" : "/etc/sysconfig/osqueryd";
  const unit = flavor === "deb" ? "/lib/systemd/system/osqueryd.service" : "/usr/lib/systemd/system/osqueryd.service";
  const init = flavor === "deb" ? "/etc/init.d/osqueryd" : "/etc/rc.d/init.d/osqueryd";
  return [
    "/opt/osquery/bin/osqueryd",
    "/opt/osquery/bin/osqueryi",
    "/opt/osquery/bin/osqueryctl",
    "/usr/bin/osqueryd",
    "/usr/bin/osqueryi",
    "/usr/bin/osqueryctl",
    "/opt/osquery/share/osquery/osquery.example.conf",
    "/opt/osquery/share/osquery/packs/incident-response.conf",
    "/opt/osquery/share/osquery/packs/osquery-monitoring.conf",
    "/etc/osquery",
    "/var/osquery",
    "/var/log/osquery",
    env,
    unit,
    init,
  ].sort();
}

/** Only the paths that are files, links or the package's own leaf directories. */
function leaves(paths: readonly string[]): string[] {
  const all = paths.map((p) => p.replace(/^\.\//, "/").replace(/\/$/, "")).filter((p) => p !== "" && p !== "/" && p !== ".");
  return all.filter((p) => !all.some((q) => q.startsWith(`${p}/`)) || p === "/etc/osquery").sort();
}

function dpkgRoot(root: string, args: readonly string[]): string {
  // The maintainer scripts run from the host's /bin/sh with DPKG_ROOT set (the scratch root has no shell).
  return ok([tool("dpkg", "dpkg"), `--root=${root}`, "--force-script-chrootless", ...args]);
}

function emptyDpkgRoot(): string {
  const root = scratch("dpkg-root");
  mkdirSync(join(root, "var/lib/dpkg/info"), { recursive: true });
  mkdirSync(join(root, "var/lib/dpkg/updates"), { recursive: true });
  writeFileSync(join(root, "var/lib/dpkg/status"), "");
  return root;
}

function installedStatus(root: string, pkg: string): string {
  const r = run([tool("dpkg-query", "dpkg"), `--root=${root}`, "-W", "-f=${Status}", pkg]);
  return r.code === 0 ? r.stdout : "not known";
}

describe("deb", () => {
  test("declares osquery's name, only libc, and keeps its settings as conffiles", () => {
    const field = (name: string) => ok([tool("dpkg-deb", "dpkg"), "-f", deb, name]).trim();
    expect(field("Package")).toBe("osq");
    expect(field("Architecture")).toBe("amd64");
    expect(field("Provides")).toBe("osquery");
    expect(field("Replaces")).toBe("osquery");
    expect(field("Conflicts")).toBe("osquery");
    expect(field("Depends")).toBe("libc6 (>= 2.17)");
    // The dependency is what this Debian host has (so an offline install finds it).
    expect(ok([tool("dpkg-query", "dpkg"), "-W", "-f=${Status}", "libc6"])).toBe("install ok installed");
    const control = scratch("control");
    try {
      ok([tool("dpkg-deb", "dpkg"), "-e", deb, control]);
      expect(readFileSync(join(control, "conffiles"), "utf8").trim().split("\n").sort()).toEqual(["/etc/default/osqueryd", "/etc/init.d/osqueryd"]);
    } finally {
      rmSync(control, { recursive: true, force: true });
    }
    const listed = ok([tool("dpkg-deb", "dpkg"), "-c", deb]).trim().split("\n").map((l) => (l.split(/\s+/)[5] ?? "").replace(/^\./, ""));
    expect(leaves(listed)).toEqual(layout("deb"));
  });

  test("installs into a scratch root, osqueryi answers from there, removal keeps /etc/osquery and /var/osquery", () => {
    const root = emptyDpkgRoot();
    try {
      // --force-depends: the scratch root's dpkg database knows no libc6; the host's libraries are copied in below.
      dpkgRoot(root, ["--force-depends", "-i", deb]);
      expect(installedStatus(root, "osq")).toBe("install ok installed");
      const installed = join(root, "opt/osquery/bin/osqueryd");
      expect(createHash("sha256").update(readFileSync(installed)).digest("hex")).toBe(createHash("sha256").update(readFileSync(binaryOf("linux-x64"))).digest("hex"));
      // The host's glibc plays the package's one dependency.
      copyInto(root, lddFiles(installed));
      const one = inChroot(root, ["/usr/bin/osqueryi", "--json", "select 1 as one"]);
      expect(one.stderr).toBe("");
      expect(JSON.parse(one.stdout)).toEqual([{ one: "1" }]);
      // osqueryd through its /usr/bin link checks the example config, as the unit would run it.
      const check = inChroot(root, ["/usr/bin/osqueryd", "--config_path=/opt/osquery/share/osquery/osquery.example.conf", "--config_check"]);
      expect(check.stderr).toBe("");
      expect(check.code).toBe(0);
      // The admin's config and a database (the shell keeps none at the default path, so another name), then removal.
      copyFileSync(join(root, "opt/osquery/share/osquery/osquery.example.conf"), join(root, "etc/osquery/osquery.conf"));
      const db = inChroot(root, ["/usr/bin/osqueryi", "--database_path=/var/osquery/osq.db", "--json", "select instance_id from osquery_info"]);
      expect(db.code).toBe(0);
      expect(existsSync(join(root, "var/osquery/osq.db"))).toBe(true);
      dpkgRoot(root, ["-r", "osq"]);
      expect(installedStatus(root, "osq")).toBe("deinstall ok config-files");
      expect(existsSync(join(root, "opt/osquery/bin/osqueryd"))).toBe(false);
      expect(existsSync(join(root, "usr/bin/osqueryi"))).toBe(false);
      expect(existsSync(join(root, "lib/systemd/system/osqueryd.service"))).toBe(false);
      expect(readdirSync(join(root, "etc/osquery"))).toEqual(["osquery.conf"]);
      expect(existsSync(join(root, "var/osquery/osq.db"))).toBe(true);
      expect(existsSync(join(root, "etc/default/osqueryd"))).toBe(true);
      // Purging drops the package's own conffiles, never what the admin and the agent wrote.
      dpkgRoot(root, ["-P", "osq"]);
      expect(existsSync(join(root, "etc/default/osqueryd"))).toBe(false);
      expect(readdirSync(join(root, "etc/osquery"))).toEqual(["osquery.conf"]);
      expect(existsSync(join(root, "var/osquery/osq.db"))).toBe(true);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 120_000);

  test("installs in place of an installed osquery package and keeps its /etc/osquery", () => {
    const root = emptyDpkgRoot();
    const fake = scratch("fake-osquery");
    try {
      // A stand-in for osquery's package: its name, its binary path and its conffile.
      mkdirSync(join(fake, "DEBIAN"));
      writeFileSync(join(fake, "DEBIAN/control"), "Package: osquery\nVersion: 5.12.1-1.linux\nArchitecture: amd64\nMaintainer: test <test@localhost>\nDescription: stand-in for osquery\n");
      writeFileSync(join(fake, "DEBIAN/conffiles"), "/etc/default/osqueryd\n");
      mkdirSync(join(fake, "opt/osquery/bin"), { recursive: true });
      writeFileSync(join(fake, "opt/osquery/bin/osqueryd"), "#!/bin/sh\necho osquery\n", { mode: 0o755 });
      mkdirSync(join(fake, "etc/default"), { recursive: true });
      writeFileSync(join(fake, "etc/default/osqueryd"), 'FLAG_FILE="/etc/osquery/osquery.flags"\n');
      mkdirSync(join(fake, "etc/osquery"), { recursive: true });
      ok([tool("dpkg-deb", "dpkg"), "--root-owner-group", "--build", fake, join(fake, "..", "osquery-standin.deb")]);
      dpkgRoot(root, ["-i", join(fake, "..", "osquery-standin.deb")]);
      mkdirSync(join(root, "etc/osquery"), { recursive: true });
      writeFileSync(join(root, "etc/osquery/osquery.conf"), '{"schedule": {}}\n');
      writeFileSync(join(root, "etc/osquery/osquery.flags"), "--verbose\n");
      dpkgRoot(root, ["--force-depends", "-i", deb]);
      expect(installedStatus(root, "osq")).toBe("install ok installed");
      expect(installedStatus(root, "osquery")).not.toContain("installed");
      expect(readFileSync(join(root, "etc/osquery/osquery.conf"), "utf8")).toBe('{"schedule": {}}\n');
      expect(readFileSync(join(root, "etc/osquery/osquery.flags"), "utf8")).toBe("--verbose\n");
      expect(readFileSync(join(root, "opt/osquery/bin/osqueryd")).subarray(0, 4).toString("latin1")).toBe("\x7fELF");
    } finally {
      rmSync(root, { recursive: true, force: true });
      rmSync(fake, { recursive: true, force: true });
      rmSync(join(fake, "..", "osquery-standin.deb"), { force: true });
    }
  }, 120_000);

  test("systemd-analyze verify accepts osqueryd.service, which reads FLAG_FILE and CONFIG_FILE from /etc/default/osqueryd", () => {
    const root = scratch("unit");
    const upper = scratch("opt-overlay");
    try {
      ok([tool("dpkg-deb", "dpkg"), "-x", deb, root]);
      const unitPath = join(root, "lib/systemd/system/osqueryd.service");
      const unit = readFileSync(unitPath, "utf8");
      expect(unit).toContain("EnvironmentFile=/etc/default/osqueryd\n");
      expect(unit).toMatch(/^ExecStart=\/opt\/osquery\/bin\/osqueryd --flagfile \$FLAG_FILE --config_path \$CONFIG_FILE$/m);
      const env = readFileSync(join(root, "etc/default/osqueryd"), "utf8");
      expect(env).toContain('FLAG_FILE="/etc/osquery/osquery.flags"');
      expect(env).toContain('CONFIG_FILE="/etc/osquery/osquery.conf"');
      const analyze = tool("systemd-analyze", "systemd");
      // verify checks that ExecStart's program exists: /opt/osquery comes from the package, in a private namespace only.
      const [verdict] = inMountNamespace(
        [...overlay("/opt", upper), "mkdir -p /opt/osquery", `mount --bind ${sh(join(root, "opt/osquery"))} /opt/osquery`],
        [`${analyze} verify ${sh(unitPath)} 2>&1; echo "exit=$?"`],
      );
      expect(verdict?.trim()).toBe("exit=0");
      // Without the binary, verify does refuse the unit: the check above is not vacuous.
      const missing = run([analyze, "verify", unitPath]);
      expect(existsSync("/opt/osquery/bin/osqueryd")).toBe(false);
      expect(missing.code).not.toBe(0);
      expect(missing.stderr).toContain("/opt/osquery/bin/osqueryd");
    } finally {
      rmSync(root, { recursive: true, force: true });
      rmSync(upper, { recursive: true, force: true });
    }
  }, 60_000);
});

describe("libc floor", () => {
  // The deb and rpm declare glibc >= 2.17: no symbol the binaries or the lmdb
  // addons they embed bind to is newer, and some need 2.17 itself.
  test.each(["linux-x64", "linux-arm64"] as const)("%s and its lmdb addon need glibc 2.17 at most, by symbol version", async (target) => {
    expect(highestGlibc(binaryOf(target))).toBe("2.17");
    expect(highestGlibc(await lmdbAddonOf(target))).toBe("2.17");
  });
});

describe("rpm", () => {
  test("rpm -qlp lists osquery's layout; it provides and obsoletes osquery and needs only glibc", () => {
    const rpmBin = tool("rpm", "rpm");
    expect(ok([rpmBin, "-qp", "--qf", "%{NAME} %{VERSION} %{ARCH}", rpm])).toBe(`osq ${VERSION} aarch64`);
    expect(leaves(ok([rpmBin, "-qlp", rpm]).trim().split("\n"))).toEqual(layout("rpm"));
    expect(ok([rpmBin, "-qp", "--provides", rpm])).toContain(`osquery = ${VERSION}-1`);
    expect(ok([rpmBin, "-qp", "--obsoletes", rpm]).trim()).toBe(`osquery < ${VERSION}-1`);
    const requires = ok([rpmBin, "-qp", "--requires", rpm]).trim().split("\n").filter((r) => !r.startsWith("rpmlib("));
    expect([...new Set(requires)].sort()).toEqual(["/bin/sh", "glibc >= 2.17"]);
    expect(ok([rpmBin, "-qpc", rpm]).trim().split("\n").sort()).toEqual(["/etc/rc.d/init.d/osqueryd", "/etc/sysconfig/osqueryd"]);
    // rpmbuild must not strip the binary: Bun's program is appended to its runtime.
    const dump = ok([rpmBin, "-qp", "--dump", rpm]).split("\n").find((l) => l.startsWith("/opt/osquery/bin/osqueryd "));
    const digest = createHash("sha256").update(readFileSync(binaryOf("linux-arm64"))).digest("hex");
    expect(dump?.split(" ")[3]).toBe(digest);
  });

  test("rpm installs into a scratch root with its unit reading /etc/sysconfig/osqueryd; erasing it keeps /etc/osquery and /var/osquery", () => {
    const rpmBin = tool("rpm", "rpm");
    const root = scratch("rpm-root");
    try {
      ok([rpmBin, `--root=${root}`, "--initdb"]);
      // --noscripts: the scratch root has no /bin/sh for the scriptlets; --nodeps: its database knows no glibc.
      ok([rpmBin, `--root=${root}`, "-i", "--nodeps", "--ignorearch", "--noscripts", rpm]);
      expect(readFileSync(join(root, "usr/lib/systemd/system/osqueryd.service"), "utf8")).toContain("EnvironmentFile=/etc/sysconfig/osqueryd\n");
      expect(readFileSync(join(root, "etc/sysconfig/osqueryd"), "utf8")).toContain('CONFIG_FILE="/etc/osquery/osquery.conf"');
      // The installed arm64 shell answers (through its osqueryi link) under qemu.
      const qemu = tool("qemu-aarch64-static", "qemu-user-static");
      const one = run([qemu, "-L", "/usr/aarch64-linux-gnu", join(root, "opt/osquery/bin/osqueryi"), "--json", "select 1 as one"]);
      expect(one.stderr).toBe("");
      expect(JSON.parse(one.stdout)).toEqual([{ one: "1" }]);
      writeFileSync(join(root, "etc/osquery/osquery.conf"), "{}\n");
      writeFileSync(join(root, "var/osquery/osquery.db"), "");
      ok([rpmBin, `--root=${root}`, "-e", "--noscripts", "osq"]);
      expect(existsSync(join(root, "opt/osquery/bin/osqueryd"))).toBe(false);
      expect(existsSync(join(root, "usr/bin/osqueryi"))).toBe(false);
      expect(readdirSync(join(root, "etc/osquery"))).toEqual(["osquery.conf"]);
      expect(readdirSync(join(root, "var/osquery"))).toEqual(["osquery.db"]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 60_000);
});

describe("tarball", () => {
  test("holds the deb's layout, owned by root, with the x64 binary", () => {
    const listing = ok([tool("tar", "tar"), "-tvzf", tarball]).trim().split("\n");
    expect(leaves(listing.map((l) => (l.split(/\s+/)[5] ?? "")))).toEqual(layout("deb"));
    for (const l of listing) expect(l.split(/\s+/)[1]).toBe("0/0");
  });
});

describe("share/osquery", () => {
  test("every query of the example config and of the shipped packs runs on osq", () => {
    const root = scratch("share");
    try {
      ok([tool("dpkg-deb", "dpkg"), "-x", deb, root]);
      const share = join(root, "opt/osquery/share/osquery");
      // The example config's comment lines are dropped the way osquery's config parser drops them.
      const text = readFileSync(join(share, "osquery.example.conf"), "utf8").split("\n").filter((l) => !/^\s*(\/\/|#)/.test(l)).join("\n");
      const example = JSON.parse(text) as { schedule: Record<string, { query: string }>; decorators: { load: string[] } };
      const queries = [...Object.values(example.schedule).map((q) => q.query), ...example.decorators.load];
      const packs = readdirSync(join(share, "packs"));
      expect(packs.sort()).toEqual(["incident-response.conf", "osquery-monitoring.conf"]);
      for (const pack of packs) {
        const parsed = JSON.parse(readFileSync(join(share, "packs", pack), "utf8")) as { queries: Record<string, { query: string; interval: number }> };
        for (const q of Object.values(parsed.queries)) {
          expect(q.interval).toBeGreaterThan(0);
          queries.push(q.query);
        }
      }
      expect(queries.length).toBeGreaterThan(10);
      for (const sql of queries) {
        const r = run([join(root, "opt/osquery/bin/osqueryi"), "--json", sql]);
        expect({ sql, code: r.code, stderr: r.stderr }).toEqual({ sql, code: 0, stderr: "" });
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 60_000);
});

describe("osqueryctl", () => {
  function unpacked(): string {
    const root = scratch("ctl");
    ok([tool("dpkg-deb", "dpkg"), "-x", deb, root]);
    return root;
  }
  function ctl(root: string, args: readonly string[], env: Record<string, string>) {
    return run([join(root, "opt/osquery/bin/osqueryctl"), ...args], { env: { EXEC: join(root, "opt/osquery/bin/osqueryd"), ...env } });
  }

  test("config-check passes on the example config and fails on a broken one", () => {
    const root = unpacked();
    try {
      const example = join(root, "opt/osquery/share/osquery/osquery.example.conf");
      const good = ctl(root, ["config-check"], { CONFIG_FILE: example, FLAG_FILE: join(root, "none.flags") });
      expect(good.stderr).toBe("");
      expect(good.code).toBe(0);
      writeFileSync(join(root, "broken.conf"), '{"schedule": {');
      const bad = ctl(root, ["config-check"], { CONFIG_FILE: join(root, "broken.conf"), FLAG_FILE: join(root, "none.flags") });
      expect(bad.code).toBe(1);
      expect(bad.stderr).not.toBe("");
      const none = ctl(root, ["config-check"], { CONFIG_FILE: join(root, "absent.conf"), FLAG_FILE: join(root, "none.flags") });
      expect(none.code).toBe(4);
      expect(none.stderr).toContain(`No osquery config file found at ${join(root, "absent.conf")}`);
      // As osquery's, it is for root only, whatever the command.
      chmodSync(root, 0o755);
      const user = run([tool("setpriv", "util-linux"), "--reuid=65534", "--regid=65534", "--clear-groups", join(root, "opt/osquery/bin/osqueryctl"), "status"]);
      expect(user.code).toBe(4);
      expect(user.stderr).toContain("User has insufficient privileges.");
      const usage = ctl(root, ["frobnicate"], {});
      expect(usage.code).toBe(2);
      expect(usage.stderr).toMatch(/^Usage: .*osqueryctl \{clean\|config-check\|start\|stop\|status\|restart\}\n$/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test("start, status, restart, stop and clean drive the SysV init script on a host without systemd", async () => {
    if (existsSync("/run/systemd/system")) throw new Error("this test needs a host where systemd is not the init (it drives the SysV script)");
    const root = unpacked();
    try {
      const flags = join(root, "osquery.flags");
      const db = join(root, "db");
      const pidfile = join(root, "osqueryd.pid");
      writeFileSync(flags, [`--database_path=${db}`, `--logger_path=${root}`, "--disable_watchdog=true", ""].join("\n"));
      const env = {
        INIT_SCRIPT: join(root, "etc/init.d/osqueryd"),
        CONFIG_FILE: join(root, "opt/osquery/share/osquery/osquery.example.conf"),
        FLAG_FILE: flags,
        PIDFILE: pidfile,
        DATABASE: db,
      };
      const before = ctl(root, ["status"], env);
      expect(before.stdout).toBe("osqueryd is not running.\n");
      expect(before.code).toBe(3);
      const start = ctl(root, ["start"], env);
      expect(start.code).toBe(0);
      const waitFor = async (cond: () => boolean) => {
        for (let i = 0; i < 100 && !cond(); i++) await Bun.sleep(100);
        return cond();
      };
      expect(await waitFor(() => existsSync(pidfile) && existsSync(join(db, "data.mdb")))).toBe(true);
      const pid = Number(readFileSync(pidfile, "utf8").trim());
      const status = ctl(root, ["status"], env);
      expect(status.stdout).toBe(`osqueryd is running: ${pid}\n`);
      expect(status.code).toBe(0);
      expect(readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")).toContain(`--config_path=${env.CONFIG_FILE}`);
      expect(ctl(root, ["restart"], env).code).toBe(0);
      expect(await waitFor(() => existsSync(pidfile) && Number(readFileSync(pidfile, "utf8").trim()) !== pid)).toBe(true);
      const second = Number(readFileSync(pidfile, "utf8").trim());
      expect(existsSync(`/proc/${pid}`)).toBe(false);
      expect(ctl(root, ["stop"], env).code).toBe(0);
      expect(existsSync(`/proc/${second}`)).toBe(false);
      expect(existsSync(pidfile)).toBe(false);
      expect(ctl(root, ["clean"], env).code).toBe(0);
      expect(existsSync(db)).toBe(false);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 60_000);
});
