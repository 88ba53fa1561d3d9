// suid_bin: setuid/setgid regular files under the usual binary directories.
//
// As osquery: each of /bin, /sbin, /usr/bin, /usr/sbin, /usr/local/bin,
// /usr/local/sbin and /tmp is walked recursively without following symlinked
// subdirectories (a search root that is itself a symlink, such as /bin on a
// merged-/usr system, is followed, so such files appear under both names);
// entries are tested after following links. The owner and group are shown by
// name, or by number when they have none. permissions is "S" (setuid), "G"
// (setgid) or "SG".
import { lstatSync, readdirSync, statSync } from "node:fs";
import { forEachNamespace, type NamespaceTarget } from "../../src/linux/namespaces.ts";
import { readGroups, readPasswd } from "../../src/linux/passwd.ts";
import { defineTable, type Row } from "../../src/table.ts";
import { logUnreadable } from "../../src/linux/fs.ts";

export const SEARCH_PATHS = ["/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin", "/tmp"];

export default defineTable({
  name: "suid_bin",
  cacheable: true,
  columns: {
    path: "TEXT",
    username: "TEXT",
    groupname: "TEXT",
    permissions: "TEXT",
    pid_with_namespace: "INTEGER hidden additional",
  },
  generate(ctx) {
    return forEachNamespace(ctx, (ns) => suidRows(ns, SEARCH_PATHS));
  },
});

export function suidRows(ns: Pick<NamespaceTarget, "root">, searchPaths: readonly string[]): Row[] {
  const root = ns.root;
  const users = new Map(readPasswd(root).map((u) => [u.uid, u.username]));
  const groups = new Map(readGroups(root).map((g) => [g.gid, g.groupname]));
  const rows: Row[] = [];
  for (const top of searchPaths) walk(top, root, (path, mode, uid, gid) => {
    rows.push({
      path,
      username: users.get(uid) ?? String(uid),
      groupname: groups.get(gid) ?? String(gid),
      permissions: `${mode & 0o4000 ? "S" : ""}${mode & 0o2000 ? "G" : ""}`,
      pid_with_namespace: 0,
    });
  });
  return rows;
}

type Visit = (path: string, mode: number, uid: number, gid: number) => void;

function walk(dir: string, root: string, visit: Visit): void {
  let names: string[];
  try {
    names = readdirSync(root + dir);
  } catch (e) {
    logUnreadable("suid_bin.ts", root + dir, e);
    return;
  }
  for (const name of names) {
    const path = `${dir}/${name}`;
    let st;
    try {
      st = statSync(root + path);
    } catch {
      // Vanished since the directory was listed, or a dangling link: no binary to report.
      continue;
    }
    if (st.isFile()) {
      if (st.mode & 0o6000) visit(path, st.mode, st.uid, st.gid);
    } else if (st.isDirectory() && !isSymlink(root + path)) {
      walk(path, root, visit);
    }
  }
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    // Cannot lstat it: the walk treats it as no link, and its stat decides the rest.
    return false;
  }
}
