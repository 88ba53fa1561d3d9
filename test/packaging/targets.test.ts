// Every cross-built binary (dist/<target>/osq, `npm run build:all`) runs on a
// machine of its kind and opens its LMDB database: arm64 under Debian's
// qemu-user-static with nothing but the arm64 C library, the baseline build on
// a CPU model without AVX2, the musl builds against Debian's musl loaders
// (arm64's under qemu), and the glibc build in a chroot that holds nothing but
// itself and the C library files ldd names. The lmdb addon each one embeds
// (compiled by scripts/lmdb-addon.ts) names only C library files.
import { beforeAll, describe, expect, test } from "bun:test";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { ROOT } from "../helpers.ts";
import { tool } from "../tools.ts";
import { binaryOf, copyInto, elfNeeded, ensureTargets, expectSelectAndDatabase, highestGlibc, inChroot, isLibcFile, lddFiles, lmdbAddonOf, ok, run, scratch, TARGETS, type TargetName } from "./fixture.ts";

/** e_machine of an ELF file: 62 is x86-64, 183 is AArch64. */
function elfMachine(file: string): number {
  const head = readFileSync(file).subarray(0, 20);
  expect(head.subarray(0, 4).toString("latin1")).toBe("\x7fELF");
  return head.readUInt16LE(18);
}

/** PT_INTERP of an ELF file, read with binutils' readelf. */
function interpreter(file: string): string {
  const out = ok([tool("readelf", "binutils"), "-l", file]);
  return /Requesting program interpreter: (\S+)\]/.exec(out)?.[1] ?? "";
}

beforeAll(() => ensureTargets(TARGETS), 300_000);

