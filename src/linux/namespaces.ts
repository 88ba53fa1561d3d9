// osquery's hidden `pid_with_namespace` column, shared by every table that has
// it (file, hash, os_version, dns_resolvers, suid_bin, users, ...).
//
// When the column is constrained, osquery forks a worker that setns()es into
// /proc/<pid>/ns/mnt and runs the table there, then stamps every row with that
// pid and the mount namespace id (the number inside "mnt:[4026531840]"). A pid
// whose namespace cannot be opened contributes nothing. osq cannot switch
// namespaces from JavaScript, so it reads the same files through the magic link
// /proc/<pid>/root instead. (Absolute symlinks inside the container then
// resolve against the host root: a known limit of that approach.)
import { Op, type QueryContext, type Row } from "../table.ts";
import { readLink } from "./proc.ts";

export interface NamespaceTarget {
  readonly pid: number;
  /** Prefix for filesystem access: "/proc/<pid>/root", or "" for the host. */
  readonly root: string;
  /** Digits of /proc/<pid>/ns/mnt, or undefined for the host. */
  readonly mountNamespaceId?: string;
}

/** The host, as a table sees it without a pid_with_namespace constraint. */
export const HOST: NamespaceTarget = { pid: 0, root: "" };

/** Parses the readlink text of /proc/<pid>/ns/mnt, "mnt:[4026531840]" → "4026531840". */
export function parseNamespaceLink(text: string): string | null {
  const m = /\[(\d+)\]/.exec(text);
  return m ? (m[1] as string) : null;
}

/**
 * Where a table should look: the host when pid_with_namespace is not
 * constrained, otherwise one target per readable `=`/IN pid.
 */
export function namespaceTargets(ctx: QueryContext): NamespaceTarget[] {
  if (!ctx.hasConstraint("pid_with_namespace")) return [HOST];
  const out: NamespaceTarget[] = [];
  for (const value of ctx.valuesOf("pid_with_namespace", Op.EQUALS)) {
    const pid = Number(value);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    const link = readLink(`/proc/${pid}/ns/mnt`);
    const id = link === null ? null : parseNamespaceLink(link);
    if (id === null) continue;
    out.push({ pid, root: `/proc/${pid}/root`, mountNamespaceId: id });
  }
  return out;
}

/** Runs `generate` once per target and stamps the rows as osquery does (async generators). */
export async function forEachNamespace(
  ctx: QueryContext,
  generate: (target: NamespaceTarget) => Row[] | Promise<Row[]>,
): Promise<Row[]> {
  const rows: Row[] = [];
  for (const target of namespaceTargets(ctx)) {
    for (const row of await generate(target)) {
      row.pid_with_namespace = target.pid;
      if (target.mountNamespaceId !== undefined) row.mount_namespace_id = target.mountNamespaceId;
      rows.push(row);
    }
  }
  return rows;
}

// Shorter names some tables use (deb_packages): the same targets, and a
// synchronous stamp for rows already generated under `ns.root`.
export const namespaceRoots = namespaceTargets;

export function stampNamespace(rows: Row[], ns: NamespaceTarget): Row[] {
  for (const row of rows) {
    row.pid_with_namespace = ns.pid;
    if (ns.mountNamespaceId !== undefined) row.mount_namespace_id = ns.mountNamespaceId;
  }
  return rows;
}
