// etc_hosts (alias hosts): the entries of /etc/hosts. With the hidden
// pid_with_namespace column constrained, the file is read inside that
// process's mount namespace (through /proc/<pid>/root), as osquery does for
// containers, and the rows carry that pid.
import { defineTable, type Row } from "../../src/table.ts";
import { readText } from "../../src/linux/proc.ts";
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
    const pids = ctx.equals("pid_with_namespace").filter((p) => /^[0-9]+$/.test(p) && p !== "0");
    const sources: [string, number][] = pids.length > 0
      ? pids.map((p) => [`/proc/${p}/root/etc/hosts`, Number(p)])
      : [["/etc/hosts", 0]];
    const rows: Row[] = [];
    for (const [path, pid] of sources) {
      const text = readText(path);
      if (text === null) continue;
      for (const e of parseHosts(text)) rows.push({ ...e, pid_with_namespace: pid });
    }
    return rows;
  },
});
