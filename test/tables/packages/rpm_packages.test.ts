// rpm_packages / rpm_package_files against an rpmdb.sqlite fixture whose
// header blobs are encoded here (tags rpmbuild would not write, such as
// LONGSIZE). The rpm tool (.ci/run installs it) reads the same fixture as an
// independent check of the blob format; rpm_formats.test.ts covers the
// databases rpm itself writes.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseRpmHeader, RpmTag } from "../../../src/linux/rpmheader.ts";
import { readRpmHeaders } from "../../../src/linux/rpmdb.ts";
import rpmPackages, { rpmPackagesFrom } from "../../../tables/packages/rpm_packages.ts";
import rpmPackageFiles, { lsperms, rpmPackageFilesFrom } from "../../../tables/packages/rpm_package_files.ts";
import { generate, query } from "../../helpers.ts";
import { buildRpmHeader, type FixtureValue, writeRpmDb } from "./rpm_fixture.ts";

const dir = process.env.KEEP_RPM_FIXTURE ?? mkdtempSync(join(tmpdir(), "osq-rpm-"));
afterAll(() => { if (!process.env.KEEP_RPM_FIXTURE) rmSync(dir, { recursive: true, force: true }); });

const sha = "a".repeat(64);
const bash = new Map<number, FixtureValue>([
  [RpmTag.NAME, { type: "string", value: "bash" }],
  [RpmTag.VERSION, { type: "string", value: "5.2.26" }],
  [RpmTag.RELEASE, { type: "string", value: "3.fc40" }],
  [RpmTag.SUMMARY, { type: "i18n", value: ["The GNU Bourne Again shell"] }],
  [RpmTag.SIZE, { type: "int32", value: [8427195] }],
  [RpmTag.INSTALLTIME, { type: "int32", value: [1717000000] }],
  [RpmTag.VENDOR, { type: "string", value: "Fedora Project" }],
  [RpmTag.GROUP, { type: "i18n", value: ["Unspecified"] }],
  [RpmTag.ARCH, { type: "string", value: "x86_64" }],
  [RpmTag.SOURCERPM, { type: "string", value: "bash-5.2.26-3.fc40.src.rpm" }],
  [RpmTag.DIRNAMES, { type: "strings", value: ["/usr/bin/", "/usr/share/doc/"] }],
  [RpmTag.BASENAMES, { type: "strings", value: ["bash", "bash"] }],
  [RpmTag.DIRINDEXES, { type: "int32", value: [0, 1] }],
  [RpmTag.FILEMODES, { type: "int16", value: [0o100755, 0o40755] }],
  [RpmTag.FILESIZES, { type: "int32", value: [1431984, 4096] }],
  [RpmTag.FILEUSERNAME, { type: "strings", value: ["root", "root"] }],
  [RpmTag.FILEGROUPNAME, { type: "strings", value: ["root", "wheel"] }],
  [RpmTag.FILEDIGESTS, { type: "strings", value: [sha, ""] }],
  [RpmTag.FILEDIGESTALGO, { type: "int32", value: [8] }],
]);
const kernel = new Map<number, FixtureValue>([
  [RpmTag.NAME, { type: "string", value: "kernel-core" }],
  [RpmTag.VERSION, { type: "string", value: "6.8.5" }],
  [RpmTag.RELEASE, { type: "string", value: "301.fc40" }],
  [RpmTag.EPOCH, { type: "int32", value: [1] }],
  [RpmTag.LONGSIZE, { type: "int64", value: [5_000_000_000n] }],
  [RpmTag.ARCH, { type: "string", value: "x86_64" }],
  [RpmTag.DIRNAMES, { type: "strings", value: ["/boot/"] }],
  [RpmTag.BASENAMES, { type: "strings", value: ["vmlinuz"] }],
  [RpmTag.DIRINDEXES, { type: "int32", value: [0] }],
  [RpmTag.FILEMODES, { type: "int16", value: [0o100644] }],
  [RpmTag.LONGFILESIZES, { type: "int64", value: [14_000_000n] }],
  [RpmTag.FILEUSERNAME, { type: "strings", value: ["root"] }],
  [RpmTag.FILEGROUPNAME, { type: "strings", value: ["root"] }],
  [RpmTag.FILEDIGESTS, { type: "strings", value: ["d41d8cd98f00b204e9800998ecf8427e"] }],
]);
const bashHeader = buildRpmHeader(bash);
const kernelHeader = buildRpmHeader(kernel);
const db = {
  path: writeRpmDb(dir, [
    { blob: bashHeader.blob, name: "bash" },
    { blob: kernelHeader.blob, name: "kernel-core" },
  ]),
  backend: "sqlite",
} as const;

