// Compiles dist/osq (one executable) and the osqueryi/osqueryd role links.
//
// lmdb-js finds its native addon at run time through node-gyp-build-optional-packages,
// which searches node_modules on disk; a compiled binary has no node_modules. The
// plugin below swaps that loader for a static require of the addon file, which
// `bun build --compile` then embeds in the executable. msgpackr's optional native
// accelerator is dropped the same way: msgpackr falls back to its JavaScript codec.
import type { BunPlugin } from "bun";
import { mkdirSync, rmSync, symlinkSync } from "node:fs";

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

rmSync("dist", { recursive: true, force: true });
mkdirSync("dist");
const result = await Bun.build({
  entrypoints: ["src/main.ts"],
  compile: { outfile: "dist/osq" },
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
symlinkSync("osq", "dist/osqueryi");
symlinkSync("osq", "dist/osqueryd");
console.log("built dist/osq");
