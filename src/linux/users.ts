// Per-user tables (osquery's user_data attribute) pick their users the way
// osquery's usersFromContext does: the users named by a `uid` (or `username`)
// constraint, otherwise only the user running the query.
import type { QueryContext } from "../table.ts";
import { readPasswd, type PasswdEntry } from "./passwd.ts";

export function usersFromContext(ctx: QueryContext, root = ""): PasswdEntry[] {
  const all = readPasswd(root);
  const uids = ctx.equals("uid");
  const names = ctx.equals("username");
  if (uids.length > 0 || names.length > 0) {
    return all.filter((u) => uids.includes(String(u.uid)) || names.includes(u.username));
  }
  const me = process.getuid?.() ?? 0;
  return all.filter((u) => u.uid === me);
}
