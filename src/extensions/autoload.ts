// Which extension binaries osquery starts and supervises (INTERFACES §9,
// Autoload): the --extensions_autoload file lists one path per line, a
// directory standing for every file below it; blank lines and lines starting
// with `#` or `;` are skipped. A listed binary is taken only when it exists,
// has safe permissions (safePermissions, unless --allow_unsafe) and ends in
// `.ext`; each refusal is logged as osquery logs it. The shell's --extension
// is taken as given: it is a development shortcut and bypasses the checks.
import { dirname, extname } from "node:path";
import { isDirectory, pathExists, readTextResult, safePermissions } from "../linux/fs.ts";
import { GLOB_FILES, joinPath, resolveFilePattern } from "../linux/glob.ts";

const SUFFIXES: readonly string[] = [".ext"];

export interface AutoloadLog {
  readonly warning: (message: string) => void;
  readonly verbose: (message: string) => void;
}

export interface AutoloadSources {
  /** The --extensions_autoload file. */
  readonly loadFile: string;
  /** The shell's --extension, "" when not given. */
  readonly extension: string;
  readonly allowUnsafe: boolean;
}

/** The listed entry `raw` as a binary to start, or null (with osquery's log line) when it is refused. */
function acceptable(raw: string, allowUnsafe: boolean, log: AutoloadLog): string | null {
  const path = raw.trim();
  if (path.length === 0 || path.startsWith("#") || path.startsWith(";")) return null;
  if (isDirectory(path)) {
    log.verbose(`Cannot autoload extension from directory: ${path}`);
    return null;
  }
  if (!pathExists(path)) {
    log.warning(`extension doesn't exist at: ${path}`);
    return null;
  }
  if (!safePermissions(dirname(path), path, true, allowUnsafe)) {
    log.warning(`Will not autoload extension with unsafe directory permissions: ${path}`);
    return null;
  }
  if (!SUFFIXES.includes(extname(path))) {
    log.warning(`Will not autoload extension not ending in one of '${SUFFIXES.join("', '")}': ${path}`);
    return null;
  }
  log.verbose(`Found autoloadable extension: ${path}`);
  return path;
}

/** The binaries to start, sorted (osquery keeps them in a std::set). */
export function autoloadBinaries(sources: AutoloadSources, log: AutoloadLog): string[] {
  const found = new Set<string>();
  if (sources.extension !== "") found.add(sources.extension);
  const text = readTextResult(sources.loadFile);
  if (!text.ok) log.verbose(`Could not autoload extensions: ${text.error.message}`);
  for (const line of text.ok ? text.value.split("\n") : []) {
    // As osquery: the untrimmed line decides whether it is a directory to walk.
    const entries = isDirectory(line) ? resolveFilePattern(joinPath(line, "**"), GLOB_FILES) : [line];
    for (const entry of entries) {
      const path = acceptable(entry, sources.allowUnsafe, log);
      if (path !== null) found.add(path);
    }
  }
  return [...found].sort();
}
