// curl against a Bun.serve HTTP server on 127.0.0.1 started by the test.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Server } from "bun";
import { generate } from "../../helpers.ts";
import curl, { curlRow } from "../../../tables/apps/curl.ts";
import { queryAsync } from "./e2e.ts";

let server: Server<unknown>;
let base: string;
const BODY = "héllo from osq\n".repeat(100);
const seenHeaders: Record<string, string>[] = [];

beforeAll(() => {
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req) {
      const url = new URL(req.url);
      if (url.pathname === "/x") return new Response(BODY, { headers: { "content-type": "text/plain; charset=utf-8" } });
      if (url.pathname === "/ua") return new Response(req.headers.get("user-agent") ?? "");
      if (url.pathname === "/headers") {
        seenHeaders.push(Object.fromEntries(req.headers));
        return new Response("");
      }
      if (url.pathname === "/redirect") return Response.redirect(`${base}/x`, 302);
      if (url.pathname === "/slow") return new Promise((r) => setTimeout(() => r(new Response("late")), 300));
      return new Response("nope", { status: 404 });
    },
  });
  base = `http://127.0.0.1:${server.port}`;
});
afterAll(() => server.stop(true));

describe("curl", () => {
  test("GET returns status, body, size and round trip time in microseconds", async () => {
    const row = await curlRow(`${base}/x`);
    expect(row.url).toBe(`${base}/x`);
    expect(row.method).toBe("GET");
    expect(row.user_agent).toBe("osquery");
    expect(row.response_code).toBe(200);
    expect(row.result).toBe(BODY);
    expect(row.bytes).toBe(Buffer.byteLength(BODY));
    expect(row.round_trip_time).toBeGreaterThan(0);
  });

  test("round trip time is in microseconds", async () => {
    const row = await curlRow(`${base}/slow`);
    expect(row.round_trip_time as number).toBeGreaterThanOrEqual(250_000);
    expect(row.round_trip_time as number).toBeLessThan(30_000_000);
  });

  test("follows redirects, reports non-200 codes", async () => {
    expect((await curlRow(`${base}/redirect`)).result).toBe(BODY);
    const missing = await curlRow(`${base}/missing`);
    expect(missing.response_code).toBe(404);
    expect(missing.result).toBe("nope");
  });

  test("user_agent constraint is sent; more than one gives no rows", async () => {
    const rows = await generate(curl, { url: [["=", `${base}/ua`]], user_agent: [["=", "osq-test/1"]] });
    expect(rows.map((r) => [r.user_agent, r.result])).toEqual([["osq-test/1", "osq-test/1"]]);
    expect(await generate(curl, { url: [["=", `${base}/ua`]], user_agent: [["=", "a"], ["=", "b"]] })).toEqual([]);
  });

  test("one row per url, failures keep the row without a response", async () => {
    const closed = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") });
    const deadUrl = `http://127.0.0.1:${closed.port}/`;
    closed.stop(true);
    const rows = await generate(curl, { url: [["=", `${base}/x`], ["=", deadUrl], ["=", "not a url"]] });
    expect(rows.length).toBe(3);
    const dead = rows.find((r) => r.url === deadUrl)!;
    expect(dead.method).toBe("GET");
    expect(dead.response_code).toBeUndefined();
    expect(dead.result).toBeUndefined();
  });
});

describe("curl user_agent through dist/osqueryi", () => {
  test("CR and LF are dropped from the user agent (no header injection), as osquery does", async () => {
    seenHeaders.length = 0;
    const rows = await queryAsync(`select user_agent from curl where url = '${base}/headers' and user_agent = 'evil\r\nX-Injected: 1'`);
    // The row carries the cleaned value, which SQLite's own check of the
    // constraint then filters out, as in osquery; the request still went out.
    expect(rows).toEqual([]);
    expect(seenHeaders.length).toBe(1);
    expect(seenHeaders[0]!["user-agent"]).toBe("evilX-Injected: 1");
    expect(seenHeaders[0]!["x-injected"]).toBeUndefined();
  });
});

describe("curl e2e", () => {
  test("select * from curl where url = ...", async () => {
    const rows = await queryAsync(`select * from curl where url = '${base}/x'`);
    expect(rows.length).toBe(1);
    const r = rows[0]!;
    expect([r.url, r.method, r.user_agent, r.response_code, r.bytes, r.result]).toEqual([
      `${base}/x`, "GET", "osquery", "200", String(Buffer.byteLength(BODY)), BODY,
    ]);
    expect(Number(r.round_trip_time)).toBeGreaterThan(0);
  });

  test("a query without url is refused", async () => {
    await expect(queryAsync("select * from curl")).rejects.toThrow();
  });
});
