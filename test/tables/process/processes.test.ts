// processes: the pid set against a listing of /proc, and this test's own
// process against what `ps` and the runtime say about it.
import { describe, expect, test } from "bun:test";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Op, QueryContext, type Row } from "../../../src/table.ts";
import processes, { joinCmdline, parseCgroupPath, parseIo, parseStatus, statDetails, statusName } from "../../../tables/process/processes.ts";
import { generate, OSQUERYI, query } from "../../helpers.ts";
import { tool } from "../../tools.ts";

function procPids(): Set<number> {
  return new Set(readdirSync("/proc").filter((n) => /^\d+$/.test(n)).map(Number));
}

function ps(pid: number, field: string): string {
  return Bun.spawnSync(["ps", "-o", `${field}=`, "-p", String(pid)]).stdout.toString().trim();
}

function only(rows: Row[]): Row {
  expect(rows.length).toBe(1);
  return rows[0] as Row;
}

describe("processes generator", () => {
  test("start_time is /proc/stat's btime plus the start ticks, whatever the sub-second phase (vs awk)", async () => {
    // now − uptime rounds differently depending on when in the second it is
    // taken; btime does not. Sample several phases.
    const me = process.pid;
    const expected = Number(
      Bun.spawnSync(["sh", "-c", `awk '/^btime/ {b=$2} END {print b}' /proc/stat; sed 's/.*) //' /proc/${me}/stat | awk '{print $20}'`])
        .stdout.toString().trim().split("\n").reduce((btime, ticks) => String(Number(btime) + Math.floor(Number(ticks) / 100))),
    );
    for (let i = 0; i < 8; i++) {
      const r = only(await generate(processes, { pid: [["=", String(me)]] }));
      expect(Number(r.start_time)).toBe(expected);
      await Bun.sleep(130);
    }
  });

  test("rows come in the pids' text order, as osquery's std::set<std::string> gives them", () => {
    const got = query("SELECT pid FROM processes").map((r) => r.pid as string);
    const text = [...got].sort();
    expect(got).toEqual(text);
    expect(got.length).toBeGreaterThan(1);
  });

  test("lists the pids of /proc (allowing for churn)", async () => {
    const before = procPids();
    const rows = await generate(processes);
    const after = procPids();
    const got = new Set(rows.map((r) => Number(r.pid)));
    // Every pid present before and after must be there; nothing outside either listing may be.
    for (const pid of before) if (after.has(pid)) expect(got.has(pid)).toBe(true);
    for (const pid of got) expect(before.has(pid) || after.has(pid)).toBe(true);
    expect(got.size).toBe(rows.length);
  });

  test("pid = <own pid>: name, cmdline, ids and times agree with ps and the runtime", async () => {
    const me = process.pid;
    const r = only(await generate(processes, { pid: [["=", String(me)]] }));
    expect(Number(r.pid)).toBe(me);
    expect(r.name).toBe(ps(me, "comm"));
    expect(r.cmdline).toBe(ps(me, "args"));
    expect(Number(r.parent)).toBe(process.ppid);
    expect(Number(r.uid)).toBe(process.getuid!());
    expect(Number(r.euid)).toBe(process.geteuid!());
    expect(Number(r.gid)).toBe(process.getgid!());
    expect(r.cwd).toBe(process.cwd());
    expect(r.path).toBe(process.execPath);
    expect(r.on_disk).toBe(1);
    expect(["R", "S"]).toContain(r.state as string); // running or waiting, as ps would say at that instant
    expect(Number(r.nice)).toBe(Number(ps(me, "ni")));
    expect(Number(r.pgroup)).toBe(Number(ps(me, "pgid")));
    // start_time is Unix seconds: now − elapsed, within clock rounding.
    const started = Math.floor(Date.now() / 1000) - Number(ps(me, "etimes"));
    expect(Math.abs(Number(r.start_time) - started)).toBeLessThanOrEqual(2);
    // Milliseconds of CPU: ps's TIME (whole seconds) is within a second of user+system.
    const [h = "0", m = "0", s = "0"] = ps(me, "time").split(":");
    const cpuSeconds = Number(h) * 3600 + Number(m) * 60 + Number(s);
    expect(Math.abs((Number(r.user_time) + Number(r.system_time)) / 1000 - cpuSeconds)).toBeLessThanOrEqual(2);
    // Memory in bytes: ps reports KiB; both move while the test runs, so allow slack.
    const rssBytes = Number(ps(me, "rss")) * 1024;
    expect(Number(r.resident_size)).toBeGreaterThan(rssBytes * 0.5);
    expect(Number(r.resident_size)).toBeLessThan(rssBytes * 2);
    expect(Math.abs(Number(r.total_size) / 1024 - Number(ps(me, "vsz")))).toBeLessThan(Number(ps(me, "vsz")) * 0.5);
    expect(Number(r.wired_size)).toBe(0);
    expect(Number(r.threads)).toBe(Number(ps(me, "nlwp")));
  });

  test("pid constraint reads only the named pids; missing pids give nothing", async () => {
    const rows = await generate(processes, { pid: [["=", "1"], ["=", String(process.pid)], ["=", "999999999"]] });
    expect(rows.map((r) => Number(r.pid)).sort((a, b) => a - b)).toEqual([1, process.pid].sort((a, b) => a - b));
  });

  test("only the used columns are filled", async () => {
    const ctx = new QueryContext(new Map([["pid", [{ op: Op.EQUALS, expr: String(process.pid) }]]]), new Set(["pid", "cmdline"]));
    const r = only(await processes.generate(ctx));
    expect(Object.keys(r).sort()).toEqual(["cmdline", "pid"]);
  });

  test("a child's cmdline joins argv with spaces", async () => {
    const child = Bun.spawn(["sleep", "30"]);
    try {
      await Bun.sleep(100); // let it exec and block
      const r = only(await generate(processes, { pid: [["=", String(child.pid)]] }));
      expect(r.cmdline).toBe("sleep 30");
      expect(r.name).toBe("sleep");
      expect(Number(r.parent)).toBe(process.pid);
      expect(r.state).toBe(ps(child.pid, "state"));
      expect(r.path).toBe(Bun.spawnSync(["readlink", "-f", Bun.which("sleep") ?? ""]).stdout.toString().trim());
    } finally {
      child.kill();
    }
  });
});

