// msr: a few Intel model-specific registers of every CPU, read through the
// msr driver: an 8-byte pread of /dev/cpu/N/msr at the register's address
// (root only; the `msr` kernel module must be loaded). CPUs whose device
// cannot be opened are skipped; a register the CPU lacks (the read fails)
// leaves its column empty. Values are the raw 64-bit contents, except
// turbo_disabled (one bit as 1/0) and perf_ctl (its low 16 bits), as osquery
// reports them.
import { closeSync, openSync, readdirSync, readSync } from "node:fs";
import { defineTable, type Row } from "../../src/table.ts";
import { logUnreadable } from "../../src/linux/fs.ts";

export default defineTable({
  name: "msr",
  columns: {
    processor_number: "BIGINT",
    turbo_disabled: "BIGINT",
    turbo_ratio_limit: "BIGINT",
    platform_info: "BIGINT",
    perf_ctl: "BIGINT",
    perf_status: "BIGINT",
    feature_control: "BIGINT",
    rapl_power_limit: "BIGINT",
    rapl_energy_status: "BIGINT",
    rapl_power_units: "BIGINT",
  },
  generate: () => msrRows(),
});

/** Register addresses (the kernel's msr-index.h names) and how osquery reduces each value. */
export const MSR_FIELDS: ReadonlyArray<{ column: string; address: number; mask?: bigint; flag?: boolean }> = [
  // IA32_MISC_ENABLE bit 38: Turbo Mode disabled.
  { column: "turbo_disabled", address: 0x1a0, mask: 1n << 38n, flag: true },
  { column: "turbo_ratio_limit", address: 0x1ad },
  { column: "platform_info", address: 0xce },
  { column: "perf_status", address: 0x198 },
  { column: "perf_ctl", address: 0x199, mask: 0xffffn },
  { column: "feature_control", address: 0x3a },
  { column: "rapl_power_limit", address: 0x610 },
  { column: "rapl_energy_status", address: 0x611 },
  { column: "rapl_power_units", address: 0x606 },
];

const INT64_MAX = (1n << 63n) - 1n;

/**
 * A column value from a raw register (unsigned 64-bit). osquery prints the
 * unsigned number and SQLite cannot take one above INT64_MAX as a BIGINT, so
 * such values come out NULL there; they do here too.
 */
export function decodeMsr(field: (typeof MSR_FIELDS)[number], raw: bigint): bigint | null {
  const masked = raw & (field.mask ?? 0xffff_ffff_ffff_ffffn);
  if (field.flag) return masked !== 0n ? 1n : 0n;
  return masked > INT64_MAX ? null : masked;
}

/** One row from a reader of 8-byte registers (undefined when a register cannot be read). */
export function msrRow(cpu: number, read: (address: number) => bigint | undefined): Row {
  const row: Row = { processor_number: cpu };
  for (const field of MSR_FIELDS) {
    const raw = read(field.address);
    if (raw !== undefined) row[field.column] = decodeMsr(field, raw);
  }
  return row;
}

/** Rows for every /dev/cpu/<N> whose msr device opens. */
export function msrRows(cpuDir = "/dev/cpu"): Row[] {
  let cpus: number[];
  try {
    // osquery keeps entries whose name starts with a digit and reads them with atoi().
    cpus = readdirSync(cpuDir)
      .filter((n) => /^\d/.test(n))
      .map((n) => parseInt(n, 10))
      .sort((a, b) => a - b);
  } catch (e) {
    logUnreadable("msr.ts", cpuDir, e);
    return [];
  }
  const rows: Row[] = [];
  for (const cpu of cpus) {
    let fd: number;
    try {
      fd = openSync(`${cpuDir}/${cpu}/msr`, "r");
    } catch (e) {
      logUnreadable("msr.ts", `${cpuDir}/${cpu}/msr`, e);
      continue; // module not loaded, not root, or not x86
    }
    try {
      const buf = Buffer.alloc(8);
      rows.push(
        msrRow(cpu, (address) => {
          try {
            return readSync(fd, buf, 0, 8, address) === 8 ? buf.readBigUInt64LE(0) : undefined;
          } catch {
            // Nothing lost: the column is empty for a register the CPU lacks, as in osquery.
            return undefined; // EIO: the CPU does not implement this register
          }
        }),
      );
    } finally {
      closeSync(fd);
    }
  }
  return rows;
}
