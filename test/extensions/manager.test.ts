// The extension manager of the compiled osqueryd on a real Unix socket: every
// call of the ExtensionManager service, osquery's registration rules, many
// clients at once, a 100-table extension, and bytes that are not Thrift.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, statSync, writeFileSync } from "node:fs";
import { createConnection } from "node:net";
import { join } from "node:path";
import { connectExtensionClient, serveThrift, type ExtensionClient, type ExtensionHandlers, type ThriftServer } from "../../src/extensions/thrift.ts";
import { Writer, writeMessageBegin, writeStruct, MessageType } from "../../src/extensions/codec.ts";
import { MANAGER_METHODS, type StringMap } from "../../src/extensions/protocol.ts";
import { query } from "../helpers.ts";
import { startDaemon, type RunningDaemon } from "./daemon.ts";

let d: RunningDaemon;
let client: ExtensionClient;
const INFO = (name: string, sdk = "1.8.0") => ({ name, version: "0.1", sdk_version: sdk, min_sdk_version: "1.7.7" });

beforeAll(async () => {
  d = await startDaemon(["--extensions_interval=7"], {
    // A stale socket of an earlier run: removed when the manager starts.
    beforeStart: (dir) => writeFileSync(join(dir, "osquery.em.4242"), ""),
  });
  client = await connectExtensionClient(d.socket, { timeoutMs: 20_000 });
});

afterAll(async () => {
  client?.close();
  await d?.stop();
});

/** Serves a table extension on `<em>.<uuid>`: every generate call is recorded with its context. */
async function serveTables(uuid: number, rows: (table: string, ctx: unknown) => StringMap[], seen: unknown[] = []): Promise<ThriftServer> {
  const handlers: ExtensionHandlers = {
    ping: () => ({ code: 0, message: "pong", uuid }),
    call: (_registry, item, request) => {
      const ctx = JSON.parse(request["context"] ?? "null");
      seen.push({ item, request, ctx });
      return { status: { code: 0, message: "OK", uuid }, response: rows(item, ctx) };
    },
    shutdown: () => {},
  };
  return serveThrift(`${d.socket}.${uuid}`, handlers);
}

describe("the manager's socket", () => {
  test("is mode 0600, owned by the running user, and stale <socket>.* files are gone", () => {
    const st = statSync(d.socket);
    expect(st.isSocket()).toBe(true);
    expect(st.mode & 0o777).toBe(0o600);
    expect(st.uid).toBe(process.getuid!());
    expect(existsSync(`${d.socket}.4242`)).toBe(false);
  });
});

