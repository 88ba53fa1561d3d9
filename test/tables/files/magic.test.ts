// magic: libmagic's answers checked against file(1), which uses the same library.
import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import magic from "../../../tables/files/magic.ts";
import { libmagicAvailable } from "../../../src/linux/libmagic.ts";
import { generate, query } from "../../helpers.ts";
import { tool } from "../../tools.ts";

const PATHS = ["/etc/hosts", "/bin/ls", "/etc"].filter((p) => existsSync(p));

function file(args: string[], path: string): string {
  return Bun.spawnSync([tool("file", "file"), "-b", ...args, path]).stdout.toString().trim();
}

function needLibmagic(): void {
  if (!libmagicAvailable()) throw new Error("libmagic.so.1 cannot be loaded: install the Debian package libmagic1");
}

describe("magic", () => {
  test("data, mime_type and mime_encoding equal file -b / --mime-type / --mime-encoding", async () => {
    needLibmagic();
    const rows = await generate(magic, { path: PATHS.map((p): [string, string] => ["=", p]) });
    expect(rows.map((r) => r.path)).toEqual([...PATHS].sort());
    for (const r of rows) {
      const p = String(r.path);
      expect(r.data).toBe(file([], p));
      expect(r.mime_type).toBe(file(["--mime-type"], p));
      expect(r.mime_encoding).toBe(file(["--mime-encoding"], p));
      expect(r.magic_db_files).toBe("/usr/share/file/magic.mgc:/usr/share/misc/magic.mgc");
    }
  });

  test("no database that loads, no rows", async () => {
    expect(await generate(magic, { path: [["=", "/etc/hosts"]], magic_db_files: [["=", "/nonexistent.mgc"]] })).toEqual([]);
  });

  test("rows come in path order, not the IN list's (osquery's constraint set is sorted)", () => {
    needLibmagic();
    expect(query("SELECT path FROM magic WHERE path IN ('/etc/hosts', '/bin/ls')")).toEqual([{ path: "/bin/ls" }, { path: "/etc/hosts" }]);
  });

  test("end to end through the binary", () => {
    needLibmagic();
    expect(query("SELECT mime_type FROM magic WHERE path = '/etc/hosts'")).toEqual([{ mime_type: file(["--mime-type"], "/etc/hosts") }]);
  });
});