describe("rpm header blobs", () => {
  test("the parser reads back every tag the builder wrote", () => {
    const h = parseRpmHeader(bashHeader.blob);
    expect(h.string(RpmTag.NAME)).toBe("bash");
    expect(h.string(RpmTag.SUMMARY)).toBe("The GNU Bourne Again shell");
    expect(h.numbers(RpmTag.FILEMODES)).toEqual([0o100755, 0o40755]);
    expect(h.has(RpmTag.EPOCH)).toBe(false);
    expect(readRpmHeaders(db).map((x) => x.string(RpmTag.NAME))).toEqual(["bash", "kernel-core"]);
  });

  test("a truncated blob is rejected, and a db without Packages gives nothing", () => {
    const blob = bashHeader.blob;
    expect(() => parseRpmHeader(blob.subarray(0, blob.length - 10))).toThrow();
    expect(readRpmHeaders({ path: join(dir, "missing.sqlite"), backend: "sqlite" })).toEqual([]);
  });
});

describe("rpm_packages", () => {
  test("rows carry each header's tags with osquery's names", () => {
    const rows = rpmPackagesFrom(db);
    expect(rows).toHaveLength(2);
    const b = rows.find((r) => r.name === "bash");
    expect(b).toMatchObject({
      version: "5.2.26", release: "3.fc40", source: "bash-5.2.26-3.fc40.src.rpm", size: 8427195,
      sha1: bashHeader.sha1, arch: "x86_64", install_time: 1717000000,
      vendor: "Fedora Project", package_group: "Unspecified",
    });
    expect(b?.epoch).toBeUndefined(); // no EPOCH tag: empty, as librpm's headerGet fails
    const k = rows.find((r) => r.name === "kernel-core");
    expect(k).toMatchObject({ epoch: 1, size: 5_000_000_000, vendor: "", sha1: kernelHeader.sha1 });
  });

  test("a name constraint limits the packages read", () => {
    expect(rpmPackagesFrom(db, ["kernel-core"]).map((r) => r.name)).toEqual(["kernel-core"]);
  });

  test("the host table returns no rows on a host without an rpm database", async () => {
    expect(await generate(rpmPackages)).toEqual([]);
  });
});

describe("rpm_package_files", () => {
  test("paths join dirnames and basenames; sha256 only for SHA-256 packages", () => {
    const rows = rpmPackageFilesFrom(db);
    expect(rows).toEqual([
      { package: "bash", path: "/usr/bin/bash", username: "root", groupname: "root", mode: "0755", size: 1431984, sha256: sha },
      { package: "bash", path: "/usr/share/doc/bash", username: "root", groupname: "wheel", mode: "0755", size: 4096, sha256: "0".repeat(64) },
      { package: "kernel-core", path: "/boot/vmlinuz", username: "root", groupname: "root", mode: "0644", size: 14_000_000, sha256: undefined },
    ]);
    expect(rpmPackageFilesFrom(db, ["bash"])).toHaveLength(2);
  });

  test("lsperms keeps setuid bits as a fourth octal digit", () => {
    expect(lsperms(0o104755)).toBe("4755");
    expect(lsperms(0o100600)).toBe("0600");
  });

  test("the host table returns no rows without an rpm database", async () => {
    expect(await generate(rpmPackageFiles)).toEqual([]);
  });
});

// Independent reader: the rpm tool itself (.ci/run installs Debian's rpm).
const rpmTool = Bun.which("rpm");
describe("rpm tool reads the same fixture", () => {
  test("the rpm tool is installed", () => {
    if (!rpmTool) throw new Error("rpm is missing: install Debian's rpm package (.ci/run does)");
  });

  test("rpm -qa lists the same name-version-release set", () => {
    const r = Bun.spawnSync([rpmTool ?? "rpm", "--dbpath", dir, "-qa", "--qf", "%{NAME} %{VERSION} %{RELEASE} %{EPOCH}\\n"]);
    const theirs = r.stdout.toString().trim().split("\n").sort();
    const ours = rpmPackagesFrom(db).map((x) => `${x.name} ${x.version} ${x.release} ${x.epoch ?? "(none)"}`).sort();
    expect(theirs).toEqual(ours);
  });

  test("rpm verifies each header's SHA1 and reports the same one", () => {
    const r = Bun.spawnSync([rpmTool ?? "rpm", "--dbpath", dir, "-qa", "--qf", "%{NAME} %{SHA1HEADER}\\n"]);
    const theirs = r.stdout.toString().trim().split("\n").sort();
    expect(theirs).toEqual(rpmPackagesFrom(db).map((x) => `${x.name} ${x.sha1}`).sort());
  });

  test("rpm -ql lists the same files", () => {
    const r = Bun.spawnSync([rpmTool ?? "rpm", "--dbpath", dir, "-ql", "bash"]);
    expect(r.stdout.toString().trim().split("\n")).toEqual(rpmPackageFilesFrom(db, ["bash"]).map((x) => String(x.path)));
  });
});

describe("end to end (dist/osqueryi)", () => {
  test("rpm_packages answers with osquery's columns and no rows on this Debian host", () => {
    expect(query("SELECT name, version, release, source, size, sha1, arch, epoch, install_time, vendor, package_group FROM rpm_packages")).toEqual([]);
    expect(query("SELECT count(*) AS n FROM rpm_packages WHERE pid_with_namespace = 0")).toEqual([{ n: "0" }]);
  });

  test("rpm_package_files answers with osquery's columns and no rows", () => {
    expect(query("SELECT package, path, username, groupname, mode, size, sha256 FROM rpm_package_files WHERE package = 'bash'")).toEqual([]);
  });
});
