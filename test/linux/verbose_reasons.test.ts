// A table that drops data says why at verbose level (osquery's VLOG), and
// stays quiet about what is simply not there. Runs dist/osq against files the
// test writes in a temp dir.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { osq } from "../helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "osq-verbose-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sql = (path: string) => `SELECT common_name FROM certificates WHERE path = '${path}'`;

describe("verbose reasons for dropped data", () => {
  test("an unreadable bundle (a directory) is named with its errno, only under --verbose", () => {
    const bundle = join(dir, "bundle.d");
    mkdirSync(bundle);
    const loud = osq(["--verbose", "--json", sql(bundle)]);
    expect(loud.code).toBe(0);
    expect(JSON.parse(loud.stdout)).toEqual([]);
    expect(loud.stderr).toMatch(new RegExp(`cannot read ${bundle}: .*EISDIR`));
    const quiet = osq(["--json", sql(bundle)]);
    expect(quiet.stderr).not.toContain("cannot read");
  });

  test("a certificate block that does not decode is skipped with a reason; the good one stays", () => {
    const good = Bun.spawnSync(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "/dev/null", "-subj", "/CN=good.test", "-days", "1"]);
    if (good.exitCode !== 0) throw new Error(`openssl is needed to make the certificate: ${good.stderr.toString()}`);
    const path = join(dir, "mixed.pem");
    writeFileSync(path, `-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n${good.stdout.toString()}`);
    const r = osq(["--verbose", "--json", sql(path)]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([{ common_name: "good.test" }]);
    expect(r.stderr).toContain(`skipping a certificate in ${path} that does not decode`);
  });

  test("a missing file is the normal case: nothing logged", () => {
    const r = osq(["--verbose", "--json", sql(join(dir, "absent.pem"))]);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain("absent.pem");
  });
});
