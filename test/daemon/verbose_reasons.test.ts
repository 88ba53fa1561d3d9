// Where the core drops data (a pack that is not JSON, a pidfile it cannot
// open), osquery's error line names what was dropped and --verbose adds why.
// Runs dist/osqueryd against files the test writes in a temp dir.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OSQUERYD, osq } from "../helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "osq-core-verbose-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// JSON.parse's reason for text that stops inside an object.
const PARSE_REASON = /JSON Parse error/;

describe("the core logs why it drops data, under --verbose", () => {
  const packs = join(dir, "packs");
  mkdirSync(packs);
  writeFileSync(join(packs, "bad.conf"), '{"queries": {');
  const single = join(dir, "single.conf");
  writeFileSync(single, "{nope");
  const config = join(dir, "osquery.conf");
  writeFileSync(config, JSON.stringify({ packs: { "*": join(packs, "%"), one: single } }));
  const check = (extra: string[]) =>
    osq(["--config_path", config, "--config_check", "--database_path", join(dir, "db"), ...extra], { bin: OSQUERYD });

  test("a multi-pack file that is not JSON: the parser's reason, next to the warning", () => {
    const r = check(["--verbose"]);
    const bad = join(packs, "bad.conf");
    expect(r.stderr).toContain(`Cannot read multi-pack JSON: ${bad}`);
    const reason = r.stderr.split("\n").find((l) => l.startsWith("I") && l.includes(`${bad}:`));
    expect(reason ?? `no verbose line for ${bad} in:\n${r.stderr}`).toMatch(PARSE_REASON);
  });

  test("a pack file that is not JSON: the parser's reason, next to the warning", () => {
    const r = check(["--verbose"]);
    expect(r.stderr).toContain('Error parsing the "one" pack JSON');
    expect(r.stderr).toMatch(/^I.*Pack one is not JSON: JSON Parse error/m);
  });

  test("without --verbose only the warnings show", () => {
    const r = check([]);
    expect(r.stderr).toContain('Error parsing the "one" pack JSON');
    expect(r.stderr).not.toMatch(PARSE_REASON);
  });

  test("a pidfile that cannot be opened: osquery's error name, and the system's reason under --verbose", () => {
    const file = join(dir, "not-a-dir");
    writeFileSync(file, "");
    const pidfile = join(file, "osqueryd.pid");
    const r = osq(["--pidfile", pidfile, "--database_path", join(dir, "db2"), "--config_path", config, "--verbose"], { bin: OSQUERYD });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`Pidfile::Error::IOError (${pidfile})`);
    expect(r.stderr).toMatch(new RegExp(`^I.*Cannot open ${pidfile}: ENOTDIR`, "m"));
  });
});