describe("round trips of every manager call", () => {
  test("ping answers pong as core (uuid 0)", async () => {
    expect(await client.ping()).toEqual({ code: 0, message: "pong", uuid: 0 });
  });

  test("query returns string rows; a bad query fails with SQLite's message", async () => {
    const r = await client.query("select 1 as one, 'x' as two, 2.5 as three, null as four");
    expect(r).toEqual({ status: { code: 0, message: "OK", uuid: 0 }, response: [{ one: "1", two: "x", three: "2.5", four: "" }] });
    const pid = await client.query(`select pid, name from processes where pid = ${d.proc.pid}`);
    expect(pid.response).toEqual([{ pid: String(d.proc.pid), name: "osqueryd" }]);
    const bad = await client.query("select * from no_such_table_here");
    expect(bad.status.code).toBe(1);
    expect(bad.status.message).toContain("no such table: no_such_table_here");
    expect(bad.response).toEqual([]);
  });

  test("getQueryColumns lists single-entry maps in select order", async () => {
    const r = await client.getQueryColumns("select pid, name, 1 as n, 'a' as t from processes limit 1");
    expect(r.status.code).toBe(0);
    expect(r.response).toEqual([{ pid: "BIGINT" }, { name: "TEXT" }, { n: "INTEGER" }, { t: "TEXT" }]);
  });

  test("options returns every flag with its value, default and type", async () => {
    const options = await client.options();
    expect(options["extensions_interval"]).toEqual({ value: "7", default_value: "3", type: "string" });
    expect(options["extensions_socket"]).toEqual({ value: d.socket, default_value: "/var/osquery/osquery.em", type: "string" });
    expect(options["verbose"]).toEqual({ value: "false", default_value: "false", type: "bool" });
    // Every flag the shell's osquery_flags table lists (a separate process and code path).
    const names = query("select name from osquery_flags").map((r) => r.name!);
    expect(names.length).toBeGreaterThan(100);
    for (const n of names) expect(Object.keys(options)).toContain(n);
  });

  test("registerExtension assigns a non-zero uint16 uuid; extensions lists it; deregisterExtension removes it", async () => {
    const s = await client.registerExtension(INFO("round_trip"), { table: {} });
    expect(s.code).toBe(0);
    expect(s.message).toBe("OK");
    expect(s.uuid).toBeGreaterThan(0);
    expect(s.uuid).toBeLessThanOrEqual(65535);
    const list = await client.extensions();
    expect(list.get(s.uuid)).toEqual(INFO("round_trip"));
    const rows = (await client.query(`select uuid, name, path, type from osquery_extensions order by uuid`)).response;
    expect(rows).toContainEqual({ uuid: "0", name: "core", path: d.socket, type: "core" });
    expect(rows).toContainEqual({ uuid: String(s.uuid), name: "round_trip", path: `${d.socket}.${s.uuid}`, type: "extension" });
    expect(await client.deregisterExtension(s.uuid)).toEqual({ code: 0, message: "OK", uuid: 0 });
    expect((await client.extensions()).has(s.uuid)).toBe(false);
    expect(await client.deregisterExtension(s.uuid)).toEqual({ code: 1, message: "No extension UUID found", uuid: 0 });
  });

  test("registration refuses a duplicate name, an old SDK, a plugin that exists and an unknown registry", async () => {
    const first = await client.registerExtension(INFO("dup"), {});
    expect(first.code).toBe(0);
    expect(await client.registerExtension(INFO("dup"), {})).toMatchObject({ code: 1, message: "Duplicate extension registered" });
    expect(await client.registerExtension(INFO("old", "1.7.6"), {})).toMatchObject({ code: 1, message: "Incompatible extension SDK version" });
    expect((await client.registerExtension(INFO("any", "0.0.0"), {})).code).toBe(0);
    const col = [{ id: "column", name: "a", type: "TEXT", op: "0" }];
    const taken = await client.registerExtension(INFO("shadow"), { table: { processes: col } });
    expect(taken).toMatchObject({ code: 1, message: "Failed adding registry: Registry item processes conflicts with another item of the same name." });
    expect((await client.registerExtension(INFO("cfg"), { config: { filesystem: [] } })).code).toBe(1);
    const own = await client.registerExtension(INFO("owner"), { table: { mine_t: col } });
    expect(own.code).toBe(0);
    expect((await client.registerExtension(INFO("thief"), { table: { mine_t: col } })).message).toContain("Registry item mine_t conflicts");
    expect(await client.registerExtension(INFO("weird"), { nonsense: {} })).toMatchObject({ code: 1, message: "Failed adding registry: Unknown registry: nonsense" });
    for (const uuid of [first.uuid, own.uuid]) await client.deregisterExtension(uuid);
  });

  test("ten extensions broadcasting one table name at once: exactly one gets it", async () => {
    const col = [{ id: "column", name: "a", type: "TEXT", op: "0" }];
    const clients = await Promise.all(Array.from({ length: 10 }, () => connectExtensionClient(d.socket, { timeoutMs: 20_000 })));
    try {
      const results = await Promise.all(clients.map((c, i) => c.registerExtension(INFO(`racer_${i}`), { table: { race_t: col } })));
      const won = results.filter((r) => r.code === 0);
      expect(won.length).toBe(1);
      expect(results.filter((r) => r.code === 1).every((r) => r.message.includes("Registry item race_t conflicts"))).toBe(true);
      await client.deregisterExtension(won[0]!.uuid);
    } finally {
      for (const c of clients) c.close();
    }
  });

  test("call reaches core's own table plugins", async () => {
    const cols = await client.call("table", "processes", { action: "columns" });
    expect(cols.status.code).toBe(0);
    // processes.pid is INDEX and OPTIMIZED in osquery's schema: 1 | 8.
    expect(cols.response[0]).toEqual({ id: "column", name: "pid", type: "BIGINT", op: "9" });
    const ctx = JSON.stringify({ constraints: [{ name: "pid", list: [{ op: 2, expr: String(d.proc.pid) }], affinity: "BIGINT" }] });
    const rows = await client.call("table", "processes", { action: "generate", context: ctx });
    expect(rows.response.map((r) => [r["pid"], r["name"]])).toEqual([[String(d.proc.pid), "osqueryd"]]);
    expect((await client.call("config", "nope", {})).status).toMatchObject({ code: 1, message: "Unknown registry plugin: nope" });
  });
});

