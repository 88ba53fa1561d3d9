// vscode_extensions against fixture extensions.json files in a temp home.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OSQUERYI } from "../../helpers.ts";
import { inMountNamespace, overlay, sh } from "../../mount_namespace.ts";
import { parseVscodeExtensions, vscodeExtensionsForHome } from "../../../tables/apps/vscode_extensions.ts";

const entry = (id: string, version: string, extra: Record<string, unknown> = {}) => ({
  identifier: { id, uuid: `identifier-uuid-${id}` },
  version,
  location: { $mid: 1, path: `/home/u/.vscode/extensions/${id}-${version}`, scheme: "file" },
  relativeLocation: `${id}-${version}`,
  metadata: {
    id: `uuid-${id}`,
    installedTimestamp: 1700000000123,
    publisherId: `pub-${id}`,
    publisherDisplayName: "Publisher",
    isPreReleaseVersion: false,
    ...extra,
  },
});

function write(home: string, dir: string, doc: unknown): void {
  mkdirSync(join(home, dir, "extensions"), { recursive: true });
  writeFileSync(join(home, dir, "extensions", "extensions.json"), JSON.stringify(doc));
}

let home: string;
beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), "osq-vscode-"));
  write(home, ".vscode", [entry("ms-python.python", "2024.1.0"), { identifier: { id: "broken" } }]);
  write(home, ".vscode-insiders", [entry("rust-lang.rust-analyzer", "0.4.1", { isPreReleaseVersion: true })]);
  write(home, ".vscode-server", [entry("golang.go", "0.40.0", { installedTimestamp: "not a number" })]);
  write(home, ".cursor", [entry("cursor.ext", "1.0.0")]);
  write(home, ".vscode-oss", [entry("codium.ext", "1.0.0")]);
  write(home, ".devin", [entry("devin.ext", "1.0.0")]);
  write(home, ".trae-server", [entry("trae.ext", "1.0.0")]);
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe("vscode_extensions", () => {
  test("parses entries, skipping incomplete ones", () => {
    const rows = parseVscodeExtensions(JSON.stringify([entry("a.b", "1.0"), { identifier: {}, metadata: {} }]), 3, "vscode");
    expect(rows).toEqual([
      {
        name: "a.b", uuid: "uuid-a.b", version: "1.0", path: "/home/u/.vscode/extensions/a.b-1.0", publisher: "Publisher",
        publisher_id: "pub-a.b", installed_at: 1700000000123, prerelease: 0, uid: 3, vscode_edition: "vscode",
      },
    ]);
    expect(parseVscodeExtensions("{}", 3, "vscode")).toEqual([]);
    expect(parseVscodeExtensions("nope", 3, "vscode")).toEqual([]);
  });

  test("reads every edition directory of a home, forks included, in osquery's path order", () => {
    const rows = vscodeExtensionsForHome(home, 1000);
    expect(rows.map((r) => `${r.name} ${r.vscode_edition}`)).toEqual([
      "cursor.ext cursor",
      "devin.ext windsurf",
      "trae.ext trae",
      "ms-python.python vscode",
      "rust-lang.rust-analyzer vscode_insiders",
      "codium.ext vscodium",
      "golang.go vscode",
    ]);
    const byName = new Map(rows.map((r) => [r.name, r]));
    expect(byName.get("rust-lang.rust-analyzer")).toMatchObject({ vscode_edition: "vscode_insiders", prerelease: 1 });
    expect(byName.get("golang.go")).toMatchObject({ vscode_edition: "vscode", installed_at: undefined });
  });
});

describe("vscode_extensions e2e", () => {
  test("select from vscode_extensions where uid = 0, with a fixture in root's home", () => {
    const rootHome = readFileSync("/etc/passwd", "utf8").split("\n").map((l) => l.split(":")).find((f) => f[2] === "0")?.[5];
    if (!rootHome) throw new Error("/etc/passwd names no home for uid 0");
    const fixture = mkdtempSync(join(tmpdir(), "osq-vscode-e2e-"));
    try {
      write(fixture, ".vscode-server-insiders", [entry("osq.e2e", "1.2.3")]);
      // Root's real home is untouched: the fixture is laid over it inside a private mount namespace.
      const [out] = inMountNamespace(
        [...overlay(rootHome, join(fixture, "overlay")), `rm -rf ${sh(join(rootHome, ".vscode-server-insiders"))}`, `cp -a ${sh(join(fixture, ".vscode-server-insiders"))} ${sh(rootHome)}/`],
        [`${sh(OSQUERYI)} --json ${sh("select name, uuid, version, vscode_edition, installed_at, prerelease, uid from vscode_extensions where uid = 0 and vscode_edition = 'vscode_insiders'")}`],
      );
      expect(JSON.parse(out ?? "")).toEqual([{ name: "osq.e2e", uuid: "uuid-osq.e2e", version: "1.2.3", vscode_edition: "vscode_insiders", installed_at: "1700000000123", prerelease: "0", uid: "0" }]);
    } finally {
      rmSync(fixture, { recursive: true, force: true });
    }
  });
});
