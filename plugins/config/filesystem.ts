// The filesystem config plugin (INTERFACES §4): the sources are every
// `<config_path>.d/*.conf` (sorted) plus `config_path` itself, keyed by full
// path; `config_path` must be a regular file. A pack given as a string is a
// file path, or, under the name "*", a glob whose every file is a pack named
// after the file's stem.
import { basename, extname } from "node:path";
import { GLOB_FILES, compareBytes, resolveFilePattern } from "../../src/linux/glob.ts";
import { isRegularFile } from "../../src/linux/fs.ts";
import { readText } from "../../src/linux/proc.ts";
import { stripConfigComments } from "../../src/daemon/config-text.ts";
import { errorMessage, verbose } from "../../src/logger/glog.ts";
import type { ConfigPlugin, GenConfigResult, GenPackResult } from "./plugin.ts";

export class FilesystemConfigPlugin implements ConfigPlugin {
  readonly name = "filesystem";

  constructor(
    private readonly configPath: () => string,
    private readonly warn: (message: string) => void = () => {},
  ) {}

  genConfig(): GenConfigResult {
    const path = this.configPath();
    if (!isRegularFile(path)) return { ok: false, error: `config file does not exist: ${path}` };
    const files = resolveFilePattern(`${path}.d/%.conf`, GLOB_FILES).sort(compareBytes);
    files.push(path);
    const sources = new Map<string, string>();
    for (const file of files) {
      const text = readText(file);
      if (text !== null) sources.set(file, text);
    }
    return { ok: true, sources };
  }

  genPack(name: string, value: string): GenPackResult {
    if (name !== "*") {
      if (!isRegularFile(value)) return { ok: false, error: `${value} is not a valid path` };
      const text = readText(value);
      return text === null ? { ok: false, error: `cannot read ${value}` } : { ok: true, text };
    }
    // A multi-pack: one JSON object of stem → pack content.
    const multi: Record<string, unknown> = {};
    for (const path of resolveFilePattern(value, GLOB_FILES)) {
      const text = readText(path);
      if (text === null) {
        this.warn(`Cannot read multi-pack file: ${path}`);
        continue;
      }
      let pack: unknown;
      try {
        pack = JSON.parse(stripConfigComments(text));
      } catch (e) {
        verbose("filesystem.ts", `${path}: ${errorMessage(e)}`);
        this.warn(`Cannot read multi-pack JSON: ${path}`);
        continue;
      }
      multi[basename(path, extname(path))] = pack;
    }
    if (Object.keys(multi).length === 0) return { ok: false, error: "Multi-pack content empty" };
    return { ok: true, text: JSON.stringify(multi) };
  }
}
