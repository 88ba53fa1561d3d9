// `npm run package`: osquery's Linux packages, made from the binaries
// `bun build.ts --all` left in dist/<target>/osq:
//   dist/packages/osq_<version>_<amd64|arm64>.deb      (dpkg-deb)
//   dist/packages/osq-<version>-1.<x86_64|aarch64>.rpm  (rpmbuild)
//   dist/packages/osq-<version>-<target>.tar.gz        (one per target)
// All three lay out osquery's files: /opt/osquery/bin/osqueryd with the
// osqueryi link and osqueryctl, /usr/bin links to them, /etc/osquery,
// /opt/osquery/share/osquery (example config and packs), /var/osquery,
// /var/log/osquery, the osqueryd.service unit reading /etc/default/osqueryd
// (/etc/sysconfig/osqueryd on rpm hosts, as osquery's rpm) and a SysV script.
//
// Nothing here or in the packages fetches anything: an air-gapped host installs
// from the file alone. Bun's compiled binaries carry their program appended to
// the runtime, so nothing may strip them: rpmbuild's post-install steps are off.
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { GLIBC_FLOOR } from "./lmdb-addon.ts";

const ROOT = resolve(import.meta.dir, "..");
const PACKAGING = join(ROOT, "packaging");
const argv = process.argv.slice(2);
const option = (name: string): string | undefined => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const OUT = resolve(option("out") ?? join(ROOT, "dist/packages"));
/** `--only=deb-amd64,rpm-aarch64,tar-linux-x64`: some artifacts only (the tests make what they check). */
const ONLY = option("only")?.split(",");
const VERSION = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;

/**
 * libc alone: Bun's runtime needs glibc 2.17, and so does the lmdb addon, which
 * is built against that version with its C++ runtime linked in (scripts/lmdb-addon.ts).
 */
const DEB_DEPENDS = `libc6 (>= ${GLIBC_FLOOR})`;
const RPM_REQUIRES = `glibc >= ${GLIBC_FLOOR}`;

interface Arch {
  readonly target: string;
  readonly deb: string;
  readonly rpm: string;
}
const PACKAGED_ARCHES: readonly Arch[] = [
  { target: "linux-x64", deb: "amd64", rpm: "x86_64" },
  { target: "linux-arm64", deb: "arm64", rpm: "aarch64" },
];
const TARBALL_TARGETS = ["linux-x64", "linux-x64-baseline", "linux-arm64", "linux-x64-musl", "linux-arm64-musl"];

type Flavor = "deb" | "rpm";

