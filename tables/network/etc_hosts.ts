// etc_hosts (alias hosts): the entries of /etc/hosts. With the hidden
// pid_with_namespace column constrained, the file is read inside each named
// process's mount namespace (the shared namespace helper), and the rows carry
// that pid; a constraint that names no usable pid (0, a range) reads nothing,
// as osquery's container worker does.
import { defineTable } from "../../src/table.ts";
import { readText } from "../../src/linux/fs.ts";
import { forEachNamespace } from "../../src/linux/namespaces.ts";
import { verbose } from "../../src/logger/glog.ts";
import { osquerySplit } from "../../src/linux/split.ts";

/** address + space-joined hostnames per line; comments (# at a word start) end a line. */
export function parseHosts(text: string): { address: string; hostnames?: string }[] {
  const out: { address: string; hostnames?: string }[] = [];
  for (const raw of osquerySplit(text, "\n")) {
    const words = osquerySplit(raw);
    if (words.length === 0 || (words[0] ?? "").startsWith("#")) continue;
    const entry: { address: string; hostnames?: string } = { address: words[0] ?? "" };
    if (words.length > 1) {
      const names: string[] = [];
      for (const w of words.slice(1)) {
        if (w.startsWith("#")) break;
        names.push(w);
      }
      entry.hostnames = names.join(" ");
    }
    out.push(entry);
  }
  return out;
}

export default defineTable({
  name: "etc_hosts",
  aliases: ["hosts"],
  cacheable: true,
  columns: {
    address: "TEXT",
    hostnames: "TEXT",
    pid_with_namespace: "INTEGER hidden additional",
  },
  generate(ctx) {
    return forEachNamespace(ctx, (ns) => {
      const text = readText(`${ns.root}/etc/hosts`);
      if (text === null) {
        verbose("etc_hosts.ts", `Cannot read ${ns.root}/etc/hosts`);
        return [];
      }
      return parseHosts(text);
    });
  },
});
