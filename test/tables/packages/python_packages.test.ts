// python_packages: a fixture site directory read through the `directory`
// constraint, and this host's site directories, both checked against
// Python's own importlib.metadata.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parsePythonMetadata } from "../../../src/linux/python_site.ts";
import pythonPackages from "../../../tables/packages/python_packages.ts";
import { generate, query } from "../../helpers.ts";
import { tool } from "../../tools.ts";
import { selectInMountNamespace } from "../../mount_namespace.ts";

const site = mkdtempSync(join(tmpdir(), "osq-site-"));
afterAll(() => rmSync(site, { recursive: true, force: true }));

function put(rel: string, text: string) {
  mkdirSync(dirname(join(site, rel)), { recursive: true });
  writeFileSync(join(site, rel), text);
}
put(
  "foo-1.0.dist-info/METADATA",
  "Metadata-Version: 2.1\nName: foo\nVersion: 1.0\nSummary: Foo: the tool\nHome-page: https://example.org\nAuthor: Ann\nLicense: MIT\n\nName: not-this\n",
);
put("bar-2.1.egg-info/PKG-INFO", "Metadata-Version: 1.1\nName: bar\nVersion: 2.1\nSummary: Bar\nAuthor: \nLicense-Expression: MIT\n");
put("foo/_vendor/baz-0.3.dist-info/METADATA", "Name: baz\nVersion: 0.3\n");
put("loose-1.0.egg-info", "Name: loose\nVersion: 1.0\n"); // a file, not a directory: not listed
mkdirSync(join(site, "empty-0.1.dist-info"));
// osquery's recursive listing follows a symlinked directory...
const linked = mkdtempSync(join(tmpdir(), "osq-site-linked-"));
afterAll(() => rmSync(linked, { recursive: true, force: true }));
mkdirSync(join(linked, "linked-1.0.dist-info"));
writeFileSync(join(linked, "linked-1.0.dist-info/METADATA"), "Name: linked\nVersion: 1.0\n");
symlinkSync(linked, join(site, "link"));
// ...and, its top level being glob's `*`, leaves dot directories there out.
mkdirSync(join(site, ".hidden-0.1.dist-info"));

describe("METADATA parsing (osquery's rules)", () => {
  test("values containing ':' are skipped, and parsing stops at License", () => {
    expect(parsePythonMetadata("Name: a\nSummary: x: y\nLicense: BSD\nName: b\n")).toEqual({ name: "a", license: "BSD" });
  });
  test("an empty value after the colon is kept as empty; no colon-space is not", () => {
    expect(parsePythonMetadata("Author: \nSummary:\n")).toEqual({ author: "" });
  });
});

describe("python_packages", () => {
  test("a directory constraint lists every dist-info/egg-info directory below it", async () => {
    const rows = await generate(pythonPackages, { directory: [["=", site]] });
    const byPath = new Map(rows.map((r) => [String(r.path).slice(site.length), r]));
    expect([...byPath.keys()].sort()).toEqual([
      "/bar-2.1.egg-info", "/empty-0.1.dist-info", "/foo-1.0.dist-info", "/foo/_vendor/baz-0.3.dist-info", "/link/linked-1.0.dist-info",
    ]);
    expect(byPath.get("/link/linked-1.0.dist-info")).toMatchObject({ name: "linked", version: "1.0" });
    expect(byPath.get("/foo-1.0.dist-info")).toMatchObject({ name: "foo", version: "1.0", author: "Ann", license: "MIT", directory: site, uid: 0 });
    expect(byPath.get("/foo-1.0.dist-info")?.summary).toBeUndefined();
    expect(byPath.get("/bar-2.1.egg-info")).toMatchObject({ name: "bar", version: "2.1", summary: "Bar", author: "" });
    expect(byPath.get("/empty-0.1.dist-info")?.name).toBeUndefined();
  });

  test("name and version agree with importlib.metadata for the fixture and host sites", async () => {
    const python = tool("python3", "python3");
    const rows = await generate(pythonPackages);
    const sites = [...new Set(rows.map((r) => String(r.directory)))];
    expect(sites.length).toBeGreaterThan(0);
    for (const dir of [site, ...sites]) {
      const ours = (dir === site ? await generate(pythonPackages, { directory: [["=", site]] }) : rows.filter((r) => r.directory === dir))
        // importlib sees only top-level distributions that have a name
        .filter((r) => dirname(String(r.path)) === dir.replace(/\/$/, "") && r.name !== undefined)
        .map((r) => `${r.name} ${r.version}`)
        .sort();
      const script =
        "import importlib.metadata as m, os, sys\n" +
        "for d in m.distributions(path=[sys.argv[1]]):\n" +
        "    p = str(d._path)\n" +
        "    if os.path.isdir(p) and d.metadata['Name']: print(d.metadata['Name'], d.version)\n";
      const r = Bun.spawnSync([python, "-c", script, dir]);
      const theirs = r.stdout.toString().split("\n").filter(Boolean).sort();
      expect({ dir, packages: ours }).toEqual({ dir, packages: theirs });
    }
    // One python3 start per site directory: slow on a host with many versions.
  }, 60_000);
});

describe("osquery's conda, uv, virtualenvwrapper and miniforge paths (private mount namespace)", () => {
  test("a tmpfs /opt and a fixture user's home are searched as osquery's path lists say", () => {
    const home = mkdtempSync(join(tmpdir(), "osq-pyhome-"));
    try {
      const dist = (dir: string, name: string) => {
        mkdirSync(join(dir, `${name}-1.0.dist-info`), { recursive: true });
        writeFileSync(join(dir, `${name}-1.0.dist-info`, "METADATA"), `Name: ${name}\nVersion: 1.0\n`);
      };
      dist(join(home, ".virtualenvs/proj/lib/python3.11/site-packages"), "osqt-venv");
      dist(join(home, ".local/share/uv/tools/tool/lib/python3.12/site-packages"), "osqt-uv");
      dist(join(home, "miniforge3/lib/python3.10/site-packages"), "osqt-forge");
      dist(join(home, ".local/lib/python3.11/site-packages"), "osqt-user");
      const passwd = join(home, "passwd");
      writeFileSync(passwd, `root:x:0:0:root:/root:/bin/sh\nosqt:x:4242:4242::${home}:/bin/sh\n`);
      const setup = [
        "mount -t tmpfs osq-test /opt",
        "mkdir -p /opt/conda/lib/python3.11/site-packages/osqt-conda-1.0.dist-info",
        "printf 'Name: osqt-conda\\nVersion: 1.0\\n' > /opt/conda/lib/python3.11/site-packages/osqt-conda-1.0.dist-info/METADATA",
        `mount --bind '${passwd}' /etc/passwd`,
      ];
      const rows = selectInMountNamespace(setup, "SELECT name, uid FROM python_packages WHERE uid IN (0, 4242) AND name LIKE 'osqt-%' ORDER BY name");
      expect(rows).toEqual([
        { name: "osqt-conda", uid: "0" },
        { name: "osqt-forge", uid: "4242" },
        { name: "osqt-user", uid: "4242" },
        { name: "osqt-uv", uid: "4242" },
        { name: "osqt-venv", uid: "4242" },
      ]);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe("end to end (dist/osqueryi)", () => {
  test("the directory constraint reaches the generator", () => {
    const rows = query(`SELECT name, version, path FROM python_packages WHERE directory = '${site}' AND name = 'foo'`);
    expect(rows).toEqual([{ name: "foo", version: "1.0", path: `${site}/foo-1.0.dist-info` }]);
  });
});
