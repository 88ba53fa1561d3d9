// yara_process: the memory of each process named by `pid` (= or IN) scanned
// with the rule sets the query names (see yara_file). As libyara's process
// scan does, every readable mapping of /proc/<pid>/maps is read through
// /proc/<pid>/mem and a string's offset is its virtual address; the mappings
// are scanned together (in groups of at most SCAN_GROUP_BYTES) so a condition
// sees the whole process. A pid that cannot be read gives no row.
import { closeSync, openSync } from "node:fs";
import { readAt } from "../../src/linux/fs.ts";
import { readProcFile } from "../../src/linux/proc.ts";
import { verbose } from "../../src/logger/glog.ts";
import { defineTable, type Row } from "../../src/table.ts";
import type { YaraRuleMatch } from "../../src/yara/engine.ts";
import { matchRow, ruleSets, scanBuffer, scanDelay, type RuleSet } from "../../src/yara/scan.ts";

/** The most memory handed to the wasm engine at once (its heap is 32-bit). */
export const SCAN_GROUP_BYTES = 256 * 1024 * 1024;

export default defineTable({
  name: "yara_process",
  columns: {
    pid: "INTEGER required index",
    matches: "TEXT",
    count: "INTEGER",
    sig_group: "TEXT additional",
    sigfile: "TEXT additional",
    sigrule: "TEXT hidden additional",
    strings: "TEXT",
    tags: "TEXT",
    sigurl: "TEXT hidden additional",
    pid_with_namespace: "INTEGER hidden additional",
  },
  async generate(ctx) {
    const pids = [...new Set(ctx.equals("pid").map(Number).filter((p) => Number.isInteger(p) && p > 0))].sort((a, b) => a - b);
    if (pids.length === 0) return [];
    const sets = await ruleSets(ctx);
    if (!sets) return [];
    const rows: Row[] = [];
    for (const pid of pids) {
      const groups = readProcessMemory(pid);
      if (!groups) continue;
      for (const set of sets) {
        const row = await scanGroups(set, groups);
        if (row) rows.push({ pid, ...row });
        await scanDelay();
      }
    }
    return rows;
  },
});

interface Region {
  readonly address: number;
  /** Where the region starts in its group's buffer. */
  readonly at: number;
  readonly size: number;
}

interface MemoryGroup {
  readonly data: Buffer;
  readonly regions: readonly Region[];
}

/** The readable mappings of `pid`, read and packed into groups; null when the process cannot be read. */
function readProcessMemory(pid: number): MemoryGroup[] | null {
  const maps = readProcFile(pid, "maps");
  if (maps === null) {
    verbose("yara.cpp", `YARA process scan failed: /proc/${pid}/maps cannot be read`);
    return null;
  }
  let fd: number;
  try {
    fd = openSync(`/proc/${pid}/mem`, "r");
  } catch (e) {
    verbose("yara.cpp", `YARA process scan failed: /proc/${pid}/mem: ${(e as Error).message}`);
    return null;
  }
  const groups: MemoryGroup[] = [];
  let chunks: Buffer[] = [];
  let regions: Region[] = [];
  let size = 0;
  const flush = () => {
    if (chunks.length > 0) groups.push({ data: Buffer.concat(chunks), regions });
    chunks = [];
    regions = [];
    size = 0;
  };
  try {
    for (const line of maps.split("\n")) {
      const m = /^([0-9a-f]+)-([0-9a-f]+) (r)/.exec(line);
      if (!m) continue;
      const start = Number.parseInt(m[1]!, 16);
      const end = Number.parseInt(m[2]!, 16);
      // [vvar] and the like refuse reads: readAt then returns what it got (nothing).
      const length = Math.min(end - start, SCAN_GROUP_BYTES);
      if (size + length > SCAN_GROUP_BYTES) flush();
      const data = readAt(fd, BigInt(start), length);
      if (data.length === 0) continue;
      regions.push({ address: start, at: size, size: data.length });
      chunks.push(data);
      size += data.length;
    }
    flush();
  } finally {
    closeSync(fd);
  }
  return groups;
}

/** The address a buffer offset stands for. */
function addressOf(regions: readonly Region[], offset: number): number {
  let lo = 0;
  let hi = regions.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (regions[mid]!.at <= offset) lo = mid;
    else hi = mid - 1;
  }
  const r = regions[lo];
  return r ? r.address + (offset - r.at) : offset;
}

/** One row for the whole process: the rules matching in any group, each once, first match kept. */
async function scanGroups(set: RuleSet, groups: readonly MemoryGroup[]): Promise<Row | null> {
  const byRule = new Map<string, YaraRuleMatch>();
  let scanned = false;
  for (const g of groups) {
    const matches = await scanBuffer(set.rules, g.data);
    if (!matches) continue;
    scanned = true;
    for (const m of matches) {
      if (byRule.has(m.rule)) continue;
      byRule.set(m.rule, { ...m, strings: m.strings.map((s) => ({ identifier: s.identifier, offset: addressOf(g.regions, s.offset) })) });
    }
  }
  return scanned ? matchRow(set, [...byRule.values()]) : null;
}
