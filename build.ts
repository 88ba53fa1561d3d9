// Compiles dist/osq (one executable) and the osqueryi/osqueryd role links.
//
// lmdb-js finds its native addon at run time through node-gyp-build-optional-packages,
// which searches node_modules on disk; a compiled binary has no node_modules. The
// plugin below swaps that loader for a static require of the addon file, which
// `bun build --compile` then embeds in the executable. msgpackr's optional native
// accelerator is dropped the same way: msgpackr falls back to its JavaScript codec.
import type { BunPlugin } from "bun";
import { mkdirSync, renameSync, rmSync, symlinkSync } from "node:fs";

const lmdbAddon = `@lmdb/lmdb-${process.platform}-${process.arch}/node.napi.glibc.node`;

const embedNativeAddons: BunPlugin = {
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

// Build beside the old binary and rename over it, so a failed build keeps the
// last good dist/osq and a test running meanwhile never sees it missing.
mkdirSync("dist", { recursive: true });
const result = await Bun.build({
  // The inotify reader runs in a Worker: its module must be an entry point of its own.
  entrypoints: ["src/main.ts", "src/events/inotify_worker.ts"],
  compile: {
    outfile: "dist/osq.new",
    // osq is not a Bun app at run time: it must not pick up a .env, bunfig,
    // tsconfig or package.json from whatever directory it is started in.
    autoloadDotenv: false,
    autoloadBunfig: false,
    autoloadTsconfig: false,
    autoloadPackageJson: false,
  },
  minify: true,
  bytecode: true,
  // Each dynamic import becomes its own chunk, loaded only when used: the shell
  // does not pay for the daemon, lmdb or the SQL parser until it needs them.
  splitting: true,
  sourcemap: "none",
  target: "bun",
  format: "esm",
  plugins: [embedNativeAddons],
});
if (!result.success) {
  for (const log of result.logs) console.error(log);
  process.exit(1);
}
renameSync("dist/osq.new", "dist/osq");
for (const role of ["osqueryi", "osqueryd"]) {
  rmSync(`dist/${role}`, { force: true });
  symlinkSync("osq", `dist/${role}`);
}
console.log("built dist/osq");
