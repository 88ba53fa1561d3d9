// Packages the build takes straight from the npm registry (Bun's per-platform
// runtimes, the Zig toolchain, Node-API headers), unpacked once into
// dist/.cache/npm with `npm pack`: npm is the only registry the build may reach,
// and none of these is a dependency that every checkout needs installed.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "..");
const CACHE = join(ROOT, "dist/.cache/npm");

/** The version of `pkg` that `npm install` put in node_modules. */
export function installedVersion(pkg: string): string {
  return (JSON.parse(readFileSync(join(ROOT, "node_modules", pkg, "package.json"), "utf8")) as { version: string }).version;
}

/** Unpacks `pkg@version` from the npm registry into the cache (once) and returns its folder. */
export function npmPackage(pkg: string, version: string): string {
  const dir = join(CACHE, `${pkg.replace("/", "+")}@${version}`);
  if (existsSync(join(dir, "package.json"))) return dir;
  mkdirSync(CACHE, { recursive: true });
  const packed = Bun.spawnSync(["npm", "pack", `${pkg}@${version}`, "--pack-destination", CACHE, "--silent"], { stderr: "pipe" });
  const tarball = packed.stdout.toString().trim().split("\n").pop() ?? "";
  if (packed.exitCode !== 0 || !tarball) {
    throw new Error(`npm pack ${pkg}@${version} failed: ${packed.stderr.toString().trim()}`);
  }
  // Unpack beside the final folder and rename, so an interrupted build never
  // leaves a half folder that looks cached; the pid keeps two builds apart.
  const partial = `${dir}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  const untar = Bun.spawnSync(["tar", "-xzf", join(CACHE, tarball), "-C", partial, "--strip-components=1"], { stderr: "pipe" });
  rmSync(join(CACHE, tarball), { force: true });
  if (untar.exitCode !== 0) {
    rmSync(partial, { recursive: true, force: true });
    throw new Error(`unpacking ${tarball} failed: ${untar.stderr.toString().trim()}`);
  }
  if (existsSync(join(dir, "package.json"))) {
    rmSync(partial, { recursive: true, force: true }); // another build got there first
    return dir;
  }
  rmSync(dir, { recursive: true, force: true });
  renameSync(partial, dir);
  return dir;
}
