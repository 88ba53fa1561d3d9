// deb_packages and deb_package_files against dpkg's own tools on this host,
// and against a fixture admindir for the states this host does not have.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseControl, parseDebVersion, readDpkgDatabase } from "../../../src/linux/dpkg.ts";
import debPackageFiles from "../../../tables/packages/deb_package_files.ts";
import debPackages from "../../../tables/packages/deb_packages.ts";
import { generate, query } from "../../helpers.ts";
import { tool } from "../../tools.ts";

const fixture = mkdtempSync(join(tmpdir(), "osq-dpkg-"));
afterAll(() => rmSync(fixture, { recursive: true, force: true }));

mkdirSync(join(fixture, "info"));
mkdirSync(join(fixture, "updates"));
writeFileSync(
  join(fixture, "status"),
  `Package: alpha
Status: install ok installed
Priority: Optional
Section: utils
Installed-Size: 12
Maintainer: A <a@example.org>
Architecture: amd64
Source: alpha-src (1.0)
Version: 2:1.0-3ubuntu1
Description: first
 continued description

Package: beta
Status: deinstall ok config-files
Architecture: all
Version: 0:4.5

Package: gone
Status: purge ok not-installed
Architecture: amd64

Package: libz
Status: install ok installed
Architecture: i386
Multi-Arch: same
Version: 1.2.13
Priority: extra-special

Package: libz
Status: install ok installed
Architecture: amd64
Multi-Arch: same
Version: 1.2.13
`,
);
// The journal replaces alpha's stanza: dpkg reads it on top of status.
writeFileSync(join(fixture, "updates", "0001"), "Package: alpha\nStatus: install ok unpacked\nArchitecture: amd64\nVersion: 2:1.1-1\n");
writeFileSync(join(fixture, "updates", "tmp.i"), "Package: alpha\nStatus: install ok installed\nArchitecture: amd64\nVersion: 9\n");
writeFileSync(join(fixture, "info", "beta.list"), "/.\n/etc\n/etc/beta.conf\n");
writeFileSync(join(fixture, "info", "libz:amd64.list"), "/.\n/usr/lib/x86_64-linux-gnu/libz.so.1\n");
// A list with no stanza in status: osquery reads it when the query names it.
writeFileSync(join(fixture, "info", "ghost.list"), "/opt/ghost\n");

// Two more admindirs, for the order in which several are read.
const pair = mkdtempSync(join(tmpdir(), "osq-dpkg-pair-"));
afterAll(() => rmSync(pair, { recursive: true, force: true }));
for (const [dir, name] of [["a", "apple"], ["b", "banana"]] as const) {
  mkdirSync(join(pair, dir, "info"), { recursive: true });
  writeFileSync(join(pair, dir, "status"), `Package: ${name}\nStatus: install ok installed\nArchitecture: all\nVersion: 1\n`);
  writeFileSync(join(pair, dir, "info", `${name}.list`), `/usr/share/${name}\n`);
}

describe("dpkg parsing", () => {
  test("control stanzas keep continuation lines and lower-case field names", () => {
    const [s] = parseControl("Package: x\nDescription: a\n b\n\n");
    expect(s?.get("package")).toBe("x");
    expect(s?.get("description")).toBe("a\nb");
  });

  test("versions split into epoch, upstream and revision as dpkg does", () => {
    expect(parseDebVersion("2:1.0-3-4")).toEqual({ epoch: "2", upstream: "1.0-3", revision: "4" });
    expect(parseDebVersion("1.0")).toEqual({ epoch: "0", upstream: "1.0", revision: "" });
  });

  test("the fixture admindir: journal applied, not-installed dropped, dpkg's names", () => {
    const pkgs = readDpkgDatabase(fixture);
    expect(pkgs.map((p) => `${p.name}:${p.arch}`)).toEqual(["alpha:amd64", "beta:all", "libz:amd64", "libz:i386"]);
    const [alpha, beta, libzAmd, libzI386] = pkgs;
    expect(alpha).toMatchObject({ version: "2:1.1-1", revision: "1", status: "install ok unpacked", priority: "unknown" });
    expect(beta).toMatchObject({ version: "4.5", revision: "", status: "deinstall ok config-files", size: "" });
    expect(libzI386?.priority).toBe("extra-special");
    expect(libzAmd?.priority).toBe("unknown");
  });
});