function run(argv: readonly string[], opts: { cwd?: string; env?: Record<string, string> } = {}): void {
  const r = Bun.spawnSync([...argv], { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${argv[0]} failed (${r.exitCode}): ${r.stderr.toString().trim() || r.stdout.toString().trim()}`);
}

function requireTool(name: string, debianPackage: string): void {
  if (!Bun.which(name)) throw new Error(`${name} is missing: install the Debian package ${debianPackage}`);
}

function binaryOf(target: string): string {
  const p = join(ROOT, "dist", target, "osq");
  if (!existsSync(p)) throw new Error(`${p} is missing: run \`npm run build:all\` first`);
  return p;
}

function put(root: string, path: string, contents: string, mode: number): void {
  const full = join(root, path);
  mkdirSync(join(full, ".."), { recursive: true });
  writeFileSync(full, contents);
  chmodSync(full, mode);
}

function copy(root: string, from: string, path: string, mode: number): void {
  const full = join(root, path);
  mkdirSync(join(full, ".."), { recursive: true });
  copyFileSync(from, full);
  chmodSync(full, mode);
}

function link(root: string, path: string, to: string): void {
  const full = join(root, path);
  mkdirSync(join(full, ".."), { recursive: true });
  symlinkSync(to, full);
}

/** Where each flavor keeps what osquery's packages of that kind keep there. */
function placesOf(flavor: Flavor): { environmentFile: string; unitDir: string; initScript: string } {
  return flavor === "rpm"
    ? { environmentFile: "etc/sysconfig/osqueryd", unitDir: "usr/lib/systemd/system", initScript: "etc/rc.d/init.d/osqueryd" }
    : { environmentFile: "etc/default/osqueryd", unitDir: "lib/systemd/system", initScript: "etc/init.d/osqueryd" };
}

/** Lays out the files of one package under `root`. */
export function stage(root: string, binary: string, flavor: Flavor): void {
  rmSync(root, { recursive: true, force: true });
  const places = placesOf(flavor);
  copy(root, binary, "opt/osquery/bin/osqueryd", 0o755);
  // The role comes from the name the binary is started under (osqueryi → shell).
  link(root, "opt/osquery/bin/osqueryi", "osqueryd");
  copy(root, join(PACKAGING, "osqueryctl"), "opt/osquery/bin/osqueryctl", 0o755);
  for (const name of ["osqueryd", "osqueryi", "osqueryctl"]) link(root, `usr/bin/${name}`, `/opt/osquery/bin/${name}`);
  copy(root, join(PACKAGING, "osquery.example.conf"), "opt/osquery/share/osquery/osquery.example.conf", 0o644);
  for (const pack of readdirSync(join(PACKAGING, "packs"))) {
    copy(root, join(PACKAGING, "packs", pack), `opt/osquery/share/osquery/packs/${pack}`, 0o644);
  }
  copy(root, join(PACKAGING, "osqueryd.default"), places.environmentFile, 0o644);
  copy(root, join(PACKAGING, "osqueryd.initd"), places.initScript, 0o755);
  const unit = readFileSync(join(PACKAGING, "osqueryd.service"), "utf8").replaceAll("@ENVIRONMENT_FILE@", `/${places.environmentFile}`);
  put(root, `${places.unitDir}/osqueryd.service`, unit, 0o644);
  mkdirSync(join(root, "etc/osquery"), { recursive: true });
  // The database holds the node key and buffered results: root only, as osqueryd makes it.
  mkdirSync(join(root, "var/osquery"), { recursive: true });
  chmodSync(join(root, "var/osquery"), 0o700);
  mkdirSync(join(root, "var/log/osquery"), { recursive: true });
}

const DESCRIPTION = "osquery rebuilt in TypeScript (osq)";
const LONG_DESCRIPTION = [
  "osq shows the host as a relational database, queried with SQL, as an",
  "interactive shell (osqueryi) and a monitoring daemon (osqueryd). It runs",
  "osquery's queries, configs, packs, flags and log pipelines unchanged and",
  "installs in place of osquery's package, keeping /etc/osquery.",
];

function duKiB(dir: string): number {
  const r = Bun.spawnSync(["du", "-sk", "--apparent-size", dir]);
  return Number(r.stdout.toString().split("\t")[0]);
}

function buildDeb(arch: Arch, work: string): string {
  const root = join(work, `deb-${arch.deb}`);
  stage(root, binaryOf(arch.target), "deb");
  const control = [
    "Package: osq",
    `Version: ${VERSION}`,
    `Architecture: ${arch.deb}`,
    "Maintainer: osq developers <osq@localhost>",
    "Section: admin",
    "Priority: optional",
    `Installed-Size: ${duKiB(root)}`,
    `Depends: ${DEB_DEPENDS}`,
    // Provides + Conflicts + Replaces one name: exactly one package supplies osquery.
    "Provides: osquery",
    "Conflicts: osquery",
    "Replaces: osquery",
    `Description: ${DESCRIPTION}`,
    ...LONG_DESCRIPTION.map((l) => ` ${l}`),
    "",
  ].join("\n");
  put(root, "DEBIAN/control", control, 0o644);
  // A file listed here that the admin edited is kept on upgrade and removal;
  // files they add to /etc/osquery are not the package's, so dpkg never touches them.
  put(root, "DEBIAN/conffiles", "/etc/default/osqueryd\n/etc/init.d/osqueryd\n", 0o644);
  copy(root, join(PACKAGING, "postinst"), "DEBIAN/postinst", 0o755);
  copy(root, join(PACKAGING, "prerm"), "DEBIAN/prerm", 0o755);
  const out = join(OUT, `osq_${VERSION}_${arch.deb}.deb`);
  // gzip: every dpkg reads it, and it is much faster than xz on a 120 MB binary.
  run(["dpkg-deb", "--root-owner-group", "-Zgzip", "-z6", "--build", root, out]);
  return out;
}

function buildRpm(arch: Arch, work: string): string {
  const top = join(work, `rpm-${arch.rpm}`);
  rmSync(top, { recursive: true, force: true });
  const staged = join(top, "staged");
  stage(staged, binaryOf(arch.target), "rpm");
  const places = placesOf("rpm");
  const scriptlet = (file: string) => readFileSync(join(PACKAGING, file), "utf8");
  const spec = `
Name: osq
Version: ${VERSION}
Release: 1
Summary: ${DESCRIPTION}
License: Unspecified
Requires: ${RPM_REQUIRES}
Provides: osquery = %{version}-%{release}
Obsoletes: osquery < %{version}-%{release}
Conflicts: osquery < %{version}-%{release}
# Bun's binary must leave the build as it came in, and its only needs are the ones listed above.
AutoReqProv: no
%global __os_install_post %{nil}
%global debug_package %{nil}
%global _build_id_links none
%global _binary_payload w6.gzdio

%description
${LONG_DESCRIPTION.join("\n")}

%install
cp -a ${staged}/. %{buildroot}/

%post
${scriptlet("postinst")}
%preun
${scriptlet("prerm")}

%files
%defattr(-,root,root,-)
/opt/osquery
/usr/bin/osqueryd
/usr/bin/osqueryi
/usr/bin/osqueryctl
%config(noreplace) /${places.environmentFile}
%config(noreplace) /${places.initScript}
/${places.unitDir}/osqueryd.service
%dir /etc/osquery
%dir %attr(0700,root,root) /var/osquery
%dir /var/log/osquery
`;
  mkdirSync(top, { recursive: true });
  writeFileSync(join(top, "osq.spec"), spec);
  run([
    "rpmbuild", "-bb", "--target", `${arch.rpm}-linux`,
    "--define", `_topdir ${top}`,
    "--define", `_rpmdir ${OUT}`,
    "--define", "_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm",
    join(top, "osq.spec"),
  ]);
  return join(OUT, `osq-${VERSION}-1.${arch.rpm}.rpm`);
}

function buildTarball(target: string, work: string): string {
  const root = join(work, `tar-${target}`);
  stage(root, binaryOf(target), "deb");
  const out = join(OUT, `osq-${VERSION}-${target}.tar.gz`);
  run(["tar", "--owner=0", "--group=0", "--numeric-owner", "-czf", out, "-C", root, "."]);
  return out;
}

if (import.meta.main) {
  try {
    requireTool("dpkg-deb", "dpkg");
    requireTool("rpmbuild", "rpm");
    const work = join(OUT, ".staging");
    mkdirSync(OUT, { recursive: true });
    const jobs: [string, () => string][] = [
      ...PACKAGED_ARCHES.flatMap((a): [string, () => string][] => [
        [`deb-${a.deb}`, () => buildDeb(a, work)],
        [`rpm-${a.rpm}`, () => buildRpm(a, work)],
      ]),
      ...TARBALL_TARGETS.map((t): [string, () => string] => [`tar-${t}`, () => buildTarball(t, work)]),
    ];
    const unknown = ONLY?.filter((id) => !jobs.some(([j]) => j === id)) ?? [];
    if (unknown.length > 0) throw new Error(`unknown artifact ${unknown.join(", ")}; known: ${jobs.map(([j]) => j).join(", ")}`);
    for (const [id, make] of jobs) {
      if (ONLY && !ONLY.includes(id)) continue;
      console.log(`made ${make()}`);
    }
    rmSync(work, { recursive: true, force: true });
  } catch (e) {
    console.error(`package: ${(e as Error).message}`);
    process.exit(1);
  }
}
