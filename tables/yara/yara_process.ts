// yara_process: the memory of each process named by `pid` (= or IN) scanned
// with the rule sets the query names (see yara_file). As libyara's process
// scan does, every readable mapping of /proc/<pid>/maps is read through
// /proc/<pid>/mem and a string's offset is its virtual address; the mappings
// are scanned together (in groups of at most MAX_SCAN_BYTES) so a condition
// sees the whole process. A pid that cannot be read gives no row.
import { closeSync, openSync } from "node:fs";
import { readAt } from "../../src/linux/fs.ts";
import { readProcFile } from "../../src/linux/proc.ts";
import { verbose } from "../../src/logger/glog.ts";
import { defineTable, type Row } from "../../src/table.ts";
import { MAX_SCAN_BYTES, type YaraRuleMatch } from "../../src/yara/engine.ts";
import { matchRow, ruleSets, scanBuffer, scanDelay, type RuleSet } from "../../src/yara/scan.ts";


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
      for (const row of await scanProcess(pid, sets)) rows.push({ pid, ...row });
    }
    return rows;
  },
});

/** One row per rule set for the whole process: the rules matching in any group, each once, first match kept. */
async function scanProcess(pid: number, sets: readonly RuleSet[]): Promise<Row[]> {
  const byRule = sets.map(() => new Map<string, YaraRuleMatch>());
  const scanned = sets.map(() => false);
  const groups = memoryGroups(pid);
  if (!groups) return [];
  for (const g of groups) {
    for (const [i, set] of sets.entries()) {
      const matches = await scanBuffer(set.rules, g.data);
      if (!matches) continue;
      scanned[i] = true;
      for (const m of matches) {
        if (byRule[i]!.has(m.rule)) continue;
        byRule[i]!.set(m.rule, { ...m, strings: m.strings.map((s) => ({ identifier: s.identifier, offset: addressOf(g.regions, s.offset) })) });
      }
    }
  }
  // osquery pauses once per process and rule set.
  for (let i = 0; i < sets.length; i++) await scanDelay();
  return sets.flatMap((set, i) => (scanned[i] ? [matchRow(set, [...byRule[i]!.values()])] : []));
}

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

/**
 * The readable mappings of `pid`, read lazily and packed into groups (one
 * group in memory at a time); null when the process cannot be read.
 */
function memoryGroups(pid: number): Iterable<MemoryGroup> | null {
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
  return (function* () {
    let chunks: Buffer[] = [];
    let regions: Region[] = [];
    let size = 0;
    const take = (): MemoryGroup => {
      const g = { data: Buffer.concat(chunks), regions };
      chunks = [];
      regions = [];
      size = 0;
      return g;
    };
    try {
      for (const line of maps.split("\n")) {
        const m = /^([0-9a-f]+)-([0-9a-f]+) r/.exec(line);
        if (!m) continue;
        const start = Number.parseInt(m[1]!, 16);
        const end = Number.parseInt(m[2]!, 16);
        // [vsyscall] sits above 2^53, where addresses lose precision; it refuses reads anyway.
        if (end > Number.MAX_SAFE_INTEGER) continue;
        // A mapping larger than a group is read in group-sized pieces.
        for (let address = start; address < end; address += MAX_SCAN_BYTES) {
          const length = Math.min(end - address, MAX_SCAN_BYTES);
          if (size + length > MAX_SCAN_BYTES && chunks.length > 0) yield take();
          // [vvar] and the like refuse reads: readAt then returns what it got (nothing).
          const data = readAt(fd, BigInt(address), length);
          if (data.length === 0) break;
          regions.push({ address, at: size, size: data.length });
          chunks.push(data);
          size += data.length;
          if (data.length < length) break;
        }
      }
      if (chunks.length > 0) yield take();
    } finally {
      closeSync(fd);
    }
  })();
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
