// Per-user tables (osquery's user_data attribute) pick their users the way
// osquery's usersFromContext does: the users named by a `uid` (or `username`)
// constraint, otherwise only the user running the query.
import type { QueryContext } from "../table.ts";
import { readPasswd, type PasswdEntry } from "./passwd.ts";

export function usersFromContext(ctx: QueryContext, root = ""): PasswdEntry[] {
  const all = readPasswd(root);
  const uids = ctx.equals("uid");
  const names = ctx.equals("username");
  if (uids.length > 0) {
    // osquery (tables/system/system_utils.cpp) selects from users once per uid
    // value, the values as a set of strings (each once, in text order), so
    // the users come in that order, not the order of /etc/passwd.
    return [...new Set(uids)].sort().flatMap((uid) => all.filter((u) => String(u.uid) === uid));
  }
  if (names.length > 0) return all.filter((u) => names.includes(u.username));
  const me = process.getuid?.() ?? 0;
  return all.filter((u) => u.uid === me);
}
