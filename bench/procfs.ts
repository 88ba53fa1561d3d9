// What the daemon benchmarks read about osqueryd's processes from /proc, and
// the compiled Bun hello-world they measure it against.
import { chmodSync, copyFileSync, mkdirSync, readFileSync, readdirSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** A /proc/<pid>/status figure in bytes (VmRSS, VmHWM, RssAnon, RssFile, ...). */
export function statusBytes(pid: number, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) * 1024 : 0;
}

/** /proc/<pid>/stat's fields after the parenthesised command name. */
function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

/** User plus system CPU time, in clock ticks. */
export function cpuTicks(pid: number): number {
  const fields = statFields(pid);
  return Number(fields[11]) + Number(fields[12]);
}

export function parentOf(pid: number): number {
  return Number(statFields(pid)[1]);
}

/** The watcher's worker, waited for: the first /proc entry whose parent is the watcher. */
export async function workerOf(watcher: number): Promise<number> {
  for (let i = 0; i < 100; i++) {
    for (const name of readdirSync("/proc")) {
      if (!/^\d+$/.test(name)) continue;
      try {
        if (parentOf(Number(name)) === watcher) return Number(name);
      } catch {
        // exited while the list was read
      }
    }
    await Bun.sleep(50);
  }
  throw new Error("osqueryd started no worker");
}

export const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** Compiles, in `dir`, a Bun hello-world that then sleeps `sleepMs`: the runtime's floor. Returns the executable. */
export function compileHelloWorld(dir: string, sleepMs: number): string {
  writeFileSync(join(dir, "hello.ts"), `console.log("hello");\nawait Bun.sleep(${sleepMs});\n`);
  const out = join(dir, "hello");
  const build = Bun.spawnSync([process.execPath, "build", "--compile", join(dir, "hello.ts"), "--outfile", out], { stdout: "ignore" });
  if (build.exitCode !== 0) throw new Error("could not compile the hello-world reference");
  return out;
}

/**
 * A copy of `executable` in `dir/same-cache/`, made as every binary a ratio
 * compares is made, and the path to run it by: `invokedAs` (osqueryi,
 * osqueryd), a link to the copy, when the role comes from the name. Peak RSS
 * is mostly the executables' own pages, and how many of those a fault maps
 * depends on how the file came into the page cache (the kernel maps the cached
 * neighbours of a faulting page, in folios whose size depends on how the file
 * was written): a just-built dist/osq and a hello-world that was copied moved
 * one binary's ratio by 5 MB between runs.
 */
export function sameCacheCopy(dir: string, executable: string, name: string, invokedAs: string = name): string {
  const into = join(dir, "same-cache");
  mkdirSync(into, { recursive: true });
  const copy = join(into, name);
  copyFileSync(realpathSync(executable), copy);
  chmodSync(copy, 0o755);
  if (invokedAs === name) return copy;
  symlinkSync(name, join(into, invokedAs));
  return join(into, invokedAs);
}