describe("extension tables in the query path", () => {
  test("100 tables register, are listed with their owner and answer queries with osquery's context JSON", async () => {
    const tables: Record<string, StringMap[]> = {};
    for (let i = 0; i < 100; i++) {
      tables[`many_${i}`] = [
        { id: "column", name: "id", type: "INTEGER", op: "1" },
        { id: "column", name: "label", type: "TEXT", op: "0" },
        { id: "column", name: "big", type: "UNSIGNED BIGINT", op: "0" },
        { id: "column", name: "secret", type: "TEXT", op: "16" },
      ];
    }
    const s = await client.registerExtension(INFO("hundred"), { table: tables });
    expect(s.code).toBe(0);
    const seen: { item: string; ctx: { constraints: unknown[]; colsUsed: string[]; colsUsedBitset: number } }[] = [];
    const server = await serveTables(s.uuid, (table) => [1, 2, 3].map((n) => ({ id: String(n), label: `${table}#${n}`, big: "18446744073709551615", secret: "s" })), seen);
    try {
      const owned = await client.query(`select count(*) as n from osquery_registry where registry = 'table' and owner_uuid = ${s.uuid}`);
      expect(owned.response).toEqual([{ n: "100" }]);
      const r = await client.query("select id, label from many_42 where id = 2");
      expect(r.response).toEqual([{ id: "2", label: "many_42#2" }]);
      const last = seen[seen.length - 1]!;
      expect(last.item).toBe("many_42");
      expect(last.ctx).toEqual({
        constraints: [
          { name: "big", list: [], affinity: "UNSIGNED BIGINT" },
          { name: "id", list: [{ op: 2, expr: "2" }], affinity: "INTEGER" },
          { name: "label", list: [], affinity: "TEXT" },
          { name: "secret", list: [], affinity: "TEXT" },
        ],
        colsUsed: ["id", "label"],
        colsUsedBitset: 3,
      });
      // Hidden columns are left out of SELECT * and answered when named.
      const calls = seen.length;
      expect((await client.getQueryColumns("select * from many_7")).response).toEqual([{ id: "INTEGER" }, { label: "TEXT" }, { big: "UNSIGNED BIGINT" }]);
      // As osquery only prepares the statement: the extension is not asked for rows.
      expect(seen.length).toBe(calls);
      expect((await client.query("select secret from many_7 where id = 1")).response).toEqual([{ secret: "s" }]);
      // A join pushes the extension's values into a built-in table's index column.
      const j = await client.query(`select m.label, p.name from many_1 m join processes p on p.pid = m.id where m.id = 1`);
      expect(j.status.code).toBe(0);
      for (let i = 0; i < 100; i += 11) {
        expect((await client.query(`select count(*) as n from many_${i}`)).response).toEqual([{ n: "3" }]);
      }
    } finally {
      await server.close();
      await client.deregisterExtension(s.uuid);
    }
    // Deregistered: the tables vanish and a query on one fails cleanly.
    const gone = await client.query("select * from many_42");
    expect(gone.status).toMatchObject({ code: 1 });
    expect(gone.status.message).toContain("no such table: many_42");
    const left = await client.query(`select count(*) as n from osquery_registry where owner_uuid = ${s.uuid}`);
    expect(left.response).toEqual([{ n: "0" }]);
  });

  test("a table registered in mixed case is found in any case, and its name is then taken in any case", async () => {
    const col = [{ id: "column", name: "v", type: "TEXT", op: "0" }];
    const s = await client.registerExtension(INFO("mixed"), { table: { MixedCase_T: col } });
    expect(s.code).toBe(0);
    const server = await serveTables(s.uuid, () => [{ v: "found" }]);
    try {
      expect((await client.query("select v from mixedcase_t")).response).toEqual([{ v: "found" }]);
      expect((await client.query("select v from MIXEDCASE_T")).response).toEqual([{ v: "found" }]);
      expect((await client.registerExtension(INFO("mixed2"), { table: { mixedcase_t: col } })).code).toBe(1);
    } finally {
      await server.close();
      await client.deregisterExtension(s.uuid);
    }
  });

  test("a table whose route names no columns gets them from call(table, name, {action: columns}) when first queried", async () => {
    const s = await client.registerExtension(INFO("lazy"), { table: { lazy_t: [] } });
    expect(s.code).toBe(0);
    const seen: { item: string; request: StringMap }[] = [];
    const server = await serveThrift(`${d.socket}.${s.uuid}`, {
      ping: () => ({ code: 0, message: "pong", uuid: s.uuid }),
      call: (_registry, item, request) => {
        seen.push({ item, request });
        const response =
          request["action"] === "columns"
            ? [{ id: "column", name: "k", type: "INTEGER", op: "1" }, { id: "column", name: "v", type: "TEXT", op: "0" }]
            : [{ k: "1", v: "one" }];
        return { status: { code: 0, message: "OK", uuid: s.uuid }, response };
      },
      shutdown: () => {},
    });
    try {
      expect((await client.query("select k, v from lazy_t")).response).toEqual([{ k: "1", v: "one" }]);
      expect(seen.map((x) => x.request["action"])).toEqual(["columns", "generate"]);
      expect((await client.getQueryColumns("select * from lazy_t")).response).toEqual([{ k: "INTEGER" }, { v: "TEXT" }]);
    } finally {
      await server.close();
      await client.deregisterExtension(s.uuid);
    }
  });

  test("a table of an extension whose socket is gone fails the query cleanly", async () => {
    const s = await client.registerExtension(INFO("vanishing"), { table: { vanish_t: [{ id: "column", name: "a", type: "TEXT", op: "0" }] } });
    const r = await client.query("select * from vanish_t");
    expect(r.status.code).toBe(1);
    expect(r.status.message).toMatch(/^Error generating table vanish_t: /);
    await client.deregisterExtension(s.uuid);
  });
});

