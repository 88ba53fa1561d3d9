// jetbrains_plugins against fixture IDE directories whose jars are built by
// Python's zipfile (an independent ZIP writer); src/linux/zip.ts is checked
// against `unzip -p`.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { rootHomeFixture, type HomeFixture } from "../../home_fixture.ts";
import { readZipEntry, ZipFile } from "../../../src/linux/zip.ts";
import {
  isVersionedLibraryName,
  jetbrainsPluginsForHome,
  parsePluginXml,
  sortPluginJars,
} from "../../../tables/apps/jetbrains_plugins.ts";

const pluginXml = (name: string, vendor: string, version: string) =>
  `<idea-plugin>\n  <id>com.example.${name}</id>\n  <name>${name}</name>\n  <version>${version}</version>\n  <vendor url="https://example.com" email="a@example.com">${vendor}</vendor>\n</idea-plugin>\n`;

/** Writes a zip with Python; entries maps name -> text; `stored` disables compression. */
function makeJar(path: string, entries: Record<string, string>, stored = false): void {
  mkdirSync(join(path, ".."), { recursive: true });
  const script = `
import sys, json, zipfile
entries = json.loads(sys.argv[2])
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_STORED if sys.argv[3] == "1" else zipfile.ZIP_DEFLATED) as z:
    for name, text in entries.items():
        z.writestr(name, text)
`;
  const r = Bun.spawnSync(["python3", "-c", script, path, JSON.stringify(entries), stored ? "1" : "0"]);
  if (r.exitCode !== 0) throw new Error(r.stderr.toString());
}

let home: string;
let idea: string;
beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), "osq-jetbrains-"));
  idea = join(home, ".local/share/JetBrains/IntelliJIdea2024.3");
  makeJar(join(idea, "standalone.jar"), { "META-INF/MANIFEST.MF": "Manifest-Version: 1.0\n", "META-INF/plugin.xml": pluginXml("Standalone", "Acme", "1.0.0") });
  makeJar(join(idea, "aws-toolkit/lib/gson-2.8.0.jar"), { "META-INF/plugin.xml": pluginXml("WrongOne", "Google", "2.8.0") });
  makeJar(join(idea, "aws-toolkit/lib/resources_en.jar"), { "META-INF/plugin.xml": pluginXml("Resources", "X", "0") });
  makeJar(join(idea, "aws-toolkit/lib/aws-toolkit-core.jar"), { "META-INF/plugin.xml": pluginXml("AWS Toolkit", "AWS", "3.1") }, true);
  makeJar(join(idea, "empty-plugin/lib/nothing.jar"), { "README": "no plugin.xml here" });
  writeFileSync(join(idea, "notes.txt"), "not an archive");
  // Dot entries are not listed (osquery lists with glob's `*`).
  makeJar(join(idea, ".hidden.jar"), { "META-INF/plugin.xml": pluginXml("Hidden", "X", "1") });
  makeJar(join(idea, ".cache/lib/cached.jar"), { "META-INF/plugin.xml": pluginXml("Cached", "X", "1") });
  makeJar(join(idea, "aws-toolkit/lib/.aws-toolkit-a.jar"), { "META-INF/plugin.xml": pluginXml("Dotted", "X", "1") });
  makeJar(join(home, ".local/share/JetBrains/PyCharmCE2024.1/py.jar"), { "META-INF/plugin.xml": pluginXml("PyPlugin", "Py", "5") });
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe("zip reader", () => {
  test("reads deflated and stored entries like unzip -p", () => {
    for (const jar of ["standalone.jar", "aws-toolkit/lib/aws-toolkit-core.jar"]) {
      const path = join(idea, jar);
      const expected = Bun.spawnSync(["unzip", "-p", path, "META-INF/plugin.xml"]).stdout.toString();
      expect(readZipEntry(path, "META-INF/plugin.xml")?.toString("utf8")).toBe(expected);
    }
    const listed = Bun.spawnSync(["unzip", "-Z1", join(idea, "standalone.jar")]).stdout.toString().trim().split("\n");
    expect(ZipFile.open(join(idea, "standalone.jar"))!.entries.map((e) => e.name)).toEqual(listed);
    expect(ZipFile.open(join(idea, "notes.txt"))).toBeNull();
    expect(readZipEntry(join(idea, "missing.jar"), "x")).toBeNull();
  });
});

describe("jetbrains_plugins", () => {
  test("finds jar plugins and directory plugins", () => {
    const rows = jetbrainsPluginsForHome(home, 1000);
    const ij = rows.filter((r) => r.product_type === "intellij_idea");
    expect(ij).toEqual([
      { product_type: "intellij_idea", uid: 1000, path: join(idea, "standalone.jar"), name: "Standalone", vendor: "Acme", version: "1.0.0" },
      { product_type: "intellij_idea", uid: 1000, path: join(idea, "aws-toolkit"), name: "AWS Toolkit", vendor: "AWS", version: "3.1" },
    ]);
    // "PyCharm%" also matches PyCharmCE directories, as in osquery.
    expect(rows.filter((r) => r.name === "PyPlugin").map((r) => r.product_type).sort()).toEqual(["pycharm", "pycharm_community_edition"]);
  });

  test("plugin.xml fields", () => {
    expect(parsePluginXml(pluginXml("N", "V", "1"))).toEqual({ name: "N", vendor: "V", version: "1" });
    expect(parsePluginXml("<idea-plugin><vendor>\n  Multi\n</vendor></idea-plugin>")).toEqual({ name: "", vendor: "\n  Multi\n", version: "" });
  });

  test("IntelliJ's jar ordering", () => {
    expect(isVersionedLibraryName("gson-2.8.0.jar")).toBe(true);
    expect(isVersionedLibraryName("junit-m5.jar")).toBe(true);
    expect(isVersionedLibraryName("completion-ranking.jar")).toBe(false);
    expect(sortPluginJars("kotlin", ["/l/resources_en.jar", "/l/all-open.jar", "/l/kotlin-plugin.jar", "/l/gson-2.8.0.jar", "/l/a.jar"])).toEqual([
      "/l/kotlin-plugin.jar", "/l/a.jar", "/l/all-open.jar", "/l/gson-2.8.0.jar", "/l/resources_en.jar",
    ]);
  });
});

describe("jetbrains_plugins e2e", () => {
  // A WebStorm plugin in root's home, laid over it inside a private mount namespace (the real home is untouched).
  const product = `WebStorm-osq-test-${process.pid}`;
  let fx: HomeFixture;
  beforeAll(async () => {
    fx = await rootHomeFixture((h) => makeJar(join(h, ".local/share/JetBrains", product, "e2e.jar"), { "META-INF/plugin.xml": pluginXml("E2E Plugin", "Osq", "9.9") }), [".local/share/JetBrains"]);
  });
  afterAll(() => fx?.cleanup());

  test("select from jetbrains_plugins where uid = 0", () => {
    const rows = fx.select("select * from jetbrains_plugins where uid = 0");
    expect(rows).toEqual([{ product_type: "webstorm", uid: "0", name: "E2E Plugin", version: "9.9", vendor: "Osq", path: join(fx.home, ".local/share/JetBrains", product, "e2e.jar") }]);
  });
});
