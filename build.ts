// Compiles dist/osq (one executable) and the osqueryi/osqueryd role links.
// `bun build.ts --all` also cross-compiles dist/<target>/osq for every target
// osq ships (`--target=linux-arm64,...` picks some).
//
// lmdb-js finds its native addon at run time through node-gyp-build-optional-packages,
// which searches node_modules on disk; a compiled binary has no node_modules. The
// plugin below swaps that loader for a static require of the addon file, which
// `bun build --compile` then embeds in the executable. msgpackr's optional native
// accelerator is dropped the same way: msgpackr falls back to its JavaScript codec.
//
// A cross target needs Bun's runtime for that target, not the host's: Bun
// publishes one package per platform on the npm registry, fetched with `npm pack`
// into dist/.cache/npm and handed to Bun as `executablePath`, so Bun never
// downloads a runtime from anywhere else. lmdb's addon is compiled for each
// target from lmdb's own sources (scripts/lmdb-addon.ts), so it needs only libc.
import type { BunPlugin } from "bun";
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { type AddonTarget, lmdbAddon } from "./scripts/lmdb-addon.ts";
import { installedVersion, npmPackage } from "./scripts/npm-package.ts";

interface Target extends AddonTarget {
  /** `bun build --compile --target=bun-<name>` and the folder under dist/. */
  readonly name: string;
  /** Bun's runtime package on npm for this target. */
  readonly bunPackage: string;
}

export const TARGETS: readonly Target[] = [
  { name: "linux-x64", bunPackage: "@oven/bun-linux-x64", arch: "x64", libc: "glibc" },
  { name: "linux-x64-baseline", bunPackage: "@oven/bun-linux-x64-baseline", arch: "x64", libc: "glibc" },
  { name: "linux-arm64", bunPackage: "@oven/bun-linux-aarch64", arch: "arm64", libc: "glibc" },
  { name: "linux-x64-musl", bunPackage: "@oven/bun-linux-x64-musl", arch: "x64", libc: "musl" },
  { name: "linux-arm64-musl", bunPackage: "@oven/bun-linux-aarch64-musl", arch: "arm64", libc: "musl" },
];

/**
 * JavaScriptCore's tier-up thresholds, scaled (see Bun.unsafe.setJITPolicy).
 * Nearly everything osq runs is run-once start-up code and short queries; at
 * the normal policy the JIT compiles much of it anyway, and its tiers and
 * their scratch memory made up 5-8 MB of a one-shot `osqueryi "select 1"`
 * peak RSS and about 2 ms of its start (bench/run.ts, select1 rows). Scaled by
 * 1000, only code that really is hot gets compiled: the processes and file
 * rows of bench/run.ts did not get slower. A role may set its own policy at run time.
 */
const JIT_POLICY = 1000;

/**
 * Profile-guided bytecode layout: which functions the common starts use, so
 * Bun places their bytecode together at the front of the executable (about
 * 1 MB less peak RSS for `select 1`). `bun scripts/bytecode-order.ts` records
 * them in scripts/bytecode-order/; an older profile still applies to a newer build, only less well.
 */
const BYTECODE_ORDER_DIR = join(import.meta.dir, "scripts/bytecode-order");

/** The recorded profiles, most common start first (their names sort that way), or false for none. */
function bytecodeOrder(): string[] | false {
  if (process.env.OSQ_BYTECODE_ORDER === "none" || !existsSync(BYTECODE_ORDER_DIR)) return false;
  const files = readdirSync(BYTECODE_ORDER_DIR).filter((f) => f.endsWith(".txt")).sort();
  return files.length > 0 ? files.map((f) => join(BYTECODE_ORDER_DIR, f)) : false;
}

/** osq's runtime is the bun devDependency. */
const BUN_VERSION = installedVersion("bun");

function embedNativeAddons(lmdbAddon: string): BunPlugin {
  return {
    name: "embed-native-addons",
    setup(build) {
      build.onResolve({ filter: /^node-gyp-build-optional-packages$/ }, (args) => ({
        path: args.importer.includes("msgpackr-extract") ? "msgpackr-extract" : "lmdb",
        namespace: "native-addon",
      }));
      build.onResolve({ filter: /^msgpackr-extract$/ }, () => ({ path: "msgpackr-extract", namespace: "native-addon" }));
      build.onLoad({ filter: /.*/, namespace: "native-addon" }, (args) => ({
        contents:
          args.path === "lmdb"
            ? `const addon = require(${JSON.stringify(lmdbAddon)}); export default function load() { return addon; }`
            : `export default function load() { throw new Error("native msgpackr-extract is not embedded"); }
               export function extractStrings() { throw new Error("not embedded"); }
               export function setExtractor() {}`,
        loader: "js",
      }));
    },
  };
}

