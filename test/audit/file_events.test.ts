// process_file_events on records this kernel sent (test/audit/file_records.txt)
// while, with osquery's file-syscall rule installed, a python3 in
// /tmp/osq-fim-fixture did:
//   fd = open("a.txt", O_WRONLY|O_CREAT|O_TRUNC); write(fd) x2; close(fd)
//   fd = open("/tmp/osq-fim-fixture/a.txt", O_RDONLY); read(fd); close(fd)
//   rename a.txt b.txt; link b.txt c.txt; symlink b.txt s.txt; truncate b.txt
//   unlink c.txt; unlink s.txt; unlink /tmp/osq-fim-fixture/b.txt
// (link() itself is not among osquery's calls, so it leaves no row.)
import { afterEach, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { AuditAssembler } from "../../src/audit/assemble.ts";
import { normalizePath, processFileEventRows, ProcessFileState } from "../../src/audit/file_events.ts";
import { parseRecord, type AuditRecord } from "../../src/audit/record.ts";
import { nativeSyscalls } from "../../src/audit/syscalls.ts";
import { flags } from "../../src/flags/flags.ts";

const RECORDS: AuditRecord[] = readFileSync(join(import.meta.dir, "file_records.txt"), "utf8")
  .split("\n")
  .filter((l) => l !== "")
  .map((l) => {
    const sp = l.indexOf(" ");
    const r = parseRecord(Number(l.slice(0, sp)), l.slice(sp + 1));
    if (!r) throw new Error(`fixture line does not parse: ${l.slice(0, 80)}`);
    return r;
  });
const DIR = "/tmp/osq-fim-fixture";

afterEach(() => {
  flags.set("audit_fim_show_accesses", "false", "cli");
  flags.set("audit_show_partial_fim_events", "false", "cli");
});

function rows(included: string[]) {
  const table = nativeSyscalls();
  if (!table) throw new Error("the fixture holds x86_64 records: this test needs an x86_64 or aarch64 machine");
  const now = (RECORDS[0] as AuditRecord).time * 1000;
  const events = new AuditAssembler({ selfExecutable: "/nonexistent/osq", allowedToFail: new Set(), now: () => now }).push(RECORDS);
  const state = new ProcessFileState();
  state.included = new Set(included);
  return processFileEventRows(events, table, state);
}

const ALL = ["a.txt", "b.txt", "c.txt", "s.txt"].map((f) => `${DIR}/${f}`);

describe("process_file_events", () => {
  test("paths are made absolute against the directory record and normalised without the disk", () => {
    expect(normalizePath('"/tmp/x y"', "a/../b.txt")).toBe("/tmp/x y/b.txt");
    expect(normalizePath("/ignored", '"/abs//c"')).toBe("/abs/c");
    expect(normalizePath("/tmp/d/", "./e")).toBe("/tmp/d/e");
  });

  test("writes to the watched files: open+truncate, the first write per open, rename, truncate, unlinks", () => {
    const r = rows(ALL);
    expect(r.map((x) => [x.operation, x.path, x.dest_path ?? ""])).toEqual([
      ["open+truncate", `${DIR}/a.txt`, ""],
      ["write", `${DIR}/a.txt`, ""],
      ["rename", `${DIR}/a.txt`, `${DIR}/b.txt`],
      ["write", `${DIR}/b.txt`, ""],
      ["unlink", `${DIR}/c.txt`, ""],
      ["unlink", `${DIR}/s.txt`, ""],
      ["unlink", `${DIR}/b.txt`, ""],
    ]);
    const sc = RECORDS.find((x) => x.type === 1300) as AuditRecord;
    expect(r[0]).toMatchObject({ pid: sc.fields.get("pid"), ppid: sc.fields.get("ppid"), uid: "0", executable: "/usr/bin/python3.11", partial: "false", cwd: DIR });
  });

  test("--audit_fim_show_accesses adds the opens, reads and closes", () => {
    flags.set("audit_fim_show_accesses", "true", "cli");
    const ops = rows(ALL).map((x) => `${x.operation} ${String(x.path).slice(DIR.length + 1)}`);
    expect(ops.slice(0, 7)).toEqual(["open+truncate a.txt", "write a.txt", "close a.txt", "open a.txt", "read a.txt", "close a.txt", "rename a.txt"]);
  });

  test("only paths that file_paths resolved to are reported; none configured, none reported", () => {
    expect(rows([`${DIR}/c.txt`]).map((x) => x.operation)).toEqual(["unlink"]);
    expect(rows([])).toEqual([]);
  });
});