describe("many clients and bad clients", () => {
  test("50 clients at once each get their own answers", async () => {
    const clients = await Promise.all(Array.from({ length: 50 }, () => connectExtensionClient(d.socket, { timeoutMs: 30_000 })));
    try {
      const answers = await Promise.all(clients.map((c, i) => Promise.all([c.ping(), c.query(`select ${i} as i`)])));
      answers.forEach(([ping, q], i) => {
        expect(ping.message).toBe("pong");
        expect(q.response).toEqual([{ i: String(i) }]);
      });
    } finally {
      for (const c of clients) c.close();
    }
  });

  test("a client that connects and never writes blocks nobody", async () => {
    const silent = createConnection({ path: d.socket });
    await new Promise((r) => silent.once("connect", r));
    try {
      expect((await client.query("select 'still here' as s")).response).toEqual([{ s: "still here" }]);
      expect(silent.destroyed).toBe(false);
    } finally {
      silent.destroy();
    }
  });

  test("a client that disconnects mid-call costs only its own connection", async () => {
    const s = await client.registerExtension(INFO("slow"), { table: { slow_t: [{ id: "column", name: "a", type: "TEXT", op: "0" }] } });
    const server = await serveThrift(`${d.socket}.${s.uuid}`, {
      ping: () => ({ code: 0, message: "pong", uuid: s.uuid }),
      call: async () => {
        await Bun.sleep(500);
        return { status: { code: 0, message: "OK", uuid: s.uuid }, response: [{ a: "late" }] };
      },
      shutdown: () => {},
    });
    try {
      const quitter = await connectExtensionClient(d.socket, { timeoutMs: 5000 });
      const pending = quitter.query("select * from slow_t").catch((e: unknown) => e);
      await Bun.sleep(50);
      quitter.close();
      expect(await pending).toBeInstanceOf(Error);
      expect((await client.query("select * from slow_t")).response).toEqual([{ a: "late" }]);
    } finally {
      await server.close();
      await client.deregisterExtension(s.uuid);
    }
  });

  test("fuzz: 1,200 random, truncated and corrupted messages crash nothing; the daemon still answers select 1", async () => {
    let seed = 0x5eed;
    const rand = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const call = (name: keyof typeof MANAGER_METHODS, values: Record<string, unknown>) => {
      const w = new Writer();
      writeMessageBegin(w, name, MessageType.CALL, 1);
      writeStruct(w, MANAGER_METHODS[name].args, values);
      return Buffer.from(w.bytes());
    };
    const valid = [
      call("query", { sql: "select 1" }),
      call("registerExtension", { info: INFO("fuzzed"), registry: { table: { fz: [{ id: "column", name: "a", type: "TEXT", op: "0" }] } } }),
      call("getQueryColumns", { sql: "select 1" }),
      call("deregisterExtension", { uuid: 7 }),
      call("ping", {}),
    ];
    const messages: Buffer[] = [];
    for (let i = 0; i < 1200; i++) {
      const base = valid[rand(valid.length)]!;
      const kind = i % 6;
      if (kind === 0) {
        messages.push(Buffer.from(Array.from({ length: 1 + rand(300) }, () => rand(256))));
      } else if (kind === 1) {
        messages.push(base.subarray(0, rand(base.length)));
      } else if (kind === 2) {
        const b = Buffer.from(base);
        for (let k = 0; k < 1 + rand(4); k++) b[rand(b.length)] = rand(256);
        messages.push(b);
      } else if (kind === 3) {
        // A huge length where a string or container size goes.
        const b = Buffer.from(base);
        const at = 4 + rand(Math.max(1, b.length - 8));
        b.writeInt32BE([0x7fffffff, -1, 0x10000000][rand(3)]!, at);
        messages.push(b);
      } else if (kind === 4) {
        messages.push(Buffer.concat([base, Buffer.from(Array.from({ length: 1 + rand(64) }, () => rand(256)))]));
      } else {
        // A valid header, then a body of the wrong field types.
        messages.push(Buffer.concat([base.subarray(0, 12 + rand(8)), Buffer.from([15, 0, 1, 13, 8, 8, 0x7f, 0xff, 0xff, 0xff])]));
      }
    }
    const send = (bytes: Buffer) =>
      new Promise<void>((resolve) => {
        const s = createConnection({ path: d.socket });
        s.on("error", () => resolve());
        s.on("close", () => resolve());
        s.on("data", () => {});
        s.once("connect", () => {
          s.write(bytes);
          // Half the peers hang up at once, half wait for whatever comes back.
          if (rand(2) === 0) s.destroy();
          else setTimeout(() => s.destroy(), 100);
        });
      });
    for (let i = 0; i < messages.length; i += 60) await Promise.all(messages.slice(i, i + 60).map(send));
    expect(d.proc.exitCode).toBeNull();
    const fresh = await connectExtensionClient(d.socket, { timeoutMs: 10_000 });
    try {
      expect((await fresh.query("select 1")).response).toEqual([{ "1": "1" }]);
    } finally {
      fresh.close();
    }
    // Fuzzed registrations that parsed are real registrations; drop them.
    for (const [uuid, info] of await client.extensions()) if (info.name === "fuzzed") await client.deregisterExtension(uuid);
    expect(d.stderr()).not.toContain("    at ");
  }, 120_000);
});

describe("shutdown", () => {
  test("an extension's shutdown call stops osqueryd with exit 0", async () => {
    await client.shutdown();
    expect(await d.proc.exited).toBe(0);
  }, 30_000);
});
