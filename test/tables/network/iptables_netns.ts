// Run under `unshare -n` by iptables.test.ts: installs the fixture filter
// table into this private network namespace with IPT_SO_SET_REPLACE (what
// iptables-restore does), then prints what the iptables table reads back,
// through the generator and through the compiled binary.
import { dlopen, FFIType, ptr } from "bun:ffi";
import { existsSync } from "node:fs";
import iptables from "../../../tables/network/iptables.ts";
import { rawIpGetsockopt } from "../../../src/linux/libc_net.ts";
import { parseGetInfo } from "../../../tables/network/iptables.ts";
import { QueryContext } from "../../../src/table.ts";
import { OSQUERYI } from "../../helpers.ts";
import { buildFilter, REJECT } from "./iptables_fixture.ts";

const libc = dlopen("libc.so.6", {
  socket: { args: [FFIType.i32, FFIType.i32, FFIType.i32], returns: FFIType.i32 },
  setsockopt: { args: [FFIType.i32, FFIType.i32, FFIType.i32, FFIType.ptr, FFIType.u32], returns: FFIType.i32 },
  close: { args: [FFIType.i32], returns: FFIType.i32 },
}).symbols;

// Reading the table first makes the kernel create it in this namespace.
const current = new Uint8Array(84);
current.set(new TextEncoder().encode("filter"));
if (!rawIpGetsockopt(0, 64, current)) {
  console.log(JSON.stringify({ error: "no filter table" }));
  process.exit(0);
}
const old = parseGetInfo(current);

const { info, blob } = buildFilter(REJECT);
const mine = parseGetInfo(info);
// struct ipt_replace: name, valid_hooks, num_entries, size, hook_entry[5],
// underflow[5], num_counters, counters pointer (offset 88), entries (offset 96).
const repl = new Uint8Array(96 + blob.length);
const dv = new DataView(repl.buffer);
repl.set(new TextEncoder().encode("filter"));
dv.setUint32(32, mine.validHooks, true);
dv.setUint32(36, mine.numEntries, true);
dv.setUint32(40, mine.size, true);
mine.hookEntry.forEach((v, i) => dv.setUint32(44 + 4 * i, v, true));
mine.underflow.forEach((v, i) => dv.setUint32(64 + 4 * i, v, true));
dv.setUint32(84, old.numEntries, true);
const oldCounters = new Uint8Array(16 * old.numEntries);
dv.setBigUint64(88, BigInt(ptr(oldCounters)), true);
repl.set(blob, 96);

const fd = libc.socket(2, 3, 255);
const rc = libc.setsockopt(fd, 0, 64 /* IPT_SO_SET_REPLACE */, ptr(repl), repl.length);
libc.close(fd);
if (rc !== 0) {
  console.log(JSON.stringify({ error: "SET_REPLACE refused" }));
  process.exit(0);
}

const rows = await iptables.generate(new QueryContext());
const e2e = existsSync(OSQUERYI)
  ? Bun.spawnSync([OSQUERYI, "--json", "SELECT * FROM iptables WHERE filter_name = 'filter'"])
  : { exitCode: -1, stdout: "" };
console.log(
  JSON.stringify(
    { rows, names: await Bun.file("/proc/net/ip_tables_names").text(), e2e: e2e.exitCode === 0 ? JSON.parse(e2e.stdout.toString()) : null },
    (_k, v) => (typeof v === "bigint" ? Number(v) : v),
  ),
);
