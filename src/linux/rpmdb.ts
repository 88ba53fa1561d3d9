// The rpm database for the rpm_* tables. Current rpm (4.16+) keeps it in
// SQLite: rpmdb.sqlite, table Packages(hnum, blob) with one header blob per
// installed package. The older Berkeley DB (Packages) and ndb (Packages.db)
// formats are not read: those hosts get no rows.
import { Database } from "bun:sqlite";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { parseRpmHeader, type RpmHeader } from "./rpmheader.ts";

/** Where rpm's %_dbpath points on current distributions (Fedora ≥36 moved it under /usr). */
export const RPMDB_DIRS = ["/var/lib/rpm", "/usr/lib/sysimage/rpm"];

/** The rpmdb.sqlite of the host (under `root`), or null when there is none. */
export function findRpmDb(root = ""): string | null {
  for (const dir of RPMDB_DIRS) {
    const path = join(root || "/", dir, "rpmdb.sqlite");
    if (existsSync(path)) return path;
  }
  return null;
}

function open(path: string): Database {
  try {
    return new Database(path, { readonly: true });
  } catch {
    // A WAL database in a directory we cannot write (no -shm yet) opens only as immutable.
    return new Database(`file:${encodeURI(path)}?immutable=1`, { readonly: true });
  }
}

/** Every parseable header in an rpmdb.sqlite; unreadable databases and blobs are skipped. */
export function readRpmHeaders(dbPath: string): RpmHeader[] {
  let db: Database;
  try {
    db = open(dbPath);
  } catch {
    return [];
  }
  const out: RpmHeader[] = [];
  try {
    const rows = db.query("SELECT blob FROM Packages ORDER BY hnum").all() as { blob: Uint8Array }[];
    for (const r of rows) {
      try {
        out.push(parseRpmHeader(r.blob));
      } catch {
        // a damaged header hides only its own package
      }
    }
  } catch {
    // not an rpm database
  } finally {
    db.close();
  }
  return out;
}
