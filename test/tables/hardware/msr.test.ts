// msr: the register decoding on fixture values (a fake /dev/cpu tree of
// sparse files whose bytes sit at the register addresses, read the same way
// the driver is), and on this host a run that must not fail: without the msr
// module there is no /dev/cpu/N/msr and so no rows.
import { afterAll, describe, expect, test } from "bun:test";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import table, { decodeMsr, MSR_FIELDS, msrRow, msrRows } from "../../../tables/hardware/msr.ts";
import { generate, query } from "../../helpers.ts";

const tmp = mkdtempSync(join(tmpdir(), "osq-msr-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A file whose bytes at `address` are the little-endian value, like the msr device. */
function fakeMsrDevice(path: string, registers: Record<number, bigint>): void {
  mkdirSync(join(path, ".."), { recursive: true });
  const fd = openSync(path, "w");
  try {
    for (const [address, value] of Object.entries(registers)) {
      const b = Buffer.alloc(8);
      b.writeBigUInt64LE(value);
      writeSync(fd, b, 0, 8, Number(address));
    }
  } finally {
    closeSync(fd);
  }
}

const field = (column: string) => MSR_FIELDS.find((f) => f.column === column)!;

describe("msr", () => {
  test("decoding: the turbo flag is bit 38, perf_ctl keeps 16 bits, others are raw", () => {
    expect(decodeMsr(field("turbo_disabled"), 1n << 38n)).toBe(1n);
    expect(decodeMsr(field("turbo_disabled"), (1n << 39n) | (1n << 37n) | 0x850089n)).toBe(0n);
    expect(decodeMsr(field("perf_ctl"), 0x1234_0000_2a00n)).toBe(0x2a00n);
    expect(decodeMsr(field("platform_info"), 0x8083_f3ff_2810_2400n & ((1n << 63n) - 1n))).toBe(0x0083f3ff28102400n);
    // Above INT64_MAX osquery's BIGINT cast fails and the column is NULL.
    expect(decodeMsr(field("rapl_power_limit"), 0x8000_0000_0000_0001n)).toBeNull();
    expect(decodeMsr(field("turbo_disabled"), 0xffff_ffff_ffff_ffffn)).toBe(1n);
  });

  test("fixture registers: every column from its address, unreadable ones left out", () => {
    const regs = new Map<number, bigint>([
      [0x1a0, 0x40_0085_0089n], // bit 38 set
      [0x1ad, 0x1f1f_2021_2223_2425n],
      [0xce, 0x0838_f3ff_2810_2400n],
      [0x198, 0x1e_0000_2400n],
      [0x199, 0xdead_1d00n],
      [0x3a, 0x5n],
      [0x610, 0x0042_8118_00dd_8230n],
      [0x611, 0x3a1b_c0den],
      // 0x606 missing: the driver's read fails (EIO) on CPUs without RAPL.
    ]);
    const row = msrRow(0, (a) => regs.get(a));
    expect(row).toEqual({
      processor_number: 0,
      turbo_disabled: 1n,
      turbo_ratio_limit: 0x1f1f_2021_2223_2425n,
      platform_info: 0x0838_f3ff_2810_2400n,
      perf_status: 0x1e_0000_2400n,
      perf_ctl: 0x1d00n,
      feature_control: 5n,
      rapl_power_limit: 0x0042_8118_00dd_8230n,
      rapl_energy_status: 0x3a1b_c0den,
    });
  });

  test("fixture device tree: pread at the register address, CPUs without a device skipped", () => {
    // A regular file stands in for the device; registers 8+ bytes apart do not overlap in it.
    const cpuDir = join(tmp, "cpu");
    fakeMsrDevice(join(cpuDir, "0", "msr"), { 0x3a: 0x5n, 0xce: 0x0838_f3ff_2810_2400n, 0x1a0: 1n << 38n });
    fakeMsrDevice(join(cpuDir, "2", "msr"), { 0x606: 0xa0e03n, 0x1a0: 0n, 0x3a: 0x8000_0000_0000_0000n });
    mkdirSync(join(cpuDir, "1"), { recursive: true }); // no msr device: skipped
    mkdirSync(join(cpuDir, "microcode"), { recursive: true }); // not a CPU number
    const rows = msrRows(cpuDir);
    expect(rows.map((r) => r.processor_number)).toEqual([0, 2]);
    const [cpu0, cpu2] = rows;
    expect(cpu0!.feature_control).toBe(5n);
    expect(cpu0!.platform_info).toBe(0x0838_f3ff_2810_2400n);
    expect(cpu0!.turbo_disabled).toBe(1n);
    // Past the end of cpu0's file the read is short, as for a missing register.
    expect("rapl_energy_status" in cpu0!).toBe(false);
    expect(cpu2!.rapl_power_units).toBe(0xa0e03n);
    expect(cpu2!.turbo_disabled).toBe(0n);
    expect(cpu2!.feature_control).toBeNull();
    expect(msrRows(join(tmp, "nothing"))).toEqual([]);
  });

  test("msrRow asks for each osquery register address once", () => {
    const asked: number[] = [];
    msrRow(3, (a) => (asked.push(a), undefined));
    expect(asked.sort((a, b) => a - b)).toEqual([0x3a, 0xce, 0x198, 0x199, 0x1a0, 0x1ad, 0x606, 0x610, 0x611]);
  });

  test("live: one row per CPU with an msr device, none without", async () => {
    const cpus = existsSync("/dev/cpu") ? readdirSync("/dev/cpu").filter((n) => existsSync(`/dev/cpu/${n}/msr`)) : [];
    const rows = await generate(table);
    expect(rows.map((r) => String(r.processor_number)).sort()).toEqual(cpus.sort());
  });

  test("e2e: the binary runs the table", () => {
    const rows = query("select * from msr");
    const cpus = existsSync("/dev/cpu") ? readdirSync("/dev/cpu").filter((n) => existsSync(`/dev/cpu/${n}/msr`)) : [];
    expect(rows.length).toBe(cpus.length);
  });
});
