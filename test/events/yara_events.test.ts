// yara_events end to end on the compiled osqueryd: a watched temp tree whose
// files are scanned with the config's signature groups as they are written,
// rows read back from the schedule's results log. Expected rule names, tags
// and string offsets come from the rule files and the bytes written here.
import { afterEach, beforeEach, expect, test } from "bun:test";
import { chmodSync, mkdirSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { EventDaemon } from "./daemon.ts";

let d: EventDaemon;
let tree: string;
let rules: string;

beforeEach(() => {
  d = new EventDaemon();
  tree = join(d.dir, "tree");
  rules = join(d.dir, "rules");
  mkdirSync(join(tree, "skip"), { recursive: true });
  mkdirSync(rules);
  writeFileSync(join(rules, "marker.yar"), 'rule hit_marker : evil sample {\n  strings:\n    $a = "OSQ_YARA_HIT"\n    $b = "SECOND_PART"\n  condition:\n    any of them\n}\n');
  writeFileSync(join(rules, "second.yar"), 'rule second_part {\n  strings:\n    $s = "SECOND_PART"\n  condition:\n    $s\n}\n');
  // An identifier the condition never defines: libyara refuses it at compile time.
  writeFileSync(join(rules, "bad.yar"), "rule broken {\n  condition:\n    no_such_identifier\n}\n");
});

afterEach(async () => {
  await d.cleanup();
});

const YARA_SQL = "SELECT target_path, category, action, matches, count, strings, tags, transaction_id, time, eid FROM yara_events";
const FIM_SQL = "SELECT target_path, action FROM file_events";
const hex = (n: number) => n.toString(16);

function yaraConfig(groups: string[], extra: Record<string, unknown> = {}): unknown {
  return {
    schedule: { yara: { query: YARA_SQL, interval: 1 }, fim: { query: FIM_SQL, interval: 1 } },
    file_paths: { tree: [`${tree}/%%`] },
    exclude_paths: { tree: [`${tree}/skip/%%`] },
    yara: {
      signatures: { marker: [join(rules, "marker.yar")], second: [join(rules, "second.yar")], bad: [join(rules, "bad.yar")] },
      file_paths: { tree: groups },
    },
    ...extra,
  };
}

test("a matching file gives rows with its rules, strings at their offsets and tags; a clean, an excluded or a deleted file none", async () => {
  d.config(yaraConfig(["marker", "second"]));
  const start = Math.floor(Date.now() / 1000);
  const p = d.start(["--enable_file_events"]);
  await d.started("inotify");
  const hitText = "xx OSQ_YARA_HIT yy SECOND_PART zz";
  const hit = join(tree, "hit");
  writeFileSync(hit, hitText);
  writeFileSync(join(tree, "clean"), "nothing to see here\n");
  writeFileSync(join(tree, "skip", "excluded"), hitText);
  // Written elsewhere and moved in: one event, MOVED_TO.
  const movedText = "OSQ_YARA_HIT";
  const outside = join(d.dir, "outside");
  writeFileSync(outside, movedText);
  const moved = join(tree, "moved");
  renameSync(outside, moved);
  // Scanned once it is in, before it goes: neither a mode change nor a delete is scanned.
  await d.waitFor("the moved file's row", () => d.rows("yara").some((r) => r.target_path === moved));
  chmodSync(hit, 0o600);
  unlinkSync(moved);
  // Scans run in event order: once the last file's row is in, every earlier one was scanned.
  const last = join(tree, "last");
  writeFileSync(last, "SECOND_PART");
  await d.waitFor("the last file's row", () => d.rows("yara").some((r) => r.target_path === last));
  await d.waitFor("file_events' row for the last file", () => d.rows("fim").some((r) => r.target_path === last));
  await Bun.sleep(1500);
  const rows = d.rows("yara");
  const of = (path: string) => rows.filter((r) => r.target_path === path);

  // Both groups, in the order yara.file_paths names them: their matches in one row.
  const hitColumns = {
    category: "tree",
    matches: "hit_marker,second_part",
    count: "2",
    strings: `$a:${hex(hitText.indexOf("OSQ_YARA_HIT"))},$b:${hex(hitText.indexOf("SECOND_PART"))},$s:${hex(hitText.indexOf("SECOND_PART"))}`,
    tags: "evil,sample",
    transaction_id: "0",
  };
  const hitRows = of(hit);
  // The CREATE may be scanned before the bytes are there (no match, no row); the close after the write always matches.
  expect(hitRows.map((r) => r.action)).toContain("UPDATED");
  for (const r of hitRows) {
    expect(["CREATED", "UPDATED"]).toContain(r.action!);
    expect(r).toMatchObject(hitColumns);
  }
  // A move's row has no transaction id on Linux (osquery fills it from FSEvents only).
  expect(of(moved).map(({ action, matches, count, strings, tags, transaction_id }) => ({ action, matches, count, strings, tags, transaction_id }))).toEqual([
    { action: "MOVED_TO", matches: "hit_marker", count: "1", strings: "$a:0", tags: "evil,sample", transaction_id: "0" },
  ]);
  expect(of(last).length).toBeGreaterThan(0);
  for (const r of of(last)) expect([r.matches, r.count, r.strings, r.tags]).toEqual(["hit_marker,second_part", "2", "$b:0,$s:0", "evil,sample"]);

  // No row for the clean file, the excluded path, or an action outside osquery's mask.
  expect(of(join(tree, "clean"))).toEqual([]);
  expect(rows.filter((r) => r.target_path!.includes("/skip/"))).toEqual([]);
  expect(rows.every((r) => ["CREATED", "UPDATED", "MOVED_TO"].includes(r.action!))).toBe(true);
  // file_events did see those (so the watches were there): the yara subscription's mask left them out.
  expect(d.rows("fim").filter((r) => r.target_path === hit).map((r) => r.action)).toContain("ATTRIBUTES_MODIFIED");
  expect(d.rows("fim").filter((r) => r.target_path === moved).map((r) => r.action)).toEqual(["MOVED_TO", "DELETED"]);

  const now = Math.floor(Date.now() / 1000);
  for (const r of rows) {
    expect(Number(r.time)).toBeGreaterThanOrEqual(start);
    expect(Number(r.time)).toBeLessThanOrEqual(now);
  }
  const eids = rows.map((r) => r.eid);
  expect(new Set(eids).size).toBe(eids.length);
  // The compiled binary ran its scan thread (the main-thread fallback and a failed thread both say so).
  expect(d.stderr()).not.toContain("scan thread");
  expect(await d.stop(p)).toBe(0);
}, 40_000);

test("a rule file that does not compile: one error line, its group left out, the daemon keeps scanning with the others", async () => {
  d.config(yaraConfig(["bad", "marker"]));
  const p = d.start(["--enable_file_events"]);
  await d.started("inotify");
  const errorLine = await d.waitFor("the compile error", () => d.lastStderr().split("\n").find((l) => l.startsWith("E") && l.includes("group bad")));
  const bad = join(rules, "bad.yar");
  expect(errorLine).toMatch(new RegExp(`^E\\d{4} [\\d:.]+ +\\d+ [\\w.]+:\\d+\\] YARA signature group bad does not compile: YARA rule file ${bad}\\(3\\): error: .*no_such_identifier`));
  const hit = join(tree, "hit");
  writeFileSync(hit, "..OSQ_YARA_HIT");
  await d.waitFor("the matching file's row", () => d.rows("yara").some((r) => r.target_path === hit && r.action === "UPDATED"));
  for (const r of d.rows("yara")) expect([r.matches, r.count, r.strings]).toEqual(["hit_marker", "1", "$a:2"]);
  const stderr = d.lastStderr();
  // Said once, in one line, without a stack; the daemon runs on.
  expect(stderr.split("\n").filter((l) => l.startsWith("E") && l.includes("bad")).length).toBe(1);
  expect(stderr).not.toMatch(/^\s+at /m);
  expect(p.exitCode).toBeNull();
  expect(await d.stop(p)).toBe(0);
}, 40_000);

test("events.disable_subscribers turns yara_events off; file_events still records", async () => {
  d.config(
    yaraConfig(["marker"], {
      events: { disable_subscribers: ["yara_events"] },
      schedule: {
        yara: { query: YARA_SQL, interval: 1 },
        fim: { query: FIM_SQL, interval: 1 },
        ev: { query: "SELECT name, subscriptions, active FROM osquery_events WHERE name IN ('file_events', 'yara_events')", interval: 1, snapshot: true },
      },
    }),
  );
  const p = d.start(["--enable_file_events"]);
  await d.started("inotify");
  const hit = join(tree, "hit");
  writeFileSync(hit, "OSQ_YARA_HIT");
  await d.waitFor("file_events' row", () => d.rows("fim").some((r) => r.target_path === hit && r.action === "UPDATED"));
  const snap = await d.waitFor("an osquery_events snapshot", () => d.lines("osqueryd.snapshots.log").find((l) => l.name === "ev")?.snapshot);
  await Bun.sleep(1500);
  expect(d.rows("yara")).toEqual([]);
  expect(snap).toEqual([
    { name: "file_events", subscriptions: "1", active: "1" },
    { name: "yara_events", subscriptions: "0", active: "0" },
  ]);
  expect(await d.stop(p)).toBe(0);
}, 40_000);

test("a config reload compiles the groups again: an edited rule file and a new group list apply to the next scans", async () => {
  d.config(yaraConfig(["marker"]));
  const p = d.start(["--enable_file_events", "--disable_watchdog"]);
  await d.started("inotify");
  const text = "OSQ_YARA_HIT SECOND_PART";
  const before = join(tree, "before");
  writeFileSync(before, text);
  await d.waitFor("the first file's row", () => d.rows("yara").some((r) => r.target_path === before && r.action === "UPDATED"));
  // The rule renamed on disk, and the category given a second group: the config changed, so both are compiled anew.
  writeFileSync(join(rules, "marker.yar"), 'rule hit_marker_v2 {\n  strings:\n    $a = "OSQ_YARA_HIT"\n  condition:\n    $a\n}\n');
  d.config(yaraConfig(["second", "marker"]));
  process.kill(p.pid, "SIGHUP");
  await d.waitFor("the listener added again", () => d.lastStderr().split("Added YARA listener to:").length === 3);
  await Bun.sleep(300);
  const after = join(tree, "after");
  writeFileSync(after, text);
  await d.waitFor("the second file's row", () => d.rows("yara").some((r) => r.target_path === after && r.action === "UPDATED"));
  await Bun.sleep(1200);
  const seen = (path: string) => [...new Set(d.rows("yara").filter((r) => r.target_path === path).map((r) => `${r.matches} ${r.strings}`))];
  const second = hex(text.indexOf("SECOND_PART"));
  expect(seen(before)).toEqual([`hit_marker $a:0,$b:${second}`]);
  expect(seen(after)).toEqual([`second_part,hit_marker_v2 $s:${second},$a:0`]);
  expect(await d.stop(p)).toBe(0);
}, 40_000);
