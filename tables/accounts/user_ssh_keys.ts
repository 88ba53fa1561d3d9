// user_ssh_keys: the private keys among the files in each selected user's
// ~/.ssh (osquery's user_data selection), with whether each is encrypted and
// its type, size and security strength. Files that are not private keys
// (public keys, known_hosts, config) are left out.
import { usersFromContext } from "../../src/linux/users.ts";
import { namespaceTargets } from "../../src/linux/namespaces.ts";
import { defineTable, type Row } from "../../src/table.ts";
import { joinPath, listFiles, readRegularFile } from "./common.ts";
import { inspectPrivateKey } from "./private_key.ts";

export default defineTable({
  name: "user_ssh_keys",
  userData: true,
  columns: {
    uid: "BIGINT additional optimized",
    path: "TEXT index",
    encrypted: "INTEGER",
    key_type: "TEXT",
    key_group_name: "TEXT",
    key_length: "INTEGER",
    key_security_bits: "INTEGER",
    pid_with_namespace: "INTEGER hidden additional",
  },
  generate(ctx) {
    const rows: Row[] = [];
    for (const { root, pid } of namespaceTargets(ctx)) {
      for (const user of usersFromContext(ctx, root)) {
        for (const path of listFiles(joinPath(user.home, ".ssh"), root)) {
          const content = readRegularFile(root + path);
          const info = content === null ? null : inspectPrivateKey(content);
          if (!info) continue;
          rows.push({
            uid: user.uid,
            path,
            encrypted: info.encrypted ? 1 : 0,
            key_type: info.keyType,
            key_group_name: info.groupName,
            key_length: info.length,
            key_security_bits: info.securityBits,
            pid_with_namespace: pid,
          });
        }
      }
    }
    return rows;
  },
});
