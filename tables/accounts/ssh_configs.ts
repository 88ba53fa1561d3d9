// ssh_configs: the options of each selected user's ~/.ssh/config and of the
// system-wide /etc/ssh/ssh_config (reported with uid 0). osquery lower-cases
// every line and reports each option under the `Host`/`Match` line that
// opens its block ("" before the first one); Include lines are options, not followed.
import { usersFromContext } from "../../src/linux/users.ts";
import { defineTable, type Row } from "../../src/table.ts";
import { joinPath, readRegularFile } from "./common.ts";
import { osquerySplit } from "../../src/linux/split.ts";

export const SYSTEM_SSH_CONFIG = "/etc/ssh/ssh_config";

export default defineTable({
  name: "ssh_configs",
  userData: true,
  columns: {
    uid: "BIGINT additional optimized",
    block: "TEXT",
    option: "TEXT",
    ssh_config_file: "TEXT",
  },
  generate(ctx) {
    const rows: Row[] = [];
    const add = (uid: number, file: string) => {
      for (const o of parseSshConfig(readRegularFile(file) ?? "")) rows.push({ uid, ...o, ssh_config_file: file });
    };
    for (const user of usersFromContext(ctx)) add(user.uid, joinPath(user.home, ".ssh/config"));
    add(0, SYSTEM_SSH_CONFIG);
    return rows;
  },
});

export interface SshConfigOption {
  readonly block: string;
  readonly option: string;
}

export function parseSshConfig(text: string): SshConfigOption[] {
  const out: SshConfigOption[] = [];
  let block = "";
  for (const raw of osquerySplit(text, "\n")) {
    // boost::to_lower in the C locale: ASCII letters only.
    const line = raw.replace(/[A-Z]/g, (c) => c.toLowerCase());
    if (line === "" || line.startsWith("#")) continue;
    if (line.startsWith("host ") || line.startsWith("match ")) block = line;
    else out.push({ block, option: line });
  }
  return out;
}