describe("cross-built binaries", () => {
  test.each([...TARGETS])("%s embeds an lmdb addon that needs only the C library", async (target: TargetName) => {
    const addon = await lmdbAddonOf(target);
    const needed = elfNeeded(addon);
    expect(needed.length).toBeGreaterThan(0);
    expect(needed.filter((lib) => !isLibcFile(lib))).toEqual([]);
    // glibc by symbol version no newer than Bun's own runtime needs (the packages' floor); musl has no symbol versions.
    expect(highestGlibc(addon)).toBe(target.includes("musl") ? "" : "2.17");
    // That file is the one in the binary: its bytes are there, as Bun embeds them.
    expect(readFileSync(binaryOf(target)).indexOf(readFileSync(addon))).toBeGreaterThan(0);
  }, 60_000);

  test("linux-x64 runs and opens its database in a chroot of itself and the C library files ldd lists", () => {
    const bin = binaryOf("linux-x64");
    expect(elfMachine(bin)).toBe(62);
    const libs = lddFiles(bin);
    expect(libs.map((f) => basename(f)).filter((name) => !isLibcFile(name))).toEqual([]);
    const root = scratch("chroot");
    try {
      cpSync(bin, join(root, "osqueryi"));
      copyInto(root, libs);
      // The database is the part that needs lmdb's addon (embedded, loaded on first use): it opens with libc alone.
      expectSelectAndDatabase((args) => inChroot(root, ["/osqueryi", ...args]), "/db");
      expect(existsSync(join(root, "db"))).toBe(true);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 60_000);

  test("linux-x64-baseline runs on a CPU without AVX2 (qemu-x86_64 -cpu Nehalem)", () => {
    const qemu = tool("qemu-x86_64-static", "qemu-user-static");
    // glibc's own CPU probe, run on the same emulated model, shows AVX2 (x86-64-v3) is not there.
    const probe = ok([qemu, "-cpu", "Nehalem", "/lib64/ld-linux-x86-64.so.2", "--help"]);
    expect(probe).toMatch(/^\s*x86-64-v2 \(supported, searched\)$/m);
    expect(probe).toMatch(/^\s*x86-64-v3$/m);
    const db = scratch("baseline");
    try {
      expectSelectAndDatabase((args) => run([qemu, "-cpu", "Nehalem", binaryOf("linux-x64-baseline"), ...args]), join(db, "db"));
    } finally {
      rmSync(db, { recursive: true, force: true });
    }
  }, 120_000);

  test("linux-arm64 is an AArch64 binary and runs under qemu-aarch64 with nothing but Debian's arm64 C library", async () => {
    const bin = binaryOf("linux-arm64");
    expect(elfMachine(bin)).toBe(183);
    const qemu = tool("qemu-aarch64-static", "qemu-user-static");
    const cross = "/usr/aarch64-linux-gnu/lib";
    const loader = interpreter(bin);
    expect(loader).toBe("/lib/ld-linux-aarch64.so.1");
    // A sysroot for qemu -L of the C library files the runtime and the addon name, and nothing else.
    const needed = [...elfNeeded(bin), ...elfNeeded(await lmdbAddonOf("linux-arm64"))];
    expect(needed.filter((lib) => !isLibcFile(lib))).toEqual([]);
    const sysroot = scratch("arm64");
    try {
      mkdirSync(join(sysroot, "lib"));
      for (const name of new Set([...needed, basename(loader)])) {
        const from = join(cross, name);
        if (!existsSync(from)) throw new Error(`${from} is missing: install the Debian package libc6-arm64-cross`);
        cpSync(from, join(sysroot, "lib", name), { dereference: true });
      }
      expectSelectAndDatabase((args) => run([qemu, "-L", sysroot, bin, ...args]), join(sysroot, "db"));
    } finally {
      rmSync(sysroot, { recursive: true, force: true });
    }
  }, 120_000);

  // Bun's musl runtime itself (not lmdb's addon, which needs musl alone: see the
  // first test) links a C++ runtime, Alpine's libstdc++. Debian has none built
  // for musl, so its glibc-built libstdc++ stands in, with the handful of
  // glibc-only symbols it wants supplied by a tiny shim; the C library, the
  // loader and everything osq calls are musl's.
  test("linux-x64-musl links musl and runs under Debian's musl loader", () => {
    const bin = binaryOf("linux-x64-musl");
    const loader = "/lib/ld-musl-x86_64.so.1";
    expect(elfMachine(bin)).toBe(62);
    expect(interpreter(bin)).toBe(loader);
    if (!Bun.file(loader).size) throw new Error(`${loader} is missing: install the Debian package musl`);
    expect(elfNeeded(bin)).toEqual(["libstdc++.so.6", "libc.musl-x86_64.so.1"]);
    const lib = scratch("musl");
    try {
      for (const f of ["/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libgcc_s.so.1"]) cpSync(f, join(lib, basename(f)), { dereference: true });
      for (const name of ["libc.so.6", "libm.so.6", "ld-linux-x86-64.so.2"]) symlinkSync(loader, join(lib, name));
      buildShim(tool("gcc", "gcc"), lib);
      const launch = (args: readonly string[]) => run([loader, "--preload", join(lib, "libshim.so"), "--library-path", lib, bin, ...args]);
      expectSelectAndDatabase(launch, join(lib, "db"));
    } finally {
      rmSync(lib, { recursive: true, force: true });
    }
  }, 60_000);

  test("linux-arm64-musl links musl and runs under qemu-aarch64 with Debian's arm64 musl loader", () => {
    const bin = binaryOf("linux-arm64-musl");
    const loader = "/lib/ld-musl-aarch64.so.1";
    expect(elfMachine(bin)).toBe(183);
    expect(interpreter(bin)).toBe(loader);
    expect(elfNeeded(bin)).toEqual(["libstdc++.so.6", "libc.musl-aarch64.so.1"]);
    const qemu = tool("qemu-aarch64-static", "qemu-user-static");
    const debs = join(ROOT, "dist/.cache/debian");
    const musl = existsSync(debs) ? readdirSync(debs).find((f) => /^musl_.*_arm64\.deb$/.test(f)) : undefined;
    if (!musl) throw new Error(`Debian's arm64 musl package is missing from ${debs}: scripts/test-deps.sh (npm test's pretest) fetches it`);
    const cross = "/usr/aarch64-linux-gnu/lib";
    if (!Bun.file(join(cross, "libstdc++.so.6")).size) throw new Error(`${cross}/libstdc++.so.6 is missing: install the Debian package libstdc++6-arm64-cross`);
    // A sysroot for qemu -L: musl's loader at its place, the C++ runtime stand-in in /l.
    const sysroot = scratch("musl-arm64");
    try {
      ok([tool("dpkg-deb", "dpkg"), "-x", join(debs, musl), sysroot]);
      expect(existsSync(join(sysroot, loader))).toBe(true);
      const lib = join(sysroot, "l");
      mkdirSync(lib);
      for (const f of ["libstdc++.so.6", "libgcc_s.so.1"]) cpSync(join(cross, f), join(lib, f), { dereference: true });
      for (const name of ["libc.so.6", "libm.so.6", "ld-linux-aarch64.so.1"]) symlinkSync(loader, join(lib, name));
      buildShim(tool("aarch64-linux-gnu-gcc", "gcc-aarch64-linux-gnu"), lib);
      const launch = (args: readonly string[]) => run([qemu, "-L", sysroot, join(sysroot, loader), "--preload", "/l/libshim.so", "--library-path", "/l", bin, ...args]);
      expectSelectAndDatabase(launch, join(sysroot, "db"));
    } finally {
      rmSync(sysroot, { recursive: true, force: true });
    }
  }, 120_000);
});

function buildShim(cc: string, dir: string): void {
  writeFileSync(join(dir, "shim.c"), MUSL_SHIM);
  ok([cc, "-shared", "-fPIC", "-nostdlib", "-o", join(dir, "libshim.so"), join(dir, "shim.c")]);
}

/**
 * glibc symbols Debian's libstdc++ and libgcc_s refer to that musl lacks; none is on osq's paths.
 * Written without headers, so that a bare cross compiler (no libc headers for its target) builds it.
 */
const MUSL_SHIM = `
typedef unsigned long size_t;
typedef unsigned int uint32_t;
struct tm;
typedef void *locale_t;
extern long getrandom(void *buf, size_t len, unsigned flags);
extern size_t strftime_l(char *s, size_t n, const char *f, const struct tm *t, locale_t l);
char __libc_single_threaded = 0;
uint32_t arc4random(void) { uint32_t v = 0; getrandom(&v, sizeof v, 0); return v; }
size_t __strftime_l(char *s, size_t n, const char *f, const struct tm *t, locale_t l) { return strftime_l(s, n, f, t, l); }
int __cxa_thread_atexit_impl(void (*fn)(void *), void *obj, void *dso) { (void)fn; (void)obj; (void)dso; return 0; }
int _dl_find_object(void *pc, void *result) { (void)pc; (void)result; return -1; }
struct { unsigned vendor, type, subtype, features[1]; } __cpu_model;
int __cpu_indicator_init(void) { return 0; }
extern unsigned long getauxval(unsigned long type);
unsigned long __getauxval(unsigned long type) { return getauxval(type); }
`;
