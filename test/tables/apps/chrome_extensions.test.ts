// chrome_extensions and chrome_extension_content_scripts against fixture
// browser profiles in a temp home; hashes and ids are checked with sha256sum.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { generateKeyPairSync } from "node:crypto";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generate } from "../../helpers.ts";
import { rootHomeFixture, type HomeFixture } from "../../home_fixture.ts";
import contentScriptsTable, { chromeContentScriptsForHome } from "../../../tables/apps/chrome_extension_content_scripts.ts";
import chromeExtensions, { chromeExtensionsForHome } from "../../../tables/apps/chrome_extensions.ts";
import { localizeString, manifestProperties, webkitToUnix } from "../../../tables/apps/chrome.ts";

function sha256sum(path: string): string {
  const r = Bun.spawnSync(["sha256sum", path]);
  return r.stdout.toString().split(/\s+/)[0]!;
}

function writeJson(path: string, value: unknown): void {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, JSON.stringify(value, null, 2));
}

/** Builds a home with a Chrome profile, a Brave profile and an Opera browser-root profile. */
function buildHome(home: string, outside: string) {
  const der = generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey.export({ type: "spki", format: "der" });
  const key = Buffer.from(der).toString("base64");
  writeFileSync(join(home, "key.der"), der);

  const chrome = join(home, ".config/google-chrome/Default");
  writeJson(join(chrome, "Preferences"), {
    profile: { name: "Person 1" },
    extensions: {
      settings: {
        aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa: {
          path: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/1.2.3_0",
          from_webstore: true,
          state: 1,
          install_time: "13300000000000000",
        },
        cccccccccccccccccccccccccccccccc: { path: outside, from_webstore: false, install_time: "garbage" },
      },
    },
  });
  writeJson(join(chrome, "Secure Preferences"), { extensions: { settings: {} } });
  const extA = join(chrome, "Extensions/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/1.2.3_0");
  writeJson(join(extA, "manifest.json"), {
    manifest_version: 2,
    name: "__MSG_appName__",
    description: "__MSG_APPDESC__",
    version: "1.2.3",
    default_locale: "fr",
    key,
    author: "Someone",
    update_url: "https://clients2.google.com/service/update2/crx",
    background: { persistent: true, scripts: ["bg.js"] },
    permissions: ["tabs", "storage", { fileSystem: ["write"] }, "https://*/*"],
    optional_permissions: ["downloads"],
    content_scripts: [
      { matches: ["https://*/*", "http://example.com/*"], js: ["a.js", "b.js"] },
      { matches: ["<all_urls>"], css: ["only.css"] },
    ],
  });
  writeJson(join(extA, "_locales/fr/messages.json"), {
    appName: { message: "Mon Extension" },
    appDesc: { message: "Une description" },
  });
  // An installed copy no settings entry points to (unreferenced).
  const extB = join(chrome, "Extensions/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb/0.9");
  writeJson(join(extB, "manifest.json"), { name: "Orphan", version: "0.9", background: { persistent: false } });
  // An unpacked extension outside the profile, referenced by absolute path.
  writeJson(join(outside, "manifest.json"), {
    name: "Unpacked",
    version: "4.5",
    content_scripts: [{ matches: ["file:///*"], js: ["u.js"] }],
  });

  // Brave: another browser, profile "Profile 1".
  const brave = join(home, ".config/BraveSoftware/Brave-Browser/Profile 1");
  writeJson(join(brave, "Preferences"), { profile: { name: "Work" } });
  writeJson(join(brave, "Extensions/dddddddddddddddddddddddddddddddd/1/manifest.json"), { name: "Brave Ext", version: "1" });

  // Opera keeps its profile in the browser directory itself and has no profile name.
  const opera = join(home, ".config/opera");
  writeJson(join(opera, "Preferences"), { extensions: { opsettings: { eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee: { path: "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee/7_0" } } } });
  writeJson(join(opera, "Extensions/eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee/7_0/manifest.json"), { name: "Opera Ext", version: "7" });

  // Edge's native directory and Chromium's Flatpak one are among osquery's places.
  const edge = join(home, ".config/microsoft-edge/Default");
  writeJson(join(edge, "Preferences"), { profile: { name: "Edgy" } });
  writeJson(join(edge, "Extensions/gggggggggggggggggggggggggggggggg/2/manifest.json"), { name: "Edge Ext", version: "2" });
  const flatpak = join(home, ".var/app/org.chromium.Chromium/config/chromium/Default");
  writeJson(join(flatpak, "Preferences"), { profile: { name: "Flat" } });
  writeJson(join(flatpak, "Extensions/hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh/1/manifest.json"), { name: "Flatpak Ext", version: "1" });
  // A dot directory is not searched for profiles (glob's `*` skips it).
  const hidden = join(home, ".config/google-chrome/.hidden");
  writeJson(join(hidden, "Preferences"), { profile: { name: "Hidden" } });
  writeJson(join(hidden, "Extensions/iiiiiiiiiiiiiiiiiiiiiiiiiiiiiiii/1/manifest.json"), { name: "Hidden Ext", version: "1" });

  // A directory that is not a profile (no Preferences) is ignored.
  writeJson(join(home, ".config/google-chrome/Crashpad/manifest.json"), { name: "not an extension" });
  return { chrome, extA, extB, key };
}

