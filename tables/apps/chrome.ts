// Chrome-family browser profiles and their extensions, shared by
// chrome_extensions and chrome_extension_content_scripts.
//
// Like osquery, for each user and browser the browser directory is taken as a
// profile if it holds a Preferences (or Secure Preferences) file, otherwise
// each of its subdirectories that does. Extensions come from two places:
// <profile>/Extensions/<id>/<version>/ (all installed copies) and the
// extensions.settings entries of the preference files (the ones the browser
// references, possibly outside the profile). A copy on disk that no settings
// entry points to is reported with referenced = 0.
import { createHash } from "node:crypto";
import { accessSync, constants, readdirSync, realpathSync, statSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import {
  childCI,
  children,
  isObject,
  parseJson,
  pathCI,
  ptreeJson,
  scalarText,
  type Json,
} from "./ptree_json.ts";
import { isDirectory as isDir, readText as readFileText, logUnreadable } from "../../src/linux/fs.ts";

/**
 * Where each browser keeps its profiles, relative to a Linux home directory,
 * in the order of osquery's list (tables/applications/chrome/utils.cpp):
 * native, snap and Flatpak installs.
 */
export const CHROME_BROWSERS: readonly (readonly [browser: string, dir: string])[] = [
  ["chrome", ".config/google-chrome"],
  ["chrome_beta", ".config/google-chrome-beta"],
  ["chrome_dev", ".config/google-chrome-unstable"],
  ["brave", ".config/BraveSoftware/Brave-Browser"],
  ["brave", ".var/app/com.brave.Browser/config/BraveSoftware/Brave-Browser"],
  ["brave_beta", ".config/BraveSoftware/Brave-Browser-Beta"],
  ["brave_beta", ".var/app/com.brave.Browser/config/BraveSoftware/Brave-Browser-Beta"],
  ["brave_nightly", ".config/BraveSoftware/Brave-Browser-Nightly"],
  ["brave_nightly", ".var/app/com.brave.Browser/config/BraveSoftware/Brave-Browser-Nightly"],
  ["chromium", ".config/chromium"],
  ["chromium", "snap/chromium/common/chromium"],
  ["chromium", ".var/app/org.chromium.Chromium/config/chromium"],
  ["yandex", ".config/yandex-browser-beta"],
  ["edge", ".config/microsoft-edge"],
  ["edge_beta", ".config/microsoft-edge-beta"],
  ["edge_dev", ".config/microsoft-edge-dev"],
  ["opera", ".config/opera"],
  ["vivaldi", ".config/vivaldi"],
  ["vivaldi", ".var/app/com.vivaldi.Vivaldi/config/vivaldi"],
];

const PREFERENCES = "Preferences";
const SECURE_PREFERENCES = "Secure Preferences";

export interface ContentScript {
  readonly match: string;
  readonly script: string;
}

export interface ChromeExtension {
  readonly path: string;
  readonly referenced: boolean;
  /** Manifest values osquery copies, after __MSG_ localisation. */
  readonly properties: ReadonlyMap<string, string>;
  readonly manifestHash: string;
  readonly manifestJson: string;
  /** Computed from the manifest's public key, as Chrome does; "" without a key. */
  readonly identifier: string;
  /** From the profile's extensions.settings entry (referenced extensions only). */
  readonly settings: ReadonlyMap<string, string>;
  readonly contentScripts: readonly ContentScript[];
}

export interface ChromeProfile {
  readonly browser: string;
  readonly uid: number;
  readonly path: string;
  readonly name: string;
  readonly extensions: readonly ChromeExtension[];
}

function canonical(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    // osquery keeps the path as given when it cannot be canonicalised.
    return path;
  }
}

function isReadableFile(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return statSync(path).isFile();
  } catch {
    // Not a readable file is the whole answer: the caller skips it.
    return false;
  }
}

/** osquery's listDirectoriesInDirectory: glob's `dir/*` for folders, so dot directories are left out. */
function subdirectories(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => !e.name.startsWith("."))
      .filter((e) => e.isDirectory() || (e.isSymbolicLink() && isDir(join(dir, e.name))))
      .map((e) => join(dir, e.name))
      .sort();
  } catch (e) {
    logUnreadable("chrome.ts", dir, e);
    return [];
  }
}

function isProfileDir(dir: string): boolean {
  return isReadableFile(join(dir, PREFERENCES)) || isReadableFile(join(dir, SECURE_PREFERENCES));
}

/** The profile directories of every Chrome-family browser under one home directory. */
export function findChromeProfiles(home: string): { browser: string; path: string }[] {
  const out: { browser: string; path: string }[] = [];
  for (const [browser, suffix] of CHROME_BROWSERS) {
    const root = canonical(join(home, suffix));
    if (isProfileDir(root)) {
      out.push({ browser, path: root });
      continue;
    }
    for (const sub of subdirectories(root)) {
      const dir = canonical(sub);
      if (isProfileDir(dir)) out.push({ browser, path: dir });
    }
  }
  return out;
}

