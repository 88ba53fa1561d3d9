// users: local accounts from /etc/passwd. Like osquery, the default path
// reads the file itself (never NSS, so LDAP is not queried); the hidden
// `include_remote = 1` asks NSS instead (here through getent), which adds
// directory-service accounts.
import { parsePasswd, readPasswd, type PasswdEntry } from "../../src/linux/passwd.ts";
import { namespaceTargets } from "../../src/linux/namespaces.ts";
import { defineTable, type QueryContext, type Row } from "../../src/table.ts";
import { parseLong } from "./common.ts";
import { verbose } from "../../src/logger/glog.ts";

export default defineTable({
  name: "users",
  columns: {
    uid: "BIGINT index",
    gid: "BIGINT",
    uid_signed: "BIGINT",
    gid_signed: "BIGINT",
    username: "TEXT additional",
    description: "TEXT",
    directory: "TEXT",
    shell: "TEXT",
    uuid: "TEXT index collate=nocase",
    pid_with_namespace: "INTEGER hidden additional",
    include_remote: "INTEGER hidden additional",
    type: "TEXT platform",
    is_hidden: "INTEGER platform",
  },
  generate(ctx) {
    const remote = ctx.hasConstraint("include_remote") && ctx.equals("include_remote").some((v) => parseLong(v) === 1);
    const rows: Row[] = [];
    for (const { root, pid } of namespaceTargets(ctx)) {
      const entries = remote && root === "" ? nssUsers(ctx) : selectLocal(readPasswd(root), ctx);
      for (const e of entries) rows.push({ ...userRow(e), pid_with_namespace: pid, include_remote: remote ? 1 : 0 });
    }
    return rows;
  },
});

export function userRow(e: PasswdEntry): Row {
  return {
    uid: e.uid,
    gid: e.gid,
    // The ids as a signed 32-bit int, as osquery casts them (4294967294 → -2).
    uid_signed: e.uid | 0,
    gid_signed: e.gid | 0,
    username: e.username,
    description: e.gecos,
    directory: e.home,
    shell: e.shell,
  };
}

/** osquery's local path: `username =` wins over `uid =`; with neither, every line of the file. */
export function selectLocal(all: readonly PasswdEntry[], ctx: QueryContext): PasswdEntry[] {
  const names = new Set(ctx.equals("username"));
  if (names.size > 0) return all.filter((e) => names.has(e.username));
  const uids = new Set(ctx.equals("uid").map(parseLong).filter((n) => n !== null));
  if (uids.size > 0) return all.filter((e) => uids.has(e.uid));
  return [...all];
}

// NSS lookups go through getent with a fixed argv (never a shell); keys are
// validated so a constraint value can only ever be a uid or an account name.
const NAME_RX = /^[A-Za-z0-9_.][A-Za-z0-9_.@$-]*$/;

function getent(keys: readonly string[]): PasswdEntry[] {
  try {
    const r = Bun.spawnSync(["getent", "passwd", ...keys], { stdin: "ignore", stdout: "pipe", stderr: "ignore" });
    return parsePasswd(r.stdout.toString());
  } catch (e) {
    verbose("users.ts", `getent passwd failed: ${(e as Error).message}`);
    return [];
  }
}

/** osquery's include_remote path: getpwuid/getpwnam per constraint value, else a full getpwent walk. */
function nssUsers(ctx: QueryContext): PasswdEntry[] {
  // osquery walks the constraint values as a std::set<std::string>: each once, in text order.
  const textSet = (values: readonly string[]) => [...new Set(values)].sort();
  if (ctx.hasConstraint("uid") && ctx.equals("uid").length > 0) {
    const uids = textSet(ctx.equals("uid")).map(parseLong).filter((n) => n !== null);
    return uids.flatMap((u) => getent([String(u)]).slice(0, 1));
  }
  const names = textSet(ctx.equals("username")).filter((n) => NAME_RX.test(n));
  if (ctx.equals("username").length > 0) return names.flatMap((n) => getent([n]).slice(0, 1));
  return getent([]);
}
