// The rpm database for the rpm_* tables, found and read the way librpm does
// for osquery: %_dbpath and %_db_backend from rpm's macro files (osquery
// points librpm at RPM_CONFIGDIR, /usr/lib/rpm unless set), then the
// configured backend's file if it exists, else the first of rpmdb.sqlite
// (rpm 4.16+), Packages.db (ndb, SUSE) and Packages (Berkeley DB hash: RHEL
// 7/8, Amazon Linux 2) that does. Each holds one header blob per package.
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { verbose } from "../logger/glog.ts";
import { readBdbHash } from "./bdb.ts";
import { isRegularFile, listDir, readText } from "./fs.ts";
import { readNdbPackages } from "./rpmndb.ts";
import { parseRpmHeader, type RpmHeader } from "./rpmheader.ts";

export type RpmBackend = "sqlite" | "ndb" | "bdb";

export interface RpmDb {
  readonly path: string;
  readonly backend: RpmBackend;
}

/** librpm's autodetection order and each backend's package file. */
const BACKENDS: readonly [RpmBackend, string][] = [
  ["sqlite", "rpmdb.sqlite"],
  ["ndb", "Packages.db"],
  ["bdb", "Packages"],
];

/** %_dbpath when the macros give none we can expand: the old and the current (Fedora ≥36, SUSE) place. */
export const RPMDB_DIRS = ["/var/lib/rpm", "/usr/lib/sysimage/rpm"];

const LOG = "rpmdb.ts";

/** The macro files librpm reads, in order (later definitions win). */
function macroFiles(root: string, env: NodeJS.ProcessEnv): string[] {
  const configDir = root === "" && env.RPM_CONFIGDIR ? env.RPM_CONFIGDIR : join(root || "/", "usr/lib/rpm");
  const inDir = (dir: string) => listDir(dir).filter((n) => n.startsWith("macros.")).sort().map((n) => join(dir, n));
  const etc = join(root || "/", "etc/rpm");
  return [join(configDir, "macros"), ...inDir(join(configDir, "macros.d")), ...inDir(etc), join(etc, "macros")];
}

/** Plain `%name value` definitions; parametric and multi-line macros are not needed here. */
export function parseMacros(texts: readonly string[]): Map<string, string> {
  const defs = new Map<string, string>();
  for (const text of texts) {
    for (const line of text.split("\n")) {
      const m = /^%([A-Za-z_]\w*)[ \t]+(.*?)\s*$/.exec(line);
      if (m && m[1] && m[2] !== undefined && !m[2].endsWith("\\")) defs.set(m[1], m[2]);
    }
  }
  return defs;
}

/**
 * A macro's value with %{name}, %{?name} and %name references expanded;
 * undefined when it needs what we do not evaluate (shell, lua, builtins).
 */
export function expandMacro(defs: ReadonlyMap<string, string>, name: string, depth = 0): string | undefined {
  const raw = defs.get(name);
  if (raw === undefined || depth > 16) return undefined;
  let failed = false;
  const out = raw.replace(/%(?:\{(\??)([A-Za-z_]\w*)\}|([A-Za-z_]\w*))|%%|%./g, (whole, optional: string | undefined, braced: string | undefined, bare: string | undefined) => {
    if (whole === "%%") return "%";
    const ref = braced ?? bare;
    if (ref === undefined) {
      failed = true;
      return "";
    }
    const v = expandMacro(defs, ref, depth + 1);
    if (v === undefined && optional !== "?") failed = true;
    return v ?? "";
  });
  return failed ? undefined : out;
}

/**
 * The rpm database of the host (under `root`), or null when there is none.
 * `env` supplies RPM_CONFIGDIR, which osquery passes through to librpm.
 */
export function findRpmDb(root = "", env: NodeJS.ProcessEnv = process.env): RpmDb | null {
  const texts = macroFiles(root, env).map((f) => readText(f)).filter((t): t is string => t !== null);
  const defs = parseMacros(texts);
  const configured = expandMacro(defs, "_dbpath");
  const dirs = new Set([...(configured?.startsWith("/") ? [configured] : []), ...RPMDB_DIRS].map((d) => join(root || "/", d)));
  const wanted = expandMacro(defs, "_db_backend")?.replace(/^bdb_ro$/, "bdb");
  for (const dir of dirs) {
    const present = BACKENDS.filter(([, file]) => isRegularFile(join(dir, file)));
    if (present.length === 0) continue;
    const chosen = present.find(([b]) => b === wanted) ?? present[0];
    if (chosen) return { path: join(dir, chosen[1]), backend: chosen[0] };
  }
  return null;
}

function openSqlite(path: string): Database {
  try {
    return new Database(path, { readonly: true });
  } catch {
    // A WAL database in a directory we cannot write (no -shm yet) opens only as immutable.
    return new Database(`file:${encodeURI(path)}?immutable=1`, { readonly: true });
  }
}

function sqliteBlobs(path: string): Uint8Array[] {
  const db = openSqlite(path);
  try {
    const rows = db.query("SELECT blob FROM Packages ORDER BY hnum").all() as { blob: Uint8Array }[];
    return rows.map((r) => r.blob);
  } finally {
    db.close();
  }
}

function bdbBlobs(path: string): Uint8Array[] {
  const db = readBdbHash(path);
  for (const p of db.problems) verbose(LOG, `${path}: ${p}`);
  // Key 0 holds rpm's next-instance counter, not a package.
  return db.entries
    .filter((e) => e.key.length === 4 && new DataView(e.key.buffer, e.key.byteOffset, 4).getUint32(0, db.littleEndian) !== 0)
    .map((e) => e.value);
}

function ndbBlobs(path: string): Uint8Array[] {
  const db = readNdbPackages(path);
  for (const p of db.problems) verbose(LOG, `${path}: ${p}`);
  return db.blobs.map((b) => b.blob);
}

const READERS: Record<RpmBackend, (path: string) => Uint8Array[]> = { sqlite: sqliteBlobs, ndb: ndbBlobs, bdb: bdbBlobs };

/** Every parseable header in the database; what cannot be read is logged at verbose level and skipped. */
export function readRpmHeaders(db: RpmDb): RpmHeader[] {
  let blobs: Uint8Array[];
  try {
    blobs = READERS[db.backend](db.path);
  } catch (e) {
    verbose(LOG, `Cannot read the rpm ${db.backend} database: ${e instanceof Error ? e.message : String(e)}`);
    return [];
  }
  const out: RpmHeader[] = [];
  blobs.forEach((blob, i) => {
    try {
      out.push(parseRpmHeader(blob));
    } catch (e) {
      verbose(LOG, `${db.path}: package ${i + 1} has a damaged header: ${e instanceof Error ? e.message : String(e)}`);
    }
  });
  return out;
}
