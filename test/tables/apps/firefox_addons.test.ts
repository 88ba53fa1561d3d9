// firefox_addons against fixture Firefox profiles in a temp home.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { rootHomeFixture, type HomeFixture } from "../../home_fixture.ts";
import firefoxAddons, { firefoxAddonsForHome, parseFirefoxExtensions } from "../../../tables/apps/firefox_addons.ts";

const ADDONS = {
  schemaVersion: 35,
  addons: [
    {
      id: "uBlock0@raymondhill.net",
      type: "extension",
      version: "1.55.0",
      defaultLocale: { name: "uBlock Origin", creator: "Raymond Hill", description: "Finally, an efficient blocker." },
      sourceURI: "https://addons.mozilla.org/firefox/downloads/file/1/ublock.xpi",
      visible: true,
      active: true,
      userDisabled: false,
      appDisabled: false,
      softDisabled: false,
      applyBackgroundUpdates: 1,
      location: "app-profile",
      path: "/home/u/.mozilla/firefox/abc.default/extensions/uBlock0@raymondhill.net.xpi",
    },
    {
      id: "disabled@example.com",
      type: "theme",
      version: "2",
      defaultLocale: { name: "Dark", creator: null },
      visible: false,
      active: false,
      userDisabled: true,
      applyBackgroundUpdates: 0,
      location: "app-system-defaults",
    },
  ],
};

function writeProfile(home: string, profile: string, doc: unknown, base = ".mozilla/firefox"): void {
  const dir = join(home, base, profile);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "extensions.json"), JSON.stringify(doc));
}

let home: string;
beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), "osq-firefox-"));
  writeProfile(home, "abc.default-release", ADDONS);
  writeProfile(home, "xyz.other", { addons: [{ id: "third@x", defaultLocale: { name: "Third" } }] });
  mkdirSync(join(home, ".mozilla/firefox/Crash Reports"), { recursive: true });
  writeProfile(home, "broken.profile", "{not json" as unknown);
  writeProfile(home, "snap.default", { addons: [{ id: "snap@x" }] }, "snap/firefox/common/.mozilla/firefox");
  writeProfile(home, "xdg.default", { addons: [{ id: "xdg@x" }] }, ".config/mozilla/firefox");
  writeProfile(home, "Pending Pings", { addons: [{ id: "pings@x" }] });
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe("firefox_addons", () => {
  test("parses every add-on with osquery's flag conversions", () => {
    const rows = parseFirefoxExtensions(JSON.stringify(ADDONS), 1000);
    expect(rows.length).toBe(2);
    const [ub, dark] = rows;
    expect(ub).toMatchObject({
      uid: 1000,
      name: "uBlock Origin",
      identifier: "uBlock0@raymondhill.net",
      creator: "Raymond Hill",
      type: "extension",
      version: "1.55.0",
      description: "Finally, an efficient blocker.",
      source_url: ADDONS.addons[0]!.sourceURI,
      visible: "1",
      active: "1",
      disabled: 0,
      autoupdate: "1",
      location: "app-profile",
      path: ADDONS.addons[0]!.path,
    });
    expect(dark).toMatchObject({ name: "Dark", creator: "null", visible: "0", active: "0", disabled: 1, autoupdate: "0" });
  });

  test("a missing key leaves its column NULL; keys are case-sensitive; objects give nothing; reals print six decimals", () => {
    const [row] = parseFirefoxExtensions(JSON.stringify({ addons: [{ ID: "upper", version: 1.5, type: { nested: 1 }, userDisabled: "T" }] }), 7);
    expect(row).toEqual({ uid: 7, version: "1.500000", disabled: 1 });
    expect(parseFirefoxExtensions(JSON.stringify({ ADDONS: [{ id: "x" }] }), 7)).toEqual([]);
  });

  test("walks every profile directory of a home, in each of osquery's three places", () => {
    const rows = firefoxAddonsForHome(home, 5);
    // ~/.mozilla/firefox, then the snap's, then the XDG directory; Pending Pings is no profile.
    expect(rows.map((r) => r.identifier)).toEqual(["uBlock0@raymondhill.net", "disabled@example.com", "third@x", "snap@x", "xdg@x"]);
    expect(rows.every((r) => r.uid === 5)).toBe(true);
    expect(firefoxAddonsForHome(join(home, "missing"), 5)).toEqual([]);
  });

  test("schema", () => {
    expect(firefoxAddons.columns.map((c) => c.name)).toEqual([
      "uid", "name", "identifier", "creator", "type", "version", "description", "source_url",
      "visible", "active", "disabled", "autoupdate", "location", "path",
    ]);
  });
});

describe("firefox_addons e2e", () => {
  // A Firefox profile in root's home, laid over it inside a private mount namespace (the real home is untouched).
  const id = `e2e-${process.pid}@osq`;
  let fx: HomeFixture;
  beforeAll(async () => {
    fx = await rootHomeFixture((h) => {
      const profile = join(h, ".mozilla/firefox", `osq-test-${process.pid}.default`);
      mkdirSync(profile, { recursive: true });
      writeFileSync(join(profile, "extensions.json"), JSON.stringify({ addons: [{ id, version: "9", visible: true }] }));
    }, [".mozilla/firefox"]);
  });
  afterAll(() => fx?.cleanup());

  test("select from firefox_addons where uid = 0", () => {
    const rows = fx.select("select * from firefox_addons where uid = 0");
    expect(rows).toEqual([
      {
        uid: "0", name: "", identifier: id, creator: "", type: "", version: "9", description: "",
        source_url: "", visible: "1", active: "", disabled: "0", autoupdate: "", location: "", path: "",
      },
    ]);
  });
});
