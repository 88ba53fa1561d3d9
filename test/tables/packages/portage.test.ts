// portage_packages, portage_use and portage_keywords: this Debian host has no
// Portage, so the parsers read a fixture Gentoo root written here.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseKeywordSummary, portageKeywords, portagePackages, portageUse, splitPackageVersion } from "../../../src/linux/portage.ts";
import portageKeywordsTable from "../../../tables/packages/portage_keywords.ts";
import portagePackagesTable from "../../../tables/packages/portage_packages.ts";
import portageUseTable from "../../../tables/packages/portage_use.ts";
import { generate, query } from "../../helpers.ts";

const root = mkdtempSync(join(tmpdir(), "osq-gentoo-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
function put(rel: string, text: string) {
  mkdirSync(dirname(join(root, rel)), { recursive: true });
  writeFileSync(join(root, rel), text);
}
put("var/db/pkg/dev-lang/python-3.11.8-r2/SLOT", "3.11\n");
put("var/db/pkg/dev-lang/python-3.11.8-r2/BUILD_TIME", "1712000000\n");
put("var/db/pkg/dev-lang/python-3.11.8-r2/repository", "gentoo\n");
put("var/db/pkg/dev-lang/python-3.11.8-r2/EAPI", "8\n");
put("var/db/pkg/dev-lang/python-3.11.8-r2/SIZE", "123456\n");
put("var/db/pkg/dev-lang/python-3.11.8-r2/USE", "amd64 ssl  sqlite\n");
put("var/db/pkg/sys-apps/util-linux-2.39.3/SLOT", "0\n");
put("var/lib/portage/world", "# selected\nsys-apps/util-linux\n\n");
put("etc/portage/package.keywords", "=dev-lang/python-3.12.2 ~amd64\n# off\ndev-util/cmake ~amd64 ~x86\n>=sys-libs/glibc-2.39 #comment\n");
put("etc/portage/package.mask", ">=dev-lang/python-3.13\ndev-util/cmake\n");
put("etc/portage/package.unmask", "=dev-lang/python-3.12.2\n");

describe("atom splitting", () => {
  test("versions start at the last -digit, keeping -rN and comparison operators", () => {
    expect(splitPackageVersion("dev-lang/python-3.11.8-r2")).toEqual(["dev-lang/python", "3.11.8-r2"]);
    expect(splitPackageVersion(">=sys-libs/glibc-2.39")).toEqual(["sys-libs/glibc", ">=2.39"]);
    expect(splitPackageVersion("=app-misc/foo-bar-1.0")).toEqual(["app-misc/foo-bar", "1.0"]);
    expect(splitPackageVersion("x11-libs/gtk+")).toEqual(["x11-libs/gtk+", ""]);
    // osquery looks for the version only after the category's '/'.
    expect(splitPackageVersion("foo-1.2")).toEqual(["foo-1.2", ""]);
    expect(splitPackageVersion(">=bar-2.0-r1")).toEqual(["bar-2.0-r1", ">="]);
    expect(parseKeywordSummary("baz-3.1 ~amd64\n", "", "")).toEqual([{ package: "baz-3.1", version: "", keyword: "~amd64", mask: 0, unmask: 0 }]);
  });
});

describe("portage tables on a fixture root", () => {
  test("portage_packages reads each package directory and the world set", () => {
    const rows = portagePackages(root);
    expect(rows).toEqual([
      { package: "dev-lang/python", version: "3.11.8-r2", slot: "3.11", build_time: "1712000000", repository: "gentoo", eapi: "8", size: "123456", world: 0 },
      { package: "sys-apps/util-linux", version: "2.39.3", slot: "0", build_time: undefined, repository: undefined, eapi: undefined, size: undefined, world: 1 },
    ]);
  });

  test("portage_use lists each USE flag", () => {
    expect(portageUse(root).map((r) => `${r.package} ${r.version} ${r.use}`)).toEqual([
      "dev-lang/python 3.11.8-r2 amd64",
      "dev-lang/python 3.11.8-r2 ssl",
      "dev-lang/python 3.11.8-r2 sqlite",
    ]);
  });

  test("portage_keywords merges keywords, masks and unmasks per atom", () => {
    // glibc's keyword column is a comment: osquery drops such lines.
    expect(portageKeywords(root)).toEqual([
      { package: "dev-lang/python", version: "3.12.2", keyword: "~amd64", mask: 0, unmask: 1 },
      { package: "dev-util/cmake", version: "", keyword: "~amd64", mask: 1, unmask: 0 },
      { package: "dev-lang/python", version: ">=3.13", keyword: "", mask: 1, unmask: 0 },
    ]);
    expect(parseKeywordSummary("", "", "")).toEqual([]);
  });

  test("this Debian host has no Portage: every table is empty", async () => {
    expect(await generate(portagePackagesTable)).toEqual([]);
    expect(await generate(portageUseTable)).toEqual([]);
    expect(await generate(portageKeywordsTable)).toEqual([]);
  });
});

describe("end to end (dist/osqueryi)", () => {
  test("the portage tables exist and are empty here", () => {
    for (const t of ["portage_packages", "portage_use", "portage_keywords"]) {
      expect(query(`SELECT count(*) AS n FROM ${t}`)).toEqual([{ n: "0" }]);
    }
  });
});
