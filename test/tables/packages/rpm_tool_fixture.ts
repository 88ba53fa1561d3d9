// rpm databases in each on-disk format, made from packages that the real
// rpmbuild builds and the real rpm installs (--justdb into a temp dbpath).
// Debian's rpm writes only sqlite (`rpm --showrc`: "available backends:
// sqlite bdb_ro dummy"), so the same rpm-written header blobs are also put
// into a Berkeley DB hash file by db5.3_load (libdb itself, the library old
// rpm used) and into an ndb Packages.db laid out here from rpm's format.
import { Database } from "bun:sqlite";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { deflateSync } from "node:zlib";

export interface Tool {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
}

/** Runs a tool the fixtures need; a missing tool fails with what to install. */
export function run(argv: readonly string[], pkg: string): Tool {
  if (!Bun.which(argv[0] ?? "")) throw new Error(`${argv[0]} is missing: install Debian's ${pkg} package (.ci/run does)`);
  const r = Bun.spawnSync([...argv], { stdout: "pipe", stderr: "pipe" });
  return { stdout: r.stdout.toString(), stderr: r.stderr.toString(), code: r.exitCode ?? -1 };
}

function mustRun(argv: readonly string[], pkg: string): string {
  const r = run(argv, pkg);
  if (r.code !== 0) throw new Error(`${argv.join(" ")} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

export interface SpecFile {
  readonly path: string;
  readonly content: string;
  /** An %attr(...) prefix for the %files line, e.g. "%attr(4755,root,root)". */
  readonly attr?: string;
}

export interface Spec {
  readonly name: string;
  readonly version: string;
  readonly release: string;
  readonly arch: string;
  readonly epoch?: number;
  readonly vendor?: string;
  readonly group?: string;
  readonly dirs?: readonly string[];
  readonly files: readonly SpecFile[];
}

function specText(s: Spec): string {
  const head = [
    `Name: ${s.name}`, `Version: ${s.version}`, `Release: ${s.release}`, "Summary: osq test package", "License: MIT",
    `BuildArch: ${s.arch}`,
    ...(s.epoch === undefined ? [] : [`Epoch: ${s.epoch}`]),
    ...(s.vendor === undefined ? [] : [`Vendor: ${s.vendor}`]),
    ...(s.group === undefined ? [] : [`Group: ${s.group}`]),
  ];
  // The payload is written by %install from a here-document per file.
  const install = s.files.flatMap((f, i) => [
    `mkdir -p "%{buildroot}$(dirname '${f.path}')"`,
    `cat > '%{buildroot}${f.path}' <<'OSQ_EOF_${i}'`, f.content, `OSQ_EOF_${i}`,
  ]);
  const files = [...(s.dirs ?? []).map((d) => `%dir ${d}`), ...s.files.map((f) => `${f.attr ?? ""} ${f.path}`)];
  return [...head, "%description", "osq test package", "%install", ...install, "%files", ...files, ""].join("\n");
}

/** Builds each spec with rpmbuild under `dir` and returns the .rpm paths. */
export function buildRpms(dir: string, specs: readonly Spec[]): string[] {
  const top = join(dir, "rpmbuild");
  mkdirSync(join(top, "SPECS"), { recursive: true });
  return specs.map((s) => {
    const spec = join(top, "SPECS", `${s.name}.spec`);
    writeFileSync(spec, specText(s));
    mustRun(["rpmbuild", "-bb", "--quiet", "--define", `_topdir ${top}`, "--define", "_build_id_links none", spec], "rpm");
    return join(top, "RPMS", s.arch, `${s.name}-${s.version}-${s.release}.${s.arch}.rpm`);
  });
}

/** Installs the packages' headers into a fresh sqlite rpmdb at `dbDir` the way rpm -i --justdb does. */
export function installRpms(dbDir: string, rpms: readonly string[]): void {
  mkdirSync(dbDir, { recursive: true });
  mustRun(["rpm", "--dbpath", dbDir, "--define", "_db_backend sqlite", "-i", "--justdb", "--nodeps", "--noscripts", "--ignorearch", ...rpms], "rpm");
}

/** rpm's own query of the database at `dbDir`, read with `backend` (sqlite or bdb_ro). */
export function rpmQuery(dbDir: string, backend: "sqlite" | "bdb_ro", format: string): string[] {
  const out = mustRun(["rpm", "--dbpath", dbDir, "--define", `_db_backend ${backend}`, "-qa", "--qf", format], "rpm");
  return out.split("\n").filter((l) => l !== "");
}

/** The header blobs rpm stored, by instance number. */
export function rpmBlobs(dbDir: string): { hnum: number; blob: Uint8Array }[] {
  const db = new Database(join(dbDir, "rpmdb.sqlite"), { readonly: true });
  try {
    return db.query("SELECT hnum, blob FROM Packages ORDER BY hnum").all() as { hnum: number; blob: Uint8Array }[];
  } finally {
    db.close();
  }
}

function u32(n: number, littleEndian: boolean): Buffer {
  const b = Buffer.alloc(4);
  if (littleEndian) b.writeUInt32LE(n);
  else b.writeUInt32BE(n);
  return b;
}

/**
 * Writes <dir>/Packages as rpm's Berkeley DB hash: key = instance number in
 * the writer's byte order, value = header blob, plus rpm's key-0 record (the
 * next free instance). db5.3_load writes the file in `byteOrder`.
 */
export function writeBdbPackages(dir: string, blobs: readonly { hnum: number; blob: Uint8Array }[], byteOrder: "little" | "big"): string {
  mkdirSync(dir, { recursive: true });
  const le = byteOrder === "little";
  const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
  const next = Math.max(0, ...blobs.map((b) => b.hnum)) + 1;
  const lines = ["VERSION=3", "format=bytevalue", "type=hash", "db_pagesize=4096", `db_lorder=${le ? 1234 : 4321}`, "HEADER=END"];
  lines.push(` ${hex(u32(0, le))}`, ` ${hex(u32(next, le))}`);
  for (const b of blobs) lines.push(` ${hex(u32(b.hnum, le))}`, ` ${hex(b.blob)}`);
  lines.push("DATA=END", "");
  const dump = join(dir, "Packages.dump");
  writeFileSync(dump, lines.join("\n"));
  const path = join(dir, "Packages");
  mustRun(["db5.3_load", "-f", dump, path], "db5.3-util");
  return path;
}

/** Adler-32 taken from zlib: the trailer of an RFC 1950 stream is the adler32 of its input. */
function zlibAdler32(bytes: Uint8Array): number {
  const z = deflateSync(bytes, { level: 0 });
  return z.readUInt32BE(z.length - 4);
}

/**
 * Writes <dir>/Packages.db in rpm's ndb layout (lib/backend/ndb/rpmpkg.c):
 * header page with the slot table, then one checksummed blob per package.
 * Slots are filled in reverse so that file order differs from slot order.
 */
export function writeNdbPackages(dir: string, blobs: readonly { hnum: number; blob: Uint8Array }[]): string {
  mkdirSync(dir, { recursive: true });
  const page = Buffer.alloc(4096);
  page.write("RpmP", 0, "latin1");
  page.writeUInt32LE(0, 4); // version
  page.writeUInt32LE(7, 8); // generation
  page.writeUInt32LE(1, 12); // slot pages
  page.writeUInt32LE(Math.max(0, ...blobs.map((b) => b.hnum)) + 1, 16);
  for (let at = 32; at < 4096; at += 16) page.write("Slot", at, "latin1");
  const parts: Buffer[] = [page];
  let blk = 4096 / 16;
  blobs.forEach((b, i) => {
    const blkcnt = Math.ceil((16 + b.blob.length + 12) / 16);
    const body = Buffer.alloc(blkcnt * 16);
    body.write("BlbS", 0, "latin1");
    body.writeUInt32LE(b.hnum, 4);
    body.writeUInt32LE(1_700_000_000, 8);
    body.writeUInt32LE(b.blob.length, 12);
    body.set(b.blob, 16);
    const tail = body.length - 12;
    body.writeUInt32LE(zlibAdler32(body.subarray(0, tail)), tail);
    body.writeUInt32LE(b.blob.length, tail + 4);
    body.write("BlbE", tail + 8, "latin1");
    const slot = 32 + (blobs.length - 1 - i) * 16;
    page.writeUInt32LE(b.hnum, slot + 4);
    page.writeUInt32LE(blk, slot + 8);
    page.writeUInt32LE(blkcnt, slot + 12);
    parts.push(body);
    blk += blkcnt;
  });
  const path = join(dir, "Packages.db");
  writeFileSync(path, Buffer.concat(parts));
  return path;
}
