// arp_cache: the kernel's IPv4 neighbour table from /proc/net/arp
// ("IP address  HW type  Flags  HW address  Mask  Device"). An entry is
// permanent when its flags are exactly ATF_COM|ATF_PERM (0x6), as osquery tests.
import { defineTable, type Row } from "../../src/table.ts";
import { readText } from "../../src/linux/proc.ts";

export function parseArp(text: string): Row[] {
  const rows: Row[] = [];
  const lines = text.split("\n");
  // The first line is the header; osquery also skips the final (empty) line.
  for (const line of lines.slice(1)) {
    const f = line.split(" ").filter((x) => x.length > 0).map((x) => x.trim());
    if (f.length !== 6) continue;
    rows.push({ address: f[0], mac: f[3], interface: f[5], permanent: f[2] === "0x6" ? "1" : "0" });
  }
  return rows;
}

export default defineTable({
  name: "arp_cache",
  columns: {
    address: "TEXT",
    mac: "TEXT collate=nocase",
    interface: "TEXT",
    permanent: "TEXT",
  },
  generate() {
    return parseArp(readText("/proc/net/arp") ?? "");
  },
});
