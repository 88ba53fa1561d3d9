// The tables about osq itself, through the compiled binary.
import { expect, test } from "bun:test";
import { hostname } from "node:os";
import { query } from "../helpers.ts";

test("osquery_info describes this process", () => {
  const [row] = query("select pid, version, build_platform, platform_mask, watcher, extensions, start_time from osquery_info");
  expect(row!.version).toMatch(/^\d+\.\d+\.\d+$/);
  expect(row!.build_platform).toBe("linux");
  expect(row!.platform_mask).toBe("9");
  expect(row!.watcher).toBe("-1");
  expect(Math.abs(Number(row!.start_time) - Date.now() / 1000)).toBeLessThan(60);
  expect(Number(row!.pid)).toBeGreaterThan(1);
});

test("osquery_info.uuid equals system_info.uuid; hostname agrees with the OS", () => {
  const [row] = query("select i.uuid as a, s.uuid as b, s.hostname as h from osquery_info i, system_info s");
  expect(row!.a).toBe(row!.b!);
  expect(row!.h!.split(".")[0]).toBe(hostname().split(".")[0]!);
});

test("osquery_registry lists every table once, active", () => {
  const tables = query("select name from osquery_registry where registry = 'table' and active = 1").map((r) => r.name);
  const listed = query("select count(*) as n from osquery_registry where registry = 'table'")[0]!.n;
  expect(tables).toContain("processes");
  expect(tables).toContain("osquery_registry");
  expect(new Set(tables).size).toBe(Number(listed));
  const plugins = query("select name, active from osquery_registry where registry = 'config'");
  expect(plugins).toContainEqual({ active: "1", name: "filesystem" });
});

test("osquery_extensions lists core as uuid 0 on the configured socket", () => {
  expect(query("select uuid, name, path, type from osquery_extensions", ["--extensions_socket=/tmp/osq-test.em"])).toEqual([
    { name: "core", path: "/tmp/osq-test.em", type: "core", uuid: "0" },
  ]);
});