let home: string;
let outside: string;
let fx: ReturnType<typeof buildHome>;

beforeAll(() => {
  home = realpathSync(mkdtempSync(join(tmpdir(), "osq-chrome-")));
  outside = join(home, "unpacked-ext");
  fx = buildHome(home, outside);
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe("chrome_extensions", () => {
  test("schema matches osquery's column order", () => {
    expect(chromeExtensions.columns.map((c) => c.name).slice(0, 7)).toEqual([
      "browser_type", "uid", "name", "profile", "profile_path", "referenced_identifier", "identifier",
    ]);
    expect(chromeExtensions.userData).toBe(true);
  });

  test("one row per extension and profile, with browser types", () => {
    const rows = chromeExtensionsForHome(home, 4242);
    const byName = new Map(rows.map((r) => [r.name, r]));
    expect([...byName.keys()].sort()).toEqual(["Brave Ext", "Edge Ext", "Flatpak Ext", "Mon Extension", "Opera Ext", "Orphan", "Unpacked"]);
    expect(byName.get("Edge Ext")!.browser_type).toBe("edge");
    expect(byName.get("Flatpak Ext")!.browser_type).toBe("chromium");
    expect(rows.every((r) => r.uid === 4242)).toBe(true);
    expect(byName.get("Brave Ext")!.browser_type).toBe("brave");
    expect(byName.get("Brave Ext")!.profile).toBe("Work");
    expect(byName.get("Opera Ext")!.browser_type).toBe("opera");
    expect(byName.get("Opera Ext")!.profile).toBe("");
    expect(byName.get("Opera Ext")!.referenced).toBe(1);
    expect(byName.get("Opera Ext")!.profile_path).toBe(join(home, ".config/opera"));
  });

  test("localised, referenced extension with preference settings", () => {
    const row = chromeExtensionsForHome(home, 1).find((r) => r.version === "1.2.3")!;
    expect(row.browser_type).toBe("chrome");
    expect(row.name).toBe("Mon Extension");
    // Message keys are matched case-insensitively, as Chrome does.
    expect(row.description).toBe("Une description");
    expect(row.profile).toBe("Person 1");
    expect(row.profile_path).toBe(fx.chrome);
    expect(row.path).toBe(fx.extA);
    expect(row.referenced).toBe(1);
    expect(row.referenced_identifier).toBe("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    expect(row.from_webstore).toBe("true");
    expect(row.state).toBe("1");
    expect(row.install_time).toBe("13300000000000000");
    expect(row.install_timestamp).toBe(Number(13300000000000000n / 1000000n) - 11644473600);
    expect(row.default_locale).toBe("fr");
    expect(row.persistent).toBe(1);
    expect(row.author).toBe("Someone");
    expect(row.permissions).toBe("tabs, storage, , https://*/*");
    expect(row.permissions_json).toBe('["tabs","storage",{"fileSystem":["write"]},"https:\\/\\/*\\/*"]\n');
    expect(row.optional_permissions).toBe("downloads");
    expect(row.manifest_hash).toBe(sha256sum(join(fx.extA, "manifest.json")));
    expect(row.key).toBe(fx.key);
    expect(String(row.manifest_json)).toContain('"version":"1.2.3"');
    expect(String(row.manifest_json)).toContain('"manifest_version":"2"');
  });

  test("identifier is derived from the manifest key like Chrome (checked with sha256sum)", () => {
    const row = chromeExtensionsForHome(home, 1).find((r) => r.version === "1.2.3")!;
    const hex = sha256sum(join(home, "key.der")).slice(0, 32);
    const expected = [...hex].map((d) => String.fromCharCode(97 + parseInt(d, 16))).join("");
    expect(row.identifier).toBe(expected);
    expect(String(row.identifier)).toMatch(/^[a-p]{32}$/);
  });

  test("unreferenced copies and extensions outside the profile", () => {
    const rows = chromeExtensionsForHome(home, 1);
    const orphan = rows.find((r) => r.name === "Orphan")!;
    expect(orphan.referenced).toBe(0);
    expect(orphan.referenced_identifier).toBe("");
    expect(orphan.persistent).toBe(0);
    expect(orphan.identifier).toBe("");
    expect(orphan.permissions_json).toBe("{}");
    expect(orphan.install_timestamp).toBe(0);
    const unpacked = rows.find((r) => r.name === "Unpacked")!;
    expect(unpacked.path).toBe(outside);
    expect(unpacked.referenced).toBe(1);
    expect(unpacked.referenced_identifier).toBe("cccccccccccccccccccccccccccccccc");
    expect(unpacked.from_webstore).toBe("false");
    expect(unpacked.install_timestamp).toBe(0);
  });

  test("generator picks users through the uid constraint", async () => {
    // uid 0 is root, whose home is not our fixture: the rows (if any) belong to uid 0.
    const rows = await generate(chromeExtensions, { uid: [["=", "0"]] });
    expect(rows.every((r) => r.uid === 0)).toBe(true);
  });
});

describe("chrome_extension_content_scripts", () => {
  test("one row per match and script pair", () => {
    const rows = chromeContentScriptsForHome(home, 7);
    const pairs = rows.map((r) => `${r.path === fx.extA ? "A" : "U"} ${r.match} ${r.script}`).sort();
    expect(pairs).toEqual([
      "A http://example.com/* a.js",
      "A http://example.com/* b.js",
      "A https://*/* a.js",
      "A https://*/* b.js",
      "U file:///* u.js",
    ]);
    const a = rows.find((r) => r.path === fx.extA)!;
    expect(a.browser_type).toBe("chrome");
    expect(a.uid).toBe(7);
    expect(a.version).toBe("1.2.3");
    expect(a.profile_path).toBe(fx.chrome);
    expect(a.referenced).toBe(1);
    expect(a.identifier).toBe(chromeExtensionsForHome(home, 7).find((r) => r.version === "1.2.3")!.identifier);
    expect(contentScriptsTable.columns.map((c) => c.name)).toEqual([
      "browser_type", "uid", "identifier", "version", "script", "match", "profile_path", "path", "referenced",
    ]);
  });
});

describe("chrome helpers", () => {
  test("__MSG_ lookup", () => {
    expect(localizeString("__MSG_Hello__", { hello: { message: "Hi" } })).toBe("Hi");
    expect(localizeString("plain", {})).toBe("plain");
    expect(localizeString("__MSG_missing__", {})).toBeUndefined();
  });
  test("webkit time", () => {
    expect(webkitToUnix("11644473600000000")).toBe(0);
    expect(webkitToUnix("11644473601000000")).toBe(1);
    expect(webkitToUnix("")).toBe(0);
    expect(webkitToUnix("1")).toBe(0);
  });
  test("list properties keep property-tree text", () => {
    const p = manifestProperties({ permissions: [], optional_permissions: [1, true] });
    expect(p.get("permissions")).toBe("");
    expect(p.get("permissions_json")).toBe('""\n');
    expect(p.get("optional_permissions")).toBe("1, true");
    expect(p.get("optional_permissions_json")).toBe('["1","true"]\n');
  });
});

describe("chrome_extensions e2e", () => {
  // A Chromium profile in root's home, laid over it inside a private mount namespace (the real home is untouched).
  const name = `osq-test-${process.pid}`;
  const manifest = "Extensions/ffffffffffffffffffffffffffffffff/3.1/manifest.json";
  let fx: HomeFixture;
  let profile = "";

  beforeAll(async () => {
    fx = await rootHomeFixture((h) => {
      const local = join(h, ".config/chromium", name);
      writeJson(join(local, "Preferences"), { profile: { name: "osq e2e" } });
      writeJson(join(local, manifest), {
        name: "E2E Ext",
        version: "3.1",
        default_locale: "en",
        content_scripts: [{ matches: ["https://e2e.example/*"], js: ["e2e.js"] }],
      });
    }, [".config/chromium"]);
    profile = join(fx.home, ".config/chromium", name);
  });
  afterAll(() => fx?.cleanup());

  test("select from chrome_extensions where uid = 0", () => {
    const rows = fx.select("select * from chrome_extensions where uid = 0");
    expect(rows.map((r) => r.profile_path)).toEqual([profile]);
    expect(rows[0]!.name).toBe("E2E Ext");
    expect(rows[0]!.browser_type).toBe("chromium");
    expect(rows[0]!.profile).toBe("osq e2e");
    expect(rows[0]!.uid).toBe("0");
    expect(rows[0]!.manifest_hash).toBe(sha256sum(fx.local(join(profile, manifest))));
    // Hidden columns appear only when named; the locale alias mirrors default_locale.
    expect(rows[0]!.manifest_json).toBeUndefined();
    const hidden = fx.select("select locale, default_locale, key, permissions_json from chrome_extensions where uid = 0 and name = 'E2E Ext'");
    expect(hidden).toEqual([{ locale: "en", default_locale: "en", key: "", permissions_json: "{}" }]);
  });

  test("select from chrome_extension_content_scripts where uid = 0", () => {
    const rows = fx.select("select * from chrome_extension_content_scripts where uid = 0");
    expect(rows.map((r) => `${r.profile_path} ${r.match} ${r.script}`)).toEqual([`${profile} https://e2e.example/* e2e.js`]);
  });
});
