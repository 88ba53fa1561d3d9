// process_envs: a child started with a known environment shows exactly it.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import processEnvs, { parseEnviron } from "../../../tables/process/process_envs.ts";
import { generate, query } from "../../helpers.ts";

const marker = `osq-${process.pid}-${Date.now()}`;
const env = { OSQ_TEST_MARKER: marker, OSQ_TEST_EQUALS: "a=b=c", OSQ_TEST_EMPTY: "", PATH: process.env.PATH ?? "/usr/bin:/bin" };
let child: ReturnType<typeof Bun.spawn>;

beforeAll(() => {
  child = Bun.spawn(["sleep", "60"], { env });
});
afterAll(() => child.kill());

describe("process_envs", () => {
  test("generator: the child's variables, split at the first '='", async () => {
    const rows = await generate(processEnvs, { pid: [["=", String(child.pid)]] });
    const got = Object.fromEntries(rows.map((r) => [r.key, r.value]));
    expect(got).toEqual(env);
    expect(rows.every((r) => Number(r.pid) === child.pid)).toBe(true);
  });

  test("generator without constraint includes the child", async () => {
    const rows = await generate(processEnvs);
    expect(rows.some((r) => Number(r.pid) === child.pid && r.key === "OSQ_TEST_MARKER" && r.value === marker)).toBe(true);
  });

  test("parser: stops at the end, keeps '=' in values, odd entries", () => {
    expect(parseEnviron("A=1\0B=x=y\0C=\0")).toEqual([["A", "1"], ["B", "x=y"], ["C", ""]]);
    expect(parseEnviron("NOEQ\0")).toEqual([["NOEQ", "NOEQ"]]);
    expect(parseEnviron("")).toEqual([]);
  });

  test("end to end: the marker for the child's pid", () => {
    const rows = query(`SELECT key, value FROM process_envs WHERE pid = ${child.pid} AND key = 'OSQ_TEST_MARKER'`);
    expect(rows).toEqual([{ key: "OSQ_TEST_MARKER", value: marker }]);
  });
});
