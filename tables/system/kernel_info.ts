// kernel_info: the running kernel's version and boot command line.
//
// As osquery: version is the third word of /proc/version when the second is
// "version"; /proc/cmdline's words are split into path (BOOT_IMAGE=...),
// device (root=...) and arguments (all the other words, space-joined).
import { readText } from "../../src/linux/proc.ts";
import { defineTable, type Row } from "../../src/table.ts";
import { osquerySplit } from "../../src/linux/split.ts";

export default defineTable({
  name: "kernel_info",
  cacheable: true,
  columns: {
    version: "TEXT collate=version",
    arguments: "TEXT",
    path: "TEXT",
    device: "TEXT",
  },
  generate() {
    return [kernelInfoRow(readText("/proc/cmdline"), readText("/proc/version"))];
  },
});

export function kernelInfoRow(cmdline: string | null, version: string | null): Row {
  const r: Row = {};
  if (cmdline !== null) {
    const rest: string[] = [];
    for (const arg of osquerySplit(cmdline, " ")) {
      if (arg.startsWith("BOOT_IMAGE=")) r.path = arg.slice(11);
      else if (arg.startsWith("root=")) r.device = arg.slice(5);
      else rest.push(arg);
    }
    r.arguments = rest.join(" ");
  }
  if (version !== null) {
    const words = osquerySplit(version, " ");
    if (words.length > 2 && words[1] === "version") r.version = words[2];
  }
  return r;
}