/** The extensions.settings (or Opera's extensions.opsettings) object of a preferences tree. */
function settingsNode(prefs: Json | undefined): { [key: string]: Json } | undefined {
  const ext = childCI(prefs, "extensions");
  const settings = childCI(ext, "settings") ?? childCI(ext, "opsettings");
  return isObject(settings) ? settings : undefined;
}

/** A settings entry's "path", made absolute against <profile>/Extensions and canonical. */
function settingsPath(entry: Json, profile: string): string | undefined {
  const raw = childCI(entry, "path");
  if (raw === undefined || (typeof raw === "object" && raw !== null)) return undefined;
  const p = scalarText(raw);
  return canonical(isAbsolute(p) ? p : join(profile, "Extensions", p));
}

/** Extension ids and paths that a preferences file references. */
export function referencedExtensions(prefs: Json | undefined, profile: string): { id: string; path: string; entry: Json }[] {
  const settings = settingsNode(prefs);
  if (!settings) return [];
  const out: { id: string; path: string; entry: Json }[] = [];
  for (const [id, entry] of Object.entries(settings)) {
    const path = settingsPath(entry, profile);
    if (path !== undefined) out.push({ id, path, entry });
  }
  return out;
}

/** Manifest values copied into rows: [manifest path, property name, is a list]. */
const MANIFEST_PROPERTIES: readonly (readonly [string, string, boolean])[] = [
  ["name", "name", false],
  ["update_url", "update_url", false],
  ["version", "version", false],
  ["author", "author", false],
  ["default_locale", "default_locale", false],
  ["current_locale", "current_locale", false],
  ["background.persistent", "persistent", false],
  ["description", "description", false],
  ["permissions", "permissions", true],
  ["optional_permissions", "optional_permissions", true],
  ["key", "key", false],
];

/** The manifest properties osquery reports: lists joined with ", " plus their JSON form. */
export function manifestProperties(manifest: Json): Map<string, string> {
  const props = new Map<string, string>();
  for (const [path, name, isList] of MANIFEST_PROPERTIES) {
    const node = pathCI(manifest, path);
    if (node === undefined) continue;
    if (!isList) {
      props.set(name, scalarText(node));
      continue;
    }
    // Joined the way osquery joins: a separator before every item once the
    // text is non-empty, so object items (empty text) add nothing of their own.
    let joined = "";
    for (const item of children(node)) {
      const text = scalarText(item);
      if (joined !== "") joined += ", ";
      joined += text;
    }
    props.set(name, joined);
    props.set(`${name}_json`, ptreeJson(node));
  }
  return props;
}

const MSG_PREFIX = "__MSG_";

/** Resolves "__MSG_key__" against a parsed _locales/<locale>/messages.json (keys are case-insensitive). */
export function localizeString(value: string, messages: Json | undefined): string | undefined {
  if (!value.startsWith(MSG_PREFIX)) return value;
  const key = value.slice(MSG_PREFIX.length, value.length - 2);
  const message = childCI(childCI(messages, key), "message");
  if (message === undefined || (typeof message === "object" && message !== null)) return undefined;
  return scalarText(message);
}

/** Replaces every __MSG_ value with its text from the extension's default (or current, or "en") locale. */
export function localizeProperties(props: Map<string, string>, extensionPath: string): void {
  if (![...props.values()].some((v) => v.startsWith(MSG_PREFIX))) return;
  const locale = props.get("default_locale") ?? props.get("current_locale") ?? "en";
  const text = readFileText(join(extensionPath, "_locales", locale, "messages.json"));
  if (text === null) return;
  const messages = parseJson(text);
  if (messages === undefined) return;
  for (const [k, v] of props) {
    const localized = localizeString(v, messages);
    if (localized !== undefined) props.set(k, localized);
  }
}

/** Chrome's extension id: the first 128 bits of sha256(public key), each hex digit mapped to a..p. */
export function extensionIdFromKey(key: string): string {
  const der = Buffer.from(key, "base64");
  if (der.length === 0) return "";
  const hex = createHash("sha256").update(der).digest("hex").slice(0, 32);
  return [...hex].map((d) => String.fromCharCode(97 + parseInt(d, 16))).join("");
}