describe("processes parsers", () => {
  test("stat with spaces and parentheses in comm", () => {
    const fields = Array.from({ length: 50 }, (_, i) => String(i + 3)).join(" ");
    const s = statDetails(`42 (a) (b c) ${fields}\n`);
    expect(s?.comm).toBe("a) (b c");
    expect(s?.details[0]).toBe("3");
    expect(s?.details[19]).toBe("22");
    expect(statDetails("42 (x) 1 2 3")).toBeNull();
  });

  test("status name escaping and trimming follows osquery's split", () => {
    expect(statusName("bash")).toBe("bash");
    expect(statusName("a::b")).toBe("a:b");
    expect(statusName(" x ")).toBe("x");
    expect(statusName("new\nline")).toBe("new\\nline");
  });

  test("status fields: ids and kB × 1024", () => {
    const s = parseStatus("Name:\tfoo\nUid:\t1\t2\t3\t4\nGid:\t5\t6\t7\t8\nVmSize:\t  100 kB\nVmRSS:\t    10 kB\n");
    expect(s).toEqual({ name: "foo", uid: "1", euid: "2", suid: "3", gid: "5", egid: "6", sgid: "7", totalSize: 102400, residentSize: 10240 });
  });

  test("cmdline, cgroup and io", () => {
    expect(joinCmdline("a\0b c\0\0")).toBe("a b c");
    expect(parseCgroupPath("0::/user.slice/x\n")).toBe("/user.slice/x");
    expect(parseCgroupPath("12:cpu,cpuacct:/a:b\n11:memory:/m\n")).toBe("/a:b");
    expect(parseCgroupPath("garbage")).toBe("");
    expect(parseIo("rchar: 1\nread_bytes: 4096\nwrite_bytes: 8192\ncancelled_write_bytes: 4096\n")).toEqual({ read: "4096", written: 4096 });
  });
});

describe("processes end to end", () => {
  test("SELECT pid, name, cmdline FROM processes WHERE pid = <own pid>", () => {
    const me = process.pid;
    const rows = query(`SELECT pid, name, cmdline FROM processes WHERE pid = ${me}`);
    expect(rows).toEqual([{ pid: String(me), name: ps(me, "comm"), cmdline: ps(me, "args") }]);
  });

  test("count matches /proc within churn", () => {
    const before = procPids().size;
    const [row] = query("SELECT count(*) AS n FROM processes");
    const after = procPids().size;
    const n = Number(row?.n);
    expect(n).toBeGreaterThanOrEqual(Math.min(before, after) - 5);
    expect(n).toBeLessThanOrEqual(Math.max(before, after) + 5);
  });

  test("a pid list through IN reads both", () => {
    const rows = query(`SELECT pid FROM processes WHERE pid IN (1, ${process.pid}) ORDER BY pid`);
    expect(rows.map((r) => Number(r.pid))).toEqual([1, process.pid].sort((a, b) => a - b));
  });

  test("a name read from comm, stat or status is the same text: osquery's, from status", async () => {
    const dir = mkdtempSync(join(tmpdir(), "osq-procname-"));
    // comm is the executable's name: spaces, ':' and '\\' are what the readers treat specially.
    const exe = join(dir, "we ird:x\\y");
    copyFileSync(tool("sleep", "coreutils"), exe);
    const child = Bun.spawn([exe, "30"], { stdout: "ignore", stderr: "ignore" });
    try {
      await Bun.sleep(100);
      const pid = [["=", String(child.pid)]] as [string, string][];
      const names: unknown[] = [];
      for (const cols of [["pid", "name"], ["pid", "name", "state"], ["pid", "name", "uid"]]) {
        const ctx = new QueryContext(new Map([["pid", pid.map(([, v]) => ({ op: Op.EQUALS, expr: v }))]]), new Set(cols));
        names.push(only(await processes.generate(ctx)).name);
      }
      // status doubles the backslash; osquery reports the name as status has it.
      expect(names).toEqual(Array(3).fill("we ird:x\\\\y"));
      expect(readFileSync(`/proc/${child.pid}/status`, "utf8")).toContain("Name:\twe ird:x\\\\y\n");
    } finally {
      child.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("pid, name and cmdline read each process's comm and cmdline only (strace)", () => {
    const dir = mkdtempSync(join(tmpdir(), "osq-strace-"));
    try {
      const log = join(dir, "trace");
      const me = process.pid;
      const r = Bun.spawnSync([tool("strace", "strace"), "-f", "-e", "trace=openat,open", "-o", log, OSQUERYI, "--json", `SELECT pid, name, cmdline FROM processes WHERE pid = ${me}`]);
      expect(r.exitCode).toBe(0);
      expect(JSON.parse(r.stdout.toString())).toEqual([{ pid: String(me), name: ps(me, "comm"), cmdline: ps(me, "args") }]);
      const opened = [...readFileSync(log, "utf8").matchAll(new RegExp(`"/proc/${me}/([a-z_]+)"`, "g"))].map((m) => m[1]).sort();
      expect([...new Set(opened)]).toEqual(["cmdline", "comm"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