/** The lmdb addon file a target's binary embeds (compiled when not cached yet). */
export function lmdbAddonOf(targetName: string): Promise<string> {
  const target = TARGETS.find((t) => t.name === targetName);
  if (!target) throw new Error(`unknown target ${targetName}`);
  return lmdbAddon(target);
}

/** The host build's target: the build machine's own arch, with glibc (as the host runtime is). */
function hostAddonTarget(): AddonTarget {
  if (process.arch !== "x64" && process.arch !== "arm64") throw new Error(`no lmdb addon for host arch ${process.arch}`);
  return { arch: process.arch, libc: "glibc" };
}

/** Compiles one executable; `target` absent is the host build: the installed runtime, the host arch's glibc addon. */
async function compile(outfile: string, target?: Target): Promise<void> {
  const addon = await lmdbAddon(target ?? hostAddonTarget());
  const executablePath = target ? join(npmPackage(target.bunPackage, BUN_VERSION), "bin/bun") : undefined;
  // Build beside the old binary and rename over it, so a failed build keeps the
  // last good one and a test running meanwhile never sees it missing.
  const result = await Bun.build({
    // The inotify reader and yara_events' scans run in Workers: each module must be an entry point of its own.
    entrypoints: ["src/main.ts", "src/events/inotify_worker.ts", "src/yara/scan_worker.ts"],
    compile: {
      outfile: `${outfile}.new`,
      ...(target ? { target: `bun-${target.name}` as Bun.Build.CompileTarget, executablePath } : {}),
      // osq is not a Bun app at run time: it must not pick up a .env, bunfig,
      // tsconfig or package.json from whatever directory it is started in.
      autoloadDotenv: false,
      autoloadBunfig: false,
      autoloadTsconfig: false,
      autoloadPackageJson: false,
      jitPolicy: JIT_POLICY,
      bytecodeOrder: bytecodeOrder(),
    },
    minify: true,
    bytecode: true,
    // Each dynamic import becomes its own chunk, loaded only when used: the shell
    // does not pay for the daemon, lmdb or the SQL parser until it needs them.
    splitting: true,
    sourcemap: "none",
    target: "bun",
    format: "esm",
    plugins: [embedNativeAddons(addon)],
  });
  if (!result.success) {
    for (const log of result.logs) console.error(log);
    throw new Error(`building ${outfile} failed`);
  }
  renameSync(`${outfile}.new`, outfile);
}

function linkRoles(dir: string): void {
  for (const role of ["osqueryi", "osqueryd"]) {
    rmSync(join(dir, role), { force: true });
    symlinkSync("osq", join(dir, role));
  }
}

function selectedTargets(argv: readonly string[]): readonly Target[] {
  if (argv.includes("--all")) return TARGETS;
  const picked = argv.find((a) => a.startsWith("--target="))?.slice("--target=".length);
  if (picked === undefined) return [];
  return picked.split(",").map((name) => {
    const t = TARGETS.find((x) => x.name === name);
    if (!t) throw new Error(`unknown target ${name}; known: ${TARGETS.map((x) => x.name).join(", ")}`);
    return t;
  });
}

if (import.meta.main) {
  try {
    const targets = selectedTargets(process.argv.slice(2));
    mkdirSync("dist", { recursive: true });
    // `--target=` alone is the tests' and packagers' way to refresh some cross
    // binaries: dist/osq, which other tests may be running, is left as it is.
    if (targets.length === 0 || process.argv.includes("--all")) {
      await compile("dist/osq");
      linkRoles("dist");
      console.log("built dist/osq");
    }
    for (const target of targets) {
      const dir = join("dist", target.name);
      mkdirSync(dir, { recursive: true });
      await compile(join(dir, "osq"), target);
      linkRoles(dir);
      console.log(`built ${dir}/osq`);
    }
  } catch (e) {
    console.error(`build: ${(e as Error).message}`);
    process.exit(1);
  }
}
