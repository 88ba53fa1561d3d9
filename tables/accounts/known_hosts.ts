// known_hosts: each entry of each selected user's ~/.ssh/known_hosts
// (osquery's user_data selection), the whole trimmed line as `key`.
import { usersFromContext } from "../../src/linux/users.ts";
import { defineTable, type Row } from "../../src/table.ts";
import { joinPath, readRegularFile } from "./common.ts";
import { osquerySplit } from "../../src/linux/split.ts";

export default defineTable({
  name: "known_hosts",
  userData: true,
  columns: {
    uid: "BIGINT index optimized",
    key: "TEXT",
    key_file: "TEXT",
  },
  generate(ctx) {
    const rows: Row[] = [];
    for (const user of usersFromContext(ctx)) {
      const file = joinPath(user.home, ".ssh/known_hosts");
      for (const key of parseKnownHosts(readRegularFile(file) ?? "")) rows.push({ uid: user.uid, key, key_file: file });
    }
    return rows;
  },
});

/** Non-empty, non-comment lines, trimmed (hashed `|1|` hosts and `@cert-authority` markers kept as is). */
export function parseKnownHosts(text: string): string[] {
  return osquerySplit(text, "\n").filter((l) => l !== "" && !l.startsWith("#"));
}
