// rpm_packages / rpm_package_files on each rpm database format: sqlite (rpm
// 4.16+), Berkeley DB hash Packages (RHEL/CentOS 7-8, Amazon Linux 2) in both
// byte orders, and ndb Packages.db (SUSE). The packages are built by
// rpmbuild and installed by rpm; every column is compared with what rpm
// itself prints for the same database (for ndb, which Debian's rpm cannot
// read, with rpm's answer for the sqlite database holding the same blobs).
import { afterAll, describe, expect, test } from "bun:test";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readBdbHash } from "../../../src/linux/bdb.ts";
import { findRpmDb, type RpmDb } from "../../../src/linux/rpmdb.ts";
import { lsperms, rpmPackageFilesFrom } from "../../../tables/packages/rpm_package_files.ts";
import { rpmPackagesFrom } from "../../../tables/packages/rpm_packages.ts";
import { osq } from "../../helpers.ts";
import { buildRpms, installRpms, rpmBlobs, rpmQuery, type Spec, writeBdbPackages, writeNdbPackages } from "./rpm_tool_fixture.ts";

const dir = mkdtempSync(join(tmpdir(), "osq-rpmfmt-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MANY = 400;
const specs: Spec[] = [
  {
    name: "hello-osq", version: "1.2", release: "3", arch: "noarch", epoch: 2, vendor: "Osq Test", group: "Applications/Test",
    dirs: ["/usr/share/hello-osq"],
    files: [
      { path: "/usr/share/hello-osq/a.txt", content: "hi", attr: "%attr(0640,root,adm)" },
      { path: "/usr/bin/hello-osq", content: "#!/bin/sh\necho hello", attr: "%attr(4755,root,root)" },
    ],
  },
  {
    name: "plain-osq", version: "0.1~beta", release: "7.el8", arch: "noarch",
    files: [{ path: "/etc/plain-osq.conf", content: "key = value", attr: "%attr(0600,nobody,nogroup)" }],
  },
  {
    // Its header is ~50 KB: on 4 KiB pages the Berkeley DB value spans an overflow chain.
    name: "many-files", version: "0.9", release: "1", arch: "x86_64",
    dirs: ["/opt/many-files"],
    files: Array.from({ length: MANY }, (_, i) => ({ path: `/opt/many-files/file-${i}.conf`, content: `entry ${i}` })),
  },
];

const sqliteDir = join(dir, "sqlite");
installRpms(sqliteDir, buildRpms(dir, specs));
const blobs = rpmBlobs(sqliteDir);
const bdbDir = join(dir, "bdb");
writeBdbPackages(bdbDir, blobs, "little");
const bdbBigDir = join(dir, "bdb-be");
writeBdbPackages(bdbBigDir, blobs, "big");
const ndbDir = join(dir, "ndb");
writeNdbPackages(ndbDir, blobs);

const PKG_FORMAT = "%{NAME}\\t%{VERSION}\\t%{RELEASE}\\t%{SOURCERPM}\\t%{SIZE}\\t%{SHA1HEADER}\\t%{ARCH}\\t%{EPOCH}\\t%{INSTALLTIME}\\t%{VENDOR}\\t%{GROUP}\\n";
const FILE_FORMAT = "[%{=NAME}\\t%{FILENAMES}\\t%{FILEUSERNAME}\\t%{FILEGROUPNAME}\\t%{FILEMODES:octal}\\t%{FILESIZES}\\t%{FILEDIGESTS}\\n]";

/** rpm's "(none)" is a missing tag: osquery leaves the column empty. */
const none = (v: string) => (v === "(none)" ? "" : v);

function expectedPackages(dbDir: string, backend: "sqlite" | "bdb_ro"): string[] {
  return rpmQuery(dbDir, backend, PKG_FORMAT).map((l) => l.split("\t").map(none).join("\t")).sort();
}

function expectedFiles(dbDir: string, backend: "sqlite" | "bdb_ro"): string[] {
  return rpmQuery(dbDir, backend, FILE_FORMAT)
    .map((l) => {
      const [name, path, user, group, mode, size, digest] = l.split("\t");
      // rpm prints no digest for directories; osquery reports the algorithm's zero digest.
      return [name, path, user, group, lsperms(Number.parseInt(mode ?? "", 8)), size, digest || "0".repeat(64)].join("\t");
    })
    .sort();
}

const cell = (v: unknown) => (v === undefined || v === null ? "" : String(v));
const packageLines = (db: RpmDb) =>
  rpmPackagesFrom(db).map((r) => [r.name, r.version, r.release, r.source, r.size, r.sha1, r.arch, r.epoch, r.install_time, r.vendor, r.package_group].map(cell).join("\t")).sort();
const fileLines = (db: RpmDb) =>
  rpmPackageFilesFrom(db).map((r) => [r.package, r.path, r.username, r.groupname, r.mode, r.size, r.sha256].map(cell).join("\t")).sort();

describe("the fixtures are what rpm wrote", () => {
  test("rpm lists the three packages from the sqlite and both Berkeley DB files", () => {
    for (const [d, backend] of [[sqliteDir, "sqlite"], [bdbDir, "bdb_ro"], [bdbBigDir, "bdb_ro"]] as const) {
      expect(rpmQuery(d, backend, "%{NAME}\\n").sort()).toEqual(["hello-osq", "many-files", "plain-osq"]);
    }
  });

  test("the big header's value lives in overflow pages (libdb's own dump reads it back whole)", () => {
    const many = blobs.find((b) => b.blob.length > 3 * 4096);
    expect(many).toBeDefined();
    const packages = readFileSync(join(bdbDir, "Packages"));
    // Overflow pages have type 7 at byte 25 of the page.
    const overflowPages = Array.from({ length: packages.length / 4096 }, (_, i) => packages[i * 4096 + 25]).filter((t) => t === 7);
    expect(overflowPages.length).toBeGreaterThanOrEqual(Math.ceil((many?.blob.length ?? 0) / 4096));
  });
});

describe.each([
  ["sqlite", { path: join(sqliteDir, "rpmdb.sqlite"), backend: "sqlite" } as RpmDb, sqliteDir, "sqlite"],
  ["bdb little-endian", { path: join(bdbDir, "Packages"), backend: "bdb" } as RpmDb, bdbDir, "bdb_ro"],
  ["bdb big-endian", { path: join(bdbBigDir, "Packages"), backend: "bdb" } as RpmDb, bdbBigDir, "bdb_ro"],
  // Debian's rpm has no ndb backend: the reference is rpm's reading of the same blobs from sqlite.
  ["ndb", { path: join(ndbDir, "Packages.db"), backend: "ndb" } as RpmDb, sqliteDir, "sqlite"],
] as const)("%s", (_label, db, referenceDir, referenceBackend) => {
  test("rpm_packages: every column matches rpm -qa", () => {
    expect(packageLines(db)).toEqual(expectedPackages(referenceDir, referenceBackend));
  });

  test("rpm_package_files: every file and column matches rpm's file list", () => {
    const ours = fileLines(db);
    expect(ours.filter((l) => l.startsWith("many-files\t"))).toHaveLength(MANY + 1);
    expect(ours).toEqual(expectedFiles(referenceDir, referenceBackend));
  });
});

describe("which database rpm would open", () => {
  function root(name: string, macros: string | null, files: Record<string, string>): string {
    const r = join(dir, "roots", name);
    if (macros !== null) {
      mkdirSync(join(r, "usr/lib/rpm"), { recursive: true });
      writeFileSync(join(r, "usr/lib/rpm/macros"), macros);
    }
    for (const [to, from] of Object.entries(files)) {
      mkdirSync(join(r, to, ".."), { recursive: true });
      copyFileSync(from, join(r, to));
    }
    return r;
  }
  const sqliteFile = join(sqliteDir, "rpmdb.sqlite");
  const bdbFile = join(bdbDir, "Packages");
  const ndbFile = join(ndbDir, "Packages.db");

  test("RHEL 8: %_db_backend bdb and /var/lib/rpm/Packages", () => {
    const r = root("rhel8", "%_var\t\t\t/var\n%_dbpath\t\t%{_var}/lib/rpm\n%_db_backend\t      bdb\n", { "var/lib/rpm/Packages": bdbFile });
    expect(findRpmDb(r)).toEqual({ path: join(r, "var/lib/rpm/Packages"), backend: "bdb" });
    expect(rpmPackagesFrom(findRpmDb(r) ?? { path: "", backend: "bdb" }).map((x) => x.name).sort()).toEqual(["hello-osq", "many-files", "plain-osq"]);
  });

  test("the configured backend wins when its file exists; otherwise rpm's detection order", () => {
    const both = { "var/lib/rpm/rpmdb.sqlite": sqliteFile, "var/lib/rpm/Packages": bdbFile, "var/lib/rpm/Packages.db": ndbFile };
    expect(findRpmDb(root("cfg-bdb", "%_db_backend bdb\n", both))?.backend).toBe("bdb");
    expect(findRpmDb(root("cfg-ndb", "%_db_backend ndb\n", both))?.backend).toBe("ndb");
    expect(findRpmDb(root("cfg-none", null, both))?.backend).toBe("sqlite");
    // Configured sqlite, but an unconverted RHEL 8 database on disk: rpm falls back to it.
    expect(findRpmDb(root("cfg-sqlite-old", "%_db_backend sqlite\n", { "var/lib/rpm/Packages": bdbFile }))?.backend).toBe("bdb");
    expect(findRpmDb(root("cfg-ndb-old", "%_db_backend ndb\n", { "var/lib/rpm/Packages.db": ndbFile, "var/lib/rpm/Packages": bdbFile }))?.backend).toBe("ndb");
  });

  test("%_dbpath under /usr/lib/sysimage/rpm (Fedora 36+, SUSE) is honoured before the old place", () => {
    const r = root("suse", "%_usr /usr\n%_dbpath %{_usr}/lib/sysimage/rpm\n%_db_backend ndb\n", {
      "usr/lib/sysimage/rpm/Packages.db": ndbFile,
      "var/lib/rpm/Packages": bdbFile,
    });
    expect(findRpmDb(r)).toEqual({ path: join(r, "usr/lib/sysimage/rpm/Packages.db"), backend: "ndb" });
    // Without macros (a minimal host), both places are looked at.
    const bare = root("bare", null, { "usr/lib/sysimage/rpm/Packages.db": ndbFile });
    expect(findRpmDb(bare)).toEqual({ path: join(bare, "usr/lib/sysimage/rpm/Packages.db"), backend: "ndb" });
  });

  test("a %_dbpath that needs the shell (Debian's) falls back to the default places", () => {
    const r = root("debian", "%_dbpath\t\t%(bash -c 'echo ~/.rpmdb')\n", {});
    expect(findRpmDb(r)).toBeNull();
  });
});

describe("damaged databases", () => {
  function damaged(name: string, file: string, edit: (b: Buffer) => void): RpmDb & { dir: string } {
    const d = join(dir, "damaged", name);
    mkdirSync(d, { recursive: true });
    const bytes = readFileSync(file);
    edit(bytes);
    writeFileSync(join(d, file.endsWith(".db") ? "Packages.db" : "Packages"), bytes);
    return { dir: d, path: join(d, file.endsWith(".db") ? "Packages.db" : "Packages"), backend: file.endsWith(".db") ? "ndb" : "bdb" };
  }

  test("a broken overflow chain loses only that package, and says why", () => {
    const db = damaged("bdb-overflow", join(bdbDir, "Packages"), (b) => {
      const page = Array.from({ length: b.length / 4096 }, (_, i) => i).find((i) => b[i * 4096 + 25] === 7) ?? 0;
      b[page * 4096 + 25] = 0;
    });
    expect(readBdbHash(db.path).problems.join("\n")).toContain("is not an overflow page");
    expect(rpmPackagesFrom(db).map((r) => r.name).sort()).toEqual(["hello-osq", "plain-osq"]);
  });

  test("a file that is not a Berkeley DB gives no rows", () => {
    const db = damaged("bdb-garbage", join(bdbDir, "Packages"), (b) => b.fill(0x5a, 0, 512));
    expect(() => readBdbHash(db.path)).toThrow("not a Berkeley DB hash database");
    expect(rpmPackagesFrom(db)).toEqual([]);
  });

  test("truncated files keep the packages stored before the cut", () => {
    const bdb = readFileSync(join(bdbDir, "Packages"));
    const ndb = readFileSync(join(ndbDir, "Packages.db"));
    for (const [name, file, keep] of [["bdb-cut", "Packages", bdb.length - 4096], ["ndb-cut", "Packages.db", ndb.length - 100]] as const) {
      const d = join(dir, "damaged", name);
      mkdirSync(d, { recursive: true });
      writeFileSync(join(d, file), (file === "Packages" ? bdb : ndb).subarray(0, keep));
      const rows = rpmPackagesFrom({ path: join(d, file), backend: file === "Packages" ? "bdb" : "ndb" });
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.length).toBeLessThan(3);
    }
  });

  test("an ndb blob whose checksum fails is skipped", () => {
    const db = damaged("ndb-blob", join(ndbDir, "Packages.db"), (b) => {
      b[4096 + 40] = (b[4096 + 40] ?? 0) ^ 0xff; // inside the first blob
    });
    expect(rpmPackagesFrom(db)).toHaveLength(2);
  });

  test("osqueryi reports the damage at verbose level, without a stack trace", () => {
    const db = damaged("e2e", join(bdbDir, "Packages"), (b) => b.fill(0x5a, 0, 512));
    const cfg = join(dir, "cfg-damaged");
    mkdirSync(cfg, { recursive: true });
    writeFileSync(join(cfg, "macros"), `%_dbpath ${db.dir}\n%_db_backend bdb\n`);
    const r = osq(["--json", "--verbose", "SELECT name FROM rpm_packages"], { env: { RPM_CONFIGDIR: cfg } });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([]);
    expect(r.stderr).toContain("not a Berkeley DB hash database");
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const quiet = osq(["--json", "SELECT name FROM rpm_packages"], { env: { RPM_CONFIGDIR: cfg } });
    expect(quiet.stderr).toBe("");
  });
});

describe("end to end (dist/osqueryi), pointed at the database by RPM_CONFIGDIR as librpm would be", () => {
  function run(dbDir: string, backend: string, sql: string): Record<string, string>[] {
    const cfg = join(dir, `cfg-${backend}`);
    mkdirSync(cfg, { recursive: true });
    writeFileSync(join(cfg, "macros"), `%_dbpath ${dbDir}\n%_db_backend ${backend}\n`);
    const r = osq(["--json", sql], { env: { RPM_CONFIGDIR: cfg } });
    if (r.code !== 0) throw new Error(`osqueryi failed (${r.code}): ${r.stderr}`);
    return JSON.parse(r.stdout) as Record<string, string>[];
  }

  test.each([["bdb", bdbDir], ["ndb", ndbDir]] as const)("%s: rpm_packages and rpm_package_files", (backend, dbDir) => {
    const rows = run(dbDir, backend, "SELECT name, version, release, epoch, vendor FROM rpm_packages ORDER BY name");
    expect(rows).toEqual([
      { name: "hello-osq", version: "1.2", release: "3", epoch: "2", vendor: "Osq Test" },
      { name: "many-files", version: "0.9", release: "1", epoch: "", vendor: "" },
      { name: "plain-osq", version: "0.1~beta", release: "7.el8", epoch: "", vendor: "" },
    ]);
    expect(run(dbDir, backend, "SELECT path, username, groupname, mode FROM rpm_package_files WHERE package = 'hello-osq' ORDER BY path")).toEqual([
      { path: "/usr/bin/hello-osq", username: "root", groupname: "root", mode: "4755" },
      { path: "/usr/share/hello-osq", username: "root", groupname: "root", mode: "0755" },
      { path: "/usr/share/hello-osq/a.txt", username: "root", groupname: "adm", mode: "0640" },
    ]);
    expect(run(dbDir, backend, "SELECT count(*) AS n FROM rpm_package_files WHERE package = 'many-files'")).toEqual([{ n: String(MANY + 1) }]);
  });
});
