// The sweep: `SELECT * FROM t` for every registered table without required
// columns finishes without error on this machine, through the compiled binary.
import { expect, test } from "bun:test";
import { builtinTables } from "../../tables/index.ts";
import { OSQUERYI } from "../helpers.ts";

const sweepable = builtinTables.filter((t) => !t.columns.some((c) => c.required));

test("at least 80 tables are registered", () => {
  expect(builtinTables.length).toBeGreaterThanOrEqual(80);
});

test.each(sweepable.map((t) => t.name))("select * from %s", async (name) => {
  const proc = Bun.spawn([OSQUERYI, "--json", `select * from ${name}`], { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  // Only osquery's warnings may appear (per-user tables without a uid say so).
  for (const line of err.split("\n").filter(Boolean)) expect(line).toMatch(/^W\d{4} [\d:.]+ +\d+ \S+:\d+\] /);
  expect(code).toBe(0);
  expect(Array.isArray(JSON.parse(out))).toBe(true);
});