/** The (match, script) pairs of every content_scripts entry that has both matches and js. */
export function contentScripts(manifest: Json): ContentScript[] {
  const out: ContentScript[] = [];
  for (const entry of children(childCI(manifest, "content_scripts"))) {
    const matches = childCI(entry, "matches");
    const js = childCI(entry, "js");
    if (matches === undefined || js === undefined) continue;
    for (const m of children(matches)) {
      if (typeof m === "object" && m !== null) continue;
      for (const s of children(js)) {
        if (typeof s === "object" && s !== null) continue;
        out.push({ match: scalarText(m), script: scalarText(s) });
      }
    }
  }
  return out;
}

/** Chrome stores times as microseconds since 1601-01-01; osquery reports 0 when that fails. */
export function webkitToUnix(value: string): number {
  if (!/^-?\d+$/.test(value.trim())) return 0;
  const seconds = Number(BigInt(value.trim()) / 1000000n) - 11644473600;
  return seconds < 0 ? 0 : seconds;
}

const PROFILE_SETTINGS = ["from_webstore", "state", "install_time"] as const;

function profileSettings(prefs: Json | undefined, extensionPath: string, profile: string): Map<string, string> | null {
  const settings = settingsNode(prefs);
  if (!settings) return null;
  for (const [id, entry] of Object.entries(settings)) {
    if (settingsPath(entry, profile) !== extensionPath) continue;
    const out = new Map<string, string>([["referenced_identifier", id]]);
    for (const name of PROFILE_SETTINGS) {
      const v = childCI(entry, name);
      if (v !== undefined) out.set(name, scalarText(v));
    }
    return out;
  }
  return null;
}

function buildExtension(path: string, manifestText: string, referenced: boolean): ChromeExtension | null {
  const manifest = parseJson(manifestText);
  if (manifest === undefined) return null;
  const properties = manifestProperties(manifest);
  localizeProperties(properties, path);
  return {
    path,
    referenced,
    properties,
    manifestHash: createHash("sha256").update(manifestText).digest("hex"),
    manifestJson: ptreeJson(manifest),
    identifier: properties.has("key") ? extensionIdFromKey(properties.get("key")!) : "",
    settings: new Map(),
    contentScripts: contentScripts(manifest),
  };
}

/** One profile directory read in full: its name and every extension, unreferenced ones first. */
export function readChromeProfile(browser: string, profilePath: string, uid: number): ChromeProfile | null {
  const prefsText = readFileText(join(profilePath, PREFERENCES)) ?? "";
  const secureText = readFileText(join(profilePath, SECURE_PREFERENCES)) ?? "";
  if (prefsText === "" && secureText === "") return null;
  const prefs = prefsText === "" ? undefined : parseJson(prefsText);
  const secure = secureText === "" ? undefined : parseJson(secureText);
  // A preferences file that exists but is not JSON means a broken profile.
  if ((prefsText !== "" && prefs === undefined) || (secureText !== "" && secure === undefined)) return null;

  const name = scalarText(pathCI(prefs, "profile.name")) || scalarText(pathCI(secure, "profile.name"));
  if (name === "" && browser !== "opera") return null;

  // Every installed copy, keyed by canonical path.
  const unreferenced = new Map<string, string>();
  for (const idDir of subdirectories(join(profilePath, "Extensions"))) {
    for (const versionDir of subdirectories(idDir)) {
      const path = canonical(versionDir);
      const manifest = readFileText(join(path, "manifest.json"));
      if (manifest !== null) unreferenced.set(path, manifest);
    }
  }
  const referenced = new Map<string, string>();
  for (const ref of [...referencedExtensions(prefs, profilePath), ...referencedExtensions(secure, profilePath)]) {
    if (referenced.has(ref.path)) continue;
    const onDisk = unreferenced.get(ref.path);
    if (onDisk !== undefined) {
      referenced.set(ref.path, onDisk);
      unreferenced.delete(ref.path);
      continue;
    }
    const manifest = readFileText(join(ref.path, "manifest.json"));
    if (manifest !== null) referenced.set(ref.path, manifest);
  }

  const extensions: ChromeExtension[] = [];
  for (const [path, manifest] of [...unreferenced].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const ext = buildExtension(path, manifest, false);
    if (ext) extensions.push(ext);
  }
  for (const [path, manifest] of [...referenced].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const ext = buildExtension(path, manifest, true);
    if (!ext) continue;
    const settings = profileSettings(prefs, path, profilePath) ?? profileSettings(secure, path, profilePath) ?? new Map();
    extensions.push({ ...ext, settings });
  }
  return { browser, uid, path: profilePath, name, extensions };
}

/** Every Chrome-family profile (with its extensions) of one user. */
export function chromeProfilesForHome(home: string, uid: number): ChromeProfile[] {
  const out: ChromeProfile[] = [];
  for (const { browser, path } of findChromeProfiles(home)) {
    const profile = readChromeProfile(browser, path, uid);
    if (profile) out.push(profile);
  }
  return out;
}