describe("deb_packages", () => {
  test("lists exactly what dpkg-query lists as present, with the same versions", async () => {
    tool("dpkg-query", "dpkg");
    const r = Bun.spawnSync(["dpkg-query", "-W", "-f", "${Package} ${Version} ${Architecture} ${db:Status-Status}\\n"]);
    const theirs = r.stdout
      .toString()
      .trim()
      .split("\n")
      .filter((l) => !l.endsWith(" not-installed"))
      .map((l) => l.split(" ").slice(0, 3).join(" "))
      .sort();
    const rows = await generate(debPackages);
    const ours = rows.map((x) => `${x.name} ${x.version} ${x.arch}`).sort();
    expect(ours.length).toBeGreaterThan(0);
    expect(ours).toEqual(theirs);
  });

  test("size, section, maintainer and status match dpkg-query for one package", async () => {
    tool("dpkg-query", "dpkg");
    const [row] = await generate(debPackages);
    expect(row).toBeDefined();
    const r = Bun.spawnSync(["dpkg-query", "-W", "-f", "${Installed-Size}|${Section}|${Maintainer}|${Status}|${Source}", String(row?.name)]);
    expect(r.stdout.toString()).toBe(`${row?.size}|${row?.section}|${row?.maintainer}|${row?.status}|${row?.source}`);
  });

  test("an admindir constraint reads that database and reports it", async () => {
    const rows = await generate(debPackages, { admindir: [["=", fixture]] });
    expect(rows.map((r) => r.name)).toEqual(["alpha", "beta", "libz", "libz"]);
    expect(rows.every((r) => r.admindir === fixture && r.pid_with_namespace === 0)).toBe(true);
    expect(await generate(debPackages, { admindir: [["=", join(fixture, "nope")]] })).toEqual([]);
  });

  test("several admindirs are read in sorted order, as osquery's constraint set gives them", async () => {
    const rows = await generate(debPackages, { admindir: [["=", join(pair, "b")], ["=", join(pair, "a")]] });
    expect(rows.map((r) => `${r.name} ${r.admindir}`)).toEqual([`apple ${join(pair, "a")}`, `banana ${join(pair, "b")}`]);
  });
});

describe("deb_package_files", () => {
  test("the files of one package equal `dpkg -L`", async () => {
    tool("dpkg", "dpkg");
    const rows = await generate(debPackageFiles, { package: [["=", "libc6"]] });
    const theirs = Bun.spawnSync(["dpkg", "-L", "libc6"]).stdout.toString().trim().split("\n");
    expect(rows.map((r) => r.path)).toEqual(theirs);
    expect(rows.every((r) => r.package === "libc6" && r.admindir === "/var/lib/dpkg")).toBe(true);
  });

  test("lists are found under <name>.list and <name>:<arch>.list", async () => {
    const rows = await generate(debPackageFiles, { admindir: [["=", fixture]] });
    expect(rows.map((r) => `${r.package} ${r.path}`)).toEqual([
      "beta /.",
      "beta /etc",
      "beta /etc/beta.conf",
      "libz /.",
      "libz /usr/lib/x86_64-linux-gnu/libz.so.1",
    ]);
  });

  test("a named package is read from its list file even when status does not list it", async () => {
    const rows = await generate(debPackageFiles, { admindir: [["=", fixture]], package: [["=", "ghost"]] });
    expect(rows).toEqual([{ package: "ghost", path: "/opt/ghost", admindir: fixture }]);
    const named = await generate(debPackageFiles, { admindir: [["=", fixture]], package: [["=", "libz:amd64"]] });
    expect(named.map((r) => `${r.package} ${r.path}`)).toEqual(["libz:amd64 /.", "libz:amd64 /usr/lib/x86_64-linux-gnu/libz.so.1"]);
  });

  test("several admindirs and packages are read in sorted order", async () => {
    const rows = await generate(debPackageFiles, {
      admindir: [["=", join(pair, "b")], ["=", join(pair, "a")]],
      package: [["=", "banana"], ["=", "apple"]],
    });
    expect(rows.map((r) => r.path)).toEqual(["/usr/share/apple", "/usr/share/banana"]);
  });
});

describe("end to end (dist/osqueryi)", () => {
  test("deb_packages count equals dpkg-query's", () => {
    tool("dpkg-query", "dpkg");
    const [row] = query("SELECT count(*) AS n FROM deb_packages");
    const r = Bun.spawnSync(["dpkg-query", "-W", "-f", "${db:Status-Status}\\n"]);
    const n = r.stdout.toString().trim().split("\n").filter((s) => s !== "not-installed").length;
    expect(row?.n).toBe(String(n));
  });

  test("an admindir constraint reaches the generator", () => {
    const rows = query(`SELECT name, arch, version, status, admindir FROM deb_packages WHERE admindir = '${fixture}' ORDER BY name, arch`);
    expect(rows.map((r) => `${r.name}:${r.arch} ${r.version} ${r.status}`)).toEqual([
      "alpha:amd64 2:1.1-1 install ok unpacked",
      "beta:all 4.5 deinstall ok config-files",
      "libz:amd64 1.2.13 install ok installed",
      "libz:i386 1.2.13 install ok installed",
    ]);
  });

  test("admindir IN (...) gives rows in admindir order", () => {
    const rows = query(`SELECT name FROM deb_packages WHERE admindir IN ('${join(pair, "b")}', '${join(pair, "a")}')`);
    expect(rows).toEqual([{ name: "apple" }, { name: "banana" }]);
  });

  test("deb_package_files for one package equals dpkg -L", () => {
    tool("dpkg", "dpkg");
    const rows = query("SELECT path FROM deb_package_files WHERE package = 'libc6'");
    const theirs = Bun.spawnSync(["dpkg", "-L", "libc6"]).stdout.toString().trim().split("\n");
    expect(rows.map((r) => r.path)).toEqual(theirs);
  });
});
