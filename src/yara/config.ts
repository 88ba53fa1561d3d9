// The config's `yara` key as osquery's YARA config parser keeps it:
// `signatures` (group → rule files, relative ones under /etc/osquery/yara/),
// `signature_urls` (the URLs a sigurl may name) and `file_paths` (a
// file_paths category → the signature groups yara_events scans its files with). Kept apart from the engine so the
// daemon and shell set it without loading WebAssembly; groups are compiled
// when a query first names them.
import { verbose } from "../logger/glog.ts";

/** osquery's kYARAHome on Linux: where relative rule file names are looked up. */
export const YARA_HOME = "/etc/osquery/yara/";

export interface YaraConfig {
  /** group → rule files (absolute), in the order given. */
  readonly signatures: ReadonlyMap<string, readonly string[]>;
  /** The allow list for sigurl. */
  readonly signatureUrls: readonly string[];
  /** file_paths category → signature groups, for yara_events. */
  readonly filePaths: ReadonlyMap<string, readonly string[]>;
}

let nodeKeySource: (() => Promise<string>) | null = null;

/** Where --yara_sigurl_authenticate takes the node key from: the daemon's TLS enrollment. */
export function setYaraNodeKeySource(source: () => Promise<string>): void {
  nodeKeySource = source;
}

/** The TLS node key, enrolling first as osquery's getNodeKey does; "" where no TLS session exists (the shell). */
export function yaraNodeKey(): Promise<string> {
  return nodeKeySource ? nodeKeySource() : Promise.resolve("");
}

const EMPTY: YaraConfig = { signatures: new Map(), signatureUrls: [], filePaths: new Map() };
let current: YaraConfig = EMPTY;
let generation = 0;

export function yaraConfig(): YaraConfig {
  return current;
}

/** Bumped when applyYaraConfig changes the config, so compiled groups are dropped then (and kept across refreshes that change nothing). */
export function yaraConfigGeneration(): number {
  return generation;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function ruleFilePath(name: string): string {
  return name.startsWith("/") ? name : YARA_HOME + name;
}

function configKey(c: YaraConfig): string {
  return JSON.stringify([[...c.signatures], c.signatureUrls, [...c.filePaths]]);
}

/**
 * Takes the `yara` section of each config source (source name → value, in
 * source order). osquery's parser updates its state source by source: a
 * later source's group replaces an earlier one of the same name, and its
 * signature_urls add to the allow list.
 */
export function applyYaraConfig(sections: ReadonlyMap<string, unknown>): void {
  const signatures = new Map<string, string[]>();
  const urls = new Set<string>();
  const filePaths = new Map<string, string[]>();
  for (const section of sections.values()) {
    if (!isObject(section)) continue;
    const sigs = section.signatures;
    if (sigs !== undefined) {
      if (!isObject(sigs)) verbose("yara_utils.cpp", "YARA signatures must contain a dictionary");
      else {
        for (const [group, files] of Object.entries(sigs)) {
          if (!Array.isArray(files)) verbose("yara_utils.cpp", `YARA signature group ${group} must be an array`);
          else signatures.set(group, files.filter((f): f is string => typeof f === "string").map(ruleFilePath));
        }
      }
    }
    const list = section.signature_urls;
    if (list !== undefined) {
      if (!Array.isArray(list)) verbose("yara_utils.cpp", "YARA signature_urls must be an array");
      else {
        for (const u of list) {
          if (typeof u !== "string") continue;
          if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]+/.test(u)) urls.add(u);
          else verbose("yara_utils.cpp", `Invalid signature url: ${u}`);
        }
      }
    }
    const paths = section.file_paths;
    if (paths !== undefined) {
      if (!isObject(paths)) verbose("yara_utils.cpp", "YARA file_paths key is invalid");
      else {
        for (const [group, cats] of Object.entries(paths)) {
          if (Array.isArray(cats)) filePaths.set(group, cats.filter((c): c is string => typeof c === "string"));
        }
      }
    }
  }
  const next: YaraConfig = { signatures, signatureUrls: [...urls], filePaths };
  if (configKey(next) === configKey(current)) return;
  current = next;
  generation++;
}
