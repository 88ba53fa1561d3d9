// The watchdog and live queries end to end: the compiled dist/osqueryd with
// the watchdog on, its live queries from test/remote/server.ts (HTTPS on
// 127.0.0.1). A live query that blows the memory limit gets the worker killed;
// the next worker tells the server that query failed, with osquery's status
// and message, without running it again, and the other live query still
// answers. What the server recorded is what went on the wire.
import { afterEach, beforeEach, expect, test } from "bun:test";
import { DaemonFixture } from "../daemon_fixture.ts";
import { osq } from "../helpers.ts";
import { remoteFixture } from "../remote/fixture.ts";
import type { RecordedRequest, TestServer } from "../remote/server.ts";

// group_concat over an endless series: memory grows ~100 MB/s and the query never ends.
const HOG = "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c) SELECT length(group_concat(hex(randomblob(100)))) AS n FROM c";

const remote = remoteFixture("osq-watchdog-distributed-");
let srv: TestServer;
let d: DaemonFixture;

beforeEach(() => {
  srv = remote.server();
  d = new DaemonFixture("osq-watchdog-distributed-");
});
afterEach(() => d.cleanup());

interface WriteBody {
  queries: Record<string, Record<string, string>[]>;
  statuses: Record<string, number>;
  messages: Record<string, string>;
}

const writes = (): WriteBody[] => srv.requestsTo("write").map((r: RecordedRequest) => r.body as unknown as WriteBody);
const stops = () => d.stderr().match(/osqueryd worker \(\d+\) stopping: Memory limits exceeded/g)?.length ?? 0;

test("a live query over --watchdog_memory_limit: the worker is replaced, the server hears the query failed (status 1, osquery's message), it never runs again, and the other live query answers", async () => {
  d.writeConfig({ schedule: { one: { query: "SELECT 1 AS one", interval: 1 } } });
  // Pending queries run in key order: "hog" first, so "other" waits behind it in the first worker.
  srv.distributed = { queries: { hog: HOG, other: "SELECT 'alive' AS a" } };
  d.start([
    ...srv.flags(),
    "--disable_distributed=false",
    "--distributed_interval=1",
    "--watchdog_memory_limit=100",
    "--watchdog_delay=0",
    "--watchdog_forced_shutdown_delay=1",
  ]);
  await d.waitFor("the stop", () => stops() === 1, 30_000);
  // Nothing was answered by the first worker: it died inside the hog, before its write.
  const failed = await d.waitFor("the hog's failure on the wire", () => writes().find((w) => "hog" in w.statuses), 20_000);
  expect(failed.statuses.hog).toBe(1);
  expect(failed.messages.hog).toBe("distributed query is denylisted");
  expect(failed.queries.hog).toEqual([]);
  expect(failed.statuses.other).toBe(0);
  expect(failed.queries.other).toEqual([{ a: "alive" }]);

  // The server keeps sending both: the hog is answered as denylisted each time without running, the other answers.
  const seen = writes().length;
  await d.waitFor("two more writes", () => writes().length >= seen + 2, 10_000);
  for (const w of writes().slice(seen)) {
    expect(w.statuses).toEqual({ hog: 1, other: 0 });
    expect(w.messages.hog).toBe("distributed query is denylisted");
    expect(w.queries.other).toEqual([{ a: "alive" }]);
  }
  expect(stops()).toBe(1);
  expect(d.procs[0]!.exitCode).toBeNull();
}, 60_000);

test("a live query during which the worker is stopped for a limit, and that returns before the forced kill, is not answered with its rows: the next worker reports it as failed (status 1, osquery's message)", async () => {
  // About 15 s of counting on this machine: over a small CPU budget at the
  // watchdog's first checks (2 s delay, 3 s over the limit), then the query ends
  // by itself well before the forced kill (60 s). A fixed count ended before
  // the stop on a fast machine, so the length is measured first.
  const countTo = (n: number) => `WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c LIMIT ${n}) SELECT count(*) AS n FROM c`;
  const started = performance.now();
  expect(osq(["--query_timeout=300", countTo(2_000_000)]).code).toBe(0);
  const msPerMillion = (performance.now() - started) / 2;
  const counting = countTo(Math.round(Math.min(400, Math.max(12, 15_000 / msPerMillion))) * 1_000_000);
  d.writeConfig({ schedule: {} });
  srv.distributed = { queries: { counting } };
  d.start([
    ...srv.flags(),
    "--disable_distributed=false",
    "--distributed_interval=1",
    "--watchdog_utilization_limit=5",
    "--watchdog_latency_limit=3",
    "--watchdog_delay=2",
    // Long enough for the query to end and the worker to leave on its own after the warning.
    "--watchdog_forced_shutdown_delay=60",
  ]);
  await d.waitFor("the stop", () => d.stderr().includes("stopping: Maximum sustainable CPU utilization limit"), 40_000);
  const answer = await d.waitFor("the query's answer on the wire", () => writes().find((w) => "counting" in w.statuses), 90_000);
  expect(answer.statuses.counting).toBe(1);
  expect(answer.messages.counting).toBe("distributed query is denylisted");
  expect(answer.queries.counting).toEqual([]);
  expect(d.stderr()).not.toContain("Sending kill signal");
}, 150_000);
