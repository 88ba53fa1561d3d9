// authorized_keys: the public keys in each selected user's
// ~/.ssh/authorized_keys and ~/.ssh/authorized_keys2 (osquery's user_data
// selection: the users named by `uid`, else the user running the query).
import { usersFromContext } from "../../src/linux/users.ts";
import { existsSync } from "node:fs";
import { namespaceTargets } from "../../src/linux/namespaces.ts";
import { defineTable, type Row } from "../../src/table.ts";
import { joinPath, readRegularFile } from "./common.ts";
import { osquerySplit } from "../../src/linux/split.ts";

export default defineTable({
  name: "authorized_keys",
  userData: true,
  columns: {
    uid: "BIGINT additional",
    algorithm: "TEXT",
    key: "TEXT",
    options: "TEXT",
    comment: "TEXT",
    key_file: "TEXT",
    pid_with_namespace: "INTEGER hidden additional",
  },
  generate(ctx) {
    const rows: Row[] = [];
    for (const { root, pid } of namespaceTargets(ctx)) {
      for (const user of usersFromContext(ctx, root)) {
        for (const name of [".ssh/authorized_keys", ".ssh/authorized_keys2"]) {
          const file = joinPath(user.home, name);
          if (!existsSync(root + file)) continue;
          const text = readRegularFile(root + file);
          // osquery gives up on the user when an existing file cannot be read.
          if (text === null) break;
          for (const key of parseAuthorizedKeys(text)) {
            rows.push({ uid: user.uid, ...key, key_file: file, pid_with_namespace: pid });
          }
        }
      }
    }
    return rows;
  },
});

/** The key types osquery recognises (posix/authorized_keys.cpp), tried in this order; FIDO security keys included. */
const KEY_TYPES = [
  "ssh-rsa",
  "ssh-ed25519",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "sk-ecdsa-sha2-nistp256@openssh.com",
  "sk-ssh-ed25519@openssh.com",
];
const WS = " \t";

export interface AuthorizedKey {
  readonly algorithm?: string;
  readonly key?: string;
  readonly options?: string;
  readonly comment?: string;
}

function firstOf(line: string, from: number, wanted: boolean): number {
  for (let i = from; i < line.length; i++) if (WS.includes(line[i]!) === wanted) return i;
  return -1;
}

/**
 * One entry per key line: `[options] keytype base64 [comment]`. The key type
 * is found as the first occurrence of a known type followed by a blank; what
 * precedes it is the options. Lines with no known type are skipped unless
 * their options carry z/OS's `zos-key-ring-label=` (then the whole line is the options).
 */
export function parseAuthorizedKeys(text: string): AuthorizedKey[] {
  const out: AuthorizedKey[] = [];
  for (const line of osquerySplit(text, "\n")) {
    if (line === "" || line.startsWith("#")) continue;
    let found = false;
    for (const type of KEY_TYPES) {
      const at = line.indexOf(type);
      if (at < 0) continue;
      const after = line[at + type.length];
      if (after !== " " && after !== "\t") continue;
      found = true;
      const entry: { algorithm: string; key?: string; options?: string; comment?: string } = { algorithm: type };
      if (at > 0) entry.options = line.slice(0, at).replace(/[ \t]+$/, "");
      const keyStart = firstOf(line, at + type.length, false);
      if (keyStart < 0) break; // a type with nothing after it: no row
      const keyEnd = firstOf(line, keyStart, true);
      if (keyEnd >= 0) {
        entry.key = line.slice(keyStart, keyEnd);
        entry.comment = line.slice(firstOf(line, keyEnd, false));
      } else {
        entry.key = line.slice(keyStart);
      }
      out.push(entry);
      break;
    }
    if (!found && osquerySplit(line, ",").some((o) => o.startsWith("zos-key-ring-label="))) {
      out.push({ options: line });
    }
  }
  return out;
}
