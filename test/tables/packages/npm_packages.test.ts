// npm_packages: a fixture directory through the `directory` constraint, and
// the host's global packages checked against `npm ls -g`.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parsePackageJson } from "../../../src/linux/npm.ts";
import npmPackages from "../../../tables/packages/npm_packages.ts";
import { generate, query } from "../../helpers.ts";
import { tool } from "../../tools.ts";
import { selectInMountNamespace } from "../../mount_namespace.ts";

const site = mkdtempSync(join(tmpdir(), "osq-npm-"));
afterAll(() => rmSync(site, { recursive: true, force: true }));
function put(rel: string, json: unknown) {
  mkdirSync(dirname(join(site, rel)), { recursive: true });
  writeFileSync(join(site, rel), typeof json === "string" ? json : JSON.stringify(json));
}
put("node_modules/alpha/package.json", { name: "alpha", version: "1.2.3", description: "A", author: { name: "Ann", email: "a@x" }, license: { type: "MIT", url: "https://l" }, homepage: "https://a" });
put("node_modules/@scope/beta/package.json", { name: "@scope/beta", version: "2.0.0", author: "Bob <b@x>", license: "ISC", description: 5 });
put("node_modules/alpha/node_modules/gamma/package.json", { name: "gamma", version: "0.1.0" });
put("node_modules/alpha/node_modules/gamma/node_modules/delta/package.json", { name: "delta", version: "9" });
put("node_modules/broken/package.json", "{ not json");
put("node_modules/.bin/package.json", { name: "hidden" }); // dot directories are not matched

describe("package.json fields", () => {
  test("author and license take osquery's shapes; non-strings read as empty", () => {
    expect(parsePackageJson('{"name":1,"author":{"name":"A"},"license":{"url":"u"}}')).toEqual({ name: "", author: "A", license: "u" });
    expect(parsePackageJson("[1]")).toBeNull();
  });
});

describe("npm_packages", () => {
  test("a directory constraint lists its packages, scoped and nested, with depth", async () => {
    const rows = await generate(npmPackages, { directory: [["=", site]] });
    const got = rows.map((r) => `${String(r.path).slice(site.length)} ${r.name} ${r.depth}`).sort();
    expect(got).toEqual([
      "/node_modules/@scope/beta/package.json @scope/beta 0",
      "/node_modules/alpha/node_modules/gamma/node_modules/delta/package.json delta 2",
      "/node_modules/alpha/node_modules/gamma/package.json gamma 1",
      "/node_modules/alpha/package.json alpha 0",
      "/node_modules/broken/package.json undefined 0",
    ]);
    const alpha = rows.find((r) => r.name === "alpha");
    expect(alpha).toMatchObject({ version: "1.2.3", author: "Ann", license: "https://l", homepage: "https://a", directory: site, max_depth: 100 });
    expect(rows.find((r) => r.name === "@scope/beta")).toMatchObject({ author: "Bob <b@x>", license: "ISC", description: "" });
  });

  test("max_depth limits the nested search", async () => {
    const rows = await generate(npmPackages, { directory: [["=", site]], max_depth: [["=", "0"]] });
    expect(rows.every((r) => r.depth === 0 && r.max_depth === 0)).toBe(true);
    expect(rows).toHaveLength(3);
  });

  test("the host's global top-level packages equal `npm ls -g`", async () => {
    const npm = tool("npm", "npm");
    const rootDir = Bun.spawnSync([npm, "root", "-g"]).stdout.toString().trim();
    const ls = JSON.parse(Bun.spawnSync([npm, "ls", "-g", "--depth=0", "--json"]).stdout.toString()) as {
      dependencies?: Record<string, { version: string }>;
    };
    const theirs = Object.entries(ls.dependencies ?? {}).map(([n, d]) => `${n} ${d.version}`).sort();
    const rows = await generate(npmPackages);
    const ours = rows
      .filter((r) => r.depth === 0 && String(r.path).startsWith(`${rootDir}/`))
      .map((r) => `${r.name} ${r.version}`)
      .sort();
    expect(ours).toEqual(theirs);
  });
});

describe("search directories and loops (private mount namespace)", () => {
  test("asdf, fnm, mise and Volta installs under /home are searched, as osquery's list has them", () => {
    const pkg = (dir: string, name: string) => `mkdir -p '${dir}/node_modules/${name}' && echo '{"name":"${name}"}' > '${dir}/node_modules/${name}/package.json'`;
    const setup = [
      "mount -t tmpfs osq-test /home",
      pkg("/home/u/.asdf/installs/nodejs/20.1.0/lib", "osqt-asdf"),
      pkg("/home/u/.local/share/fnm/node-versions/v20.1.0/installation/lib", "osqt-fnm"),
      pkg("/home/u/.local/share/mise/installs/node/20.1.0/lib", "osqt-mise"),
      pkg("/home/u/.volta/tools/image/node/20.1.0/lib", "osqt-volta"),
      pkg("/home/u/.nvm/versions/node/v20.1.0/lib", "osqt-nvm"),
    ];
    // Directories found by a pattern carry glob's trailing "/", as in osquery.
    const rows = selectInMountNamespace(setup, "SELECT name, directory FROM npm_packages WHERE name LIKE 'osqt-%' ORDER BY name");
    expect(rows).toEqual([
      { name: "osqt-asdf", directory: "/home/u/.asdf/installs/nodejs/20.1.0/lib/" },
      { name: "osqt-fnm", directory: "/home/u/.local/share/fnm/node-versions/v20.1.0/installation/lib/" },
      { name: "osqt-mise", directory: "/home/u/.local/share/mise/installs/node/20.1.0/lib/" },
      { name: "osqt-nvm", directory: "/home/u/.nvm/versions/node/v20.1.0/lib/" },
      { name: "osqt-volta", directory: "/home/u/.volta/tools/image/node/20.1.0/lib/" },
    ]);
  });

  test("a package directory on another filesystem with the search directory's inode number is still searched", () => {
    // Two tmpfs roots share inode 1; only the device tells them apart.
    const top = mkdtempSync(join(tmpdir(), "osq-npm-dev-"));
    try {
      const setup = [
        `mount -t tmpfs osq-test '${top}'`,
        `mkdir -p '${top}/node_modules/outer'`,
        `mount -t tmpfs osq-test '${top}/node_modules/outer'`,
        `echo '{"name":"outer"}' > '${top}/node_modules/outer/package.json'`,
        `mkdir -p '${top}/node_modules/outer/node_modules/inner'`,
        `echo '{"name":"inner"}' > '${top}/node_modules/outer/node_modules/inner/package.json'`,
        `[ "$(stat -c %i '${top}')" = "$(stat -c %i '${top}/node_modules/outer')" ]`,
      ];
      const rows = selectInMountNamespace(setup, `SELECT name, depth FROM npm_packages WHERE directory = '${top}' ORDER BY depth`);
      expect(rows).toEqual([{ name: "outer", depth: "0" }, { name: "inner", depth: "1" }]);
    } finally {
      rmSync(top, { recursive: true, force: true });
    }
  });
});

describe("end to end (dist/osqueryi)", () => {
  test("directory and max_depth constraints reach the generator", () => {
    const rows = query(`SELECT name, depth FROM npm_packages WHERE directory = '${site}' AND max_depth = 1 ORDER BY name`);
    expect(rows).toEqual([
      { name: "", depth: "0" },
      { name: "@scope/beta", depth: "0" },
      { name: "alpha", depth: "0" },
      { name: "gamma", depth: "1" },
    ]);
  });
});
