// osquery's SQL extension functions, run through SQLite. Expected values come
// from sources other than the implementation: osquery's own documented and
// tested results, the Community ID spec's baseline vectors, node:crypto,
// Buffer's base64, libc's inet_pton (through Python), dpkg, rpm and pacman's
// test suite.
import { describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { createHash } from "node:crypto";
import { parseIPv6, registerFunctions } from "../../src/sql/functions.ts";
import {
  compareArchVersion,
  compareDpkgVersion,
  compareRhelVersion,
  compareVersion,
  osqueryVersionCompare,
} from "../../src/sql/versions.ts";
import { osq, query } from "../helpers.ts";
import { tool } from "../tools.ts";

// The engine opens its per-query databases with safeIntegers; test that way,
// and once without, since the functions must not depend on it.
const db = new Database(":memory:", { safeIntegers: true });
registerFunctions(db);
const plainDb = new Database(":memory:");
registerFunctions(plainDb);

type Value = string | number | bigint | Uint8Array | null;

/** The single value of a one-column query. */
function one(sql: string, ...params: Value[]): Value {
  const row = db.query(sql).get(...params) as Record<string, Value> | null;
  if (!row) throw new Error("no row");
  return Object.values(row)[0] ?? null;
}

/** The error message a query fails with, or null. */
function failure(sql: string): string | null {
  try {
    db.query(sql).get();
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/** The reverse order: what comparing b with a must give when a vs b gave n. */
const flip = (n: number): -1 | 0 | 1 => (n > 0 ? -1 : n < 0 ? 1 : 0);

const sign = (n: number): -1 | 0 | 1 => (n < 0 ? -1 : n > 0 ? 1 : 0);

const quote = (s: string): string => `'${s.replaceAll("'", "''")}'`;

describe("split", () => {
  test("osquery's documented and tested results", () => {
    expect(one("select split('a,b,c', ',', 1)")).toBe("b");
    expect(one("select split('192.168.0.1', '.', 1)")).toBe("168");
    expect(one("select split('192.168.0.1', '.0', 0)")).toBe("192"); // every character is a delimiter
    expect(one("select split('/foo/bar', '/', 0)")).toBe("foo"); // empty pieces are dropped
    expect(one("select split('/foo/bar', '/', 1)")).toBe("bar");
    expect(one("select split('/foo/bar', '/', 2)")).toBeNull();
    expect(one("select split('foo;;bar', ';;', 1)")).toBe("bar");
    expect(one("select split(1001, 1, 0)")).toBe("00"); // numbers are split as their text
    expect(one("select split(500, 1, 0)")).toBe("500");
  });

  test("pieces are trimmed, an index past the end or negative is NULL", () => {
    expect(one("select split('a , b ,c', ',', 1)")).toBe("b");
    expect(one("select split('a, ,c', ',', 1)")).toBe(""); // blank piece survives, trimmed to empty
    expect(one("select split('a,b', ',', -1)")).toBeNull();
    expect(one("select split('a,b', ',', '1')")).toBe("b"); // the index is read as an integer
    expect(one("select split('a,b', ',', 1.9)")).toBe("b");
    expect(one("select split(1.5, '.', 1)")).toBe("5"); // a REAL is split as SQLite renders it
  });

  test("NULL arguments give NULL, an empty token fails the query", () => {
    expect(one("select split(NULL, ',', 0)")).toBeNull();
    expect(one("select split('a', NULL, 0)")).toBeNull();
    expect(one("select split('a', ',', NULL)")).toBeNull();
    expect(failure("select split('foo;;bar', '', 0)")).toBe("Invalid input to split function");
    expect(failure("select split('a', ',')")).toContain("wrong number of arguments");
  });
});

describe("regex_split", () => {
  test("osquery's tested results", () => {
    const at = (input: string, re: string, i: number): Value =>
      one(`select regex_split(${quote(input)}, ${quote(re)}, ${i})`);
    expect([0, 1, 2, 3].map((i) => at("/foo/bar", "/", i))).toEqual(["", "foo", "bar", null]);
    expect([0, 1, 2].map((i) => at("foo;;bar", ";;", i))).toEqual(["foo", "bar", null]);
    expect([0, 1, 2, 3].map((i) => at("foo;bar//qux", "(;|/)+", i))).toEqual(["foo", "bar", "qux", null]);
    expect(at("/filesystem/path/download.extension.zip", "(.*/)|(.extension.zip)", 1)).toBe("download");
    expect(at("192.168.0.1", "\\.", 1)).toBe("168");
    expect(at("192.168.0.1", "\\.0", 0)).toBe("192.168");
    // '|' matches the empty string everywhere: the first piece is empty.
    expect(at("foo/bar", "|", 0)).toBe("");
    expect(at("foo/bar", "|", 1)).toBe("f");
  });

  test("a trailing empty piece is dropped, a leading one kept, no match gives the input", () => {
    expect(one("select regex_split('a,b,', ',', 2)")).toBeNull();
    expect(one("select regex_split(',a', ',', 0)")).toBe("");
    expect(one("select regex_split('abc', 'x', 0)")).toBe("abc");
    expect(one("select regex_split('', 'x', 0)")).toBe("");
  });

  test("invalid, empty and oversized patterns fail the query", () => {
    expect(failure("select regex_split('foo/bar', '', 0)")).toBe("Invalid input to split function");
    expect(failure("select regex_split('foo/bar', '(/', 0)")).toBe("Invalid regex");
    expect(failure("select regex_split('foo/bar', '+', 0)")).toBe("Invalid regex");
    expect(failure(`select regex_split('foo/bar', '${"|".repeat(257)}', 0)`)).toBe("Invalid regex");
    expect(failure(`select regex_split('foo/bar', '${"|".repeat(256)}', 0)`)).toBeNull();
    expect(one("select regex_split(NULL, ',', 0)")).toBeNull();
  });
});

describe("regex_match", () => {
  test("osquery's documented and tested results", () => {
    const at = (input: string, re: string, i: number): Value =>
      one(`select regex_match(${quote(input)}, ${quote(re)}, ${i})`);
    expect([0, 1, 2, 3].map((i) => at("hello world", "(l)(o).*", i))).toEqual(["lo world", "l", "o", null]);
    expect([0, 1, 2, 3].map((i) => at("hello world", "(\\w+) .*(or|ld)", i))).toEqual([
      "hello world",
      "hello",
      "ld",
      null,
    ]);
    expect(at("hello world. Goodbye", "(\\w+) \\w+", 0)).toBe("hello world");
    expect(at("hello world. Goodbye", "(\\w+) \\w+", 1)).toBe("hello");
    expect(at("/filesystem/path/download.extension.zip", ".+/([^./]+)", 1)).toBe("download");
    expect(at("hello world", "", 0)).toBe("");
    expect(at("foo/bar", "|", 0)).toBe("");
    expect(at("hello world", "no match", 0)).toBeNull();
  });

  test("a group that did not take part is empty; errors are osquery's", () => {
    expect(one("select regex_match('ac', 'a(b)?c', 1)")).toBe("");
    expect(one("select regex_match('ac', 'a(b)?c', -1)")).toBeNull();
    expect(failure("select regex_match('foo/bar', '(/', 0)")).toBe("Invalid regex");
    expect(failure(`select regex_match('foo/bar', '${"|".repeat(300)}', 0)`)).toBe(
      "Invalid regex: too big, max size is 256 bytes",
    );
    expect(one("select regex_match('a', NULL, 0)")).toBeNull();
  });
});

describe("concat and concat_ws", () => {
  test("concat: osquery's tested results", () => {
    expect(one("select concat()")).toBeNull();
    expect(one("select concat('hello')")).toBe("hello");
    expect(one("select concat('hello', 'world')")).toBe("helloworld");
    expect(one("select concat('hello', NULL, ' ', 'world')")).toBe("hello world");
    expect(one("select concat(1, 2, 3, 'go')")).toBe("123go");
    expect(one("select concat('')")).toBe("");
    expect(one("select concat(NULL, NULL)")).toBe("");
  });

  test("concat_ws: osquery's tested results, including its trailing separator", () => {
    expect(one("select concat_ws('')")).toBeNull();
    expect(one("select concat_ws(NULL)")).toBeNull();
    expect(one("select concat_ws(', ', 'hello', 'world', 1, 2, 3)")).toBe("hello, world, 1, 2, 3");
    expect(one("select concat_ws('', 'hello', 'world', 1, 2, 3)")).toBe("helloworld123");
    expect(one("select concat_ws(NULL, 'hello', 'world', 1, 2, 3)")).toBe("helloworld123");
    expect(one("select concat_ws(' ', 'hello', NULL, 'world')")).toBe("hello world");
    expect(one("select concat_ws('x', 'hello')")).toBe("hello");
    expect(one("select concat_ws('x', '', '')")).toBe("x");
    // The separator goes after every non-NULL value but the last argument.
    expect(one("select concat_ws(',', 'a', NULL)")).toBe("a,");
    expect(failure("select concat_ws()")).toBe("Missing separator to concat_ws");
  });
});

describe("network functions", () => {
  /** libc's inet_pton through Python, as the independent parser. */
  function pton(family: "AF_INET" | "AF_INET6", addrs: string[]): (string | null)[] {
    const script = [
      "import socket, sys, json",
      "out = []",
      "for a in json.loads(sys.argv[1]):",
      "    try: out.append(socket.inet_pton(socket." + family + ", a).hex())",
      "    except OSError: out.append(None)",
      "print(json.dumps(out))",
    ].join("\n");
    const r = Bun.spawnSync(["python3", "-c", script, JSON.stringify(addrs)]);
    return JSON.parse(r.stdout.toString()) as (string | null)[];
  }

  test("inet_aton agrees with libc's inet_pton", () => {
    tool("python3", "python3");
    const inputs = [
      "1.0.1.5", "0.0.0.0", "255.255.255.255", "10.0.0.1", "192.168.001.1", "256.1.1.1", "1.2.3",
      "1.2.3.4.5", "1.2.3.4 ", " 1.2.3.4", "a.b.c.d", "", "01.2.3.4", "1..2.3", "127.0.0.1",
    ];
    const expected = pton("AF_INET", inputs).map((hex) => (hex === null ? null : BigInt(`0x${hex}`)));
    expect(inputs.map((ip) => one("select inet_aton(?)", ip))).toEqual(expected);
    expect(one("select inet_aton('1.0.1.5')")).toBe(16777477n); // osquery's documented example
    expect(one("select inet_aton('::1')")).toBeNull();
    expect(one("select inet_aton(NULL)")).toBeNull();
  });

  test("IPv6 parsing agrees with libc's inet_pton", () => {
    tool("python3", "python3");
    const inputs = [
      "::", "::1", "1::", "2001:db8::1", "2001:0db8:0000:0000:0000:ff00:0042:8329", "::ffff:10.0.0.1",
      "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:8::", ":1::2", "1:::2", "1::2::3", "12345::",
      "::1.2.3.4", "1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:7:1.2.3.4", "fe80::1:2:3:4:5:6", "g::1", "1:",
    ];
    const expected = pton("AF_INET6", inputs);
    const hex = (b: Uint8Array | null): string | null => (b ? Buffer.from(b).toString("hex") : null);
    expect(inputs.map((ip) => hex(parseIPv6(ip)))).toEqual(expected);
    // The same parse decides what community_id_v1 accepts.
    expect(inputs.map((ip) => one("select community_id_v1(?, '::', 1, 2, 6) is not null", ip))).toEqual(
      expected.map((h) => (h === null ? 0n : 1n)),
    );
  });

  test("in_cidr_block: osquery's documented and tested results", () => {
    expect(one("select in_cidr_block('10.0.0.0/26', '10.0.0.24')")).toBe(1n);
    expect(one("select in_cidr_block('198.51.100.14/24', '198.51.100.14')")).toBe(1n);
    expect(
      one("select in_cidr_block('2a00:a040:019e:f12a:0000:0000:0000:0000/64', '2a00:a040:19e:f12a:658b:3589:b2ba:71a3')"),
    ).toBe(1n);
    expect(one("select in_cidr_block('2001:db8::/48', '2001:db8:0:ffff:ffff:ffff:ffff:ffff')")).toBe(1n);
    expect(one("select in_cidr_block('10.0.0.0/26', '10.0.0.64')")).toBe(0n);
  });

  test("in_cidr_block agrees with Python's ipaddress on boost's host ranges", () => {
    tool("python3", "python3");
    const cases: [string, string][] = [
      ["10.0.0.0/24", "10.0.0.0"], ["10.0.0.0/24", "10.0.0.1"], ["10.0.0.0/24", "10.0.0.254"],
      ["10.0.0.0/24", "10.0.0.255"], ["10.0.0.0/24", "10.0.1.0"], ["10.0.0.7/32", "10.0.0.7"],
      ["10.0.0.7/32", "10.0.0.8"], ["172.16.0.0/12", "172.31.255.1"], ["172.16.0.0/12", "172.32.0.1"],
      ["0.0.0.0/0", "8.8.8.8"], ["192.168.1.77/16", "192.168.200.3"],
      ["2001:db8::/32", "2001:db8::"], ["2001:db8::/32", "2001:db8:ffff::1"], ["2001:db8::/32", "2001:db9::"],
      ["fe80::/10", "fe80::1"], ["fe80::/10", "fec0::1"], ["::1/128", "::1"], ["::1/128", "::2"],
    ];
    // boost's hosts(): IPv4 leaves out the network and broadcast addresses unless /32; IPv6 keeps all.
    const script = [
      "import ipaddress, sys, json",
      "out = []",
      "for net, ip in json.loads(sys.argv[1]):",
      "    n = ipaddress.ip_network(net, strict=False); a = ipaddress.ip_address(ip)",
      "    inside = a in n",
      "    if n.version == 4 and n.prefixlen < 32: inside = inside and a not in (n.network_address, n.broadcast_address)",
      "    out.append(1 if inside else 0)",
      "print(json.dumps(out))",
    ].join("\n");
    const r = Bun.spawnSync(["python3", "-c", script, JSON.stringify(cases)]);
    const expected = (JSON.parse(r.stdout.toString()) as number[]).map(BigInt);
    expect(cases.map(([net, ip]) => one("select in_cidr_block(?, ?)", net, ip))).toEqual(expected);
  });

  test("in_cidr_block: boost's edge cases and osquery's errors", () => {
    expect(one("select in_cidr_block('10.0.0.0/31', '10.0.0.1')")).toBe(0n); // a /31 has no hosts
    expect(one("select in_cidr_block('::/0', '::1')")).toBe(0n); // the range end wraps to ::
    expect(failure("select in_cidr_block(NULL, '10.0.0.1')")).toBe("CIDR must be a string");
    expect(failure("select in_cidr_block('10.0.0.0/8', 167772161)")).toBe("IP address must be a string");
    expect(failure("select in_cidr_block('10.0.0.0/8', 'nope')")).toBe("IP address cannot be parsed");
    expect(failure("select in_cidr_block('10.0.0.0/33', '10.0.0.1')")).toBe("CIDR for IP address v4 cannot be parsed");
    expect(failure("select in_cidr_block('10.0.0.0', '10.0.0.1')")).toBe("CIDR for IP address v4 cannot be parsed");
    expect(failure("select in_cidr_block('10.0.0.0/8', '::1')")).toBe("CIDR for IP address v6 cannot be parsed");
  });

  // corelight/community-id-spec baseline/baseline_deflt.json and baseline_seed1.json
  // (every flow with ports; osquery takes ICMP type/code as the ports given).
  const SPEC: [number, string, string, number, number, string, string][] = [
    [58, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 135, 136, "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=", "1:kHa1FhMYIT6Ym2Vm2AOtoOARDzY="],
    [58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 136, 135, "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=", "1:kHa1FhMYIT6Ym2Vm2AOtoOARDzY="],
    [58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 135, 136, "1:zavyT/cezQr1fmImYCwYnMXbgck=", "1:2hSqmsDZ2kdcY9kbiUzOEBic0iM="],
    [58, "3ffe:501:1800:2345::2", "3ffe:507:0:1:200:86ff:fe05:80da", 3, 0, "1:2ObVBgIn28oZvibYZhZMBgh7WdQ=", "1:lVEtCZpYu84Xqaa++3lXFyuu2n4="],
    [58, "3ffe:501:410:0:2c0:dfff:fe47:33e", "3ffe:507:0:1:200:86ff:fe05:80da", 1, 4, "1:hLZd0XGWojozrvxqE0dWB1iM6R0=", "1:W8MHwXpWzpoSTD+cGcaJr4u0ys8="],
    [58, "3ffe:507:0:1:200:86ff:fe05:80da", "3ffe:501:0:1001::2", 128, 129, "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=", "1:GfZxjAkDk2MkegpBYHV6tadtFXQ="],
    [58, "fe80::200:86ff:fe05:80da", "ff02::2", 133, 134, "1:hO+sN4H+MG5MY/8hIrXPqc4ZQz0=", "1:L7Ka0ZMYu+J3bL4ulW2PrqyXNo8="],
    [58, "fe80::260:97ff:fe07:69ea", "ff02::1", 134, 133, "1:pkvHqCL88/tg1k4cPigmZXUtL00=", "1:K/ee5UCqAMAQXDorP5nSa2CGLjc="],
    [1, "192.168.0.89", "192.168.0.1", 8, 0, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=", "1:03g6IloqVBdcZlPyX8r0hgoE7kA="],
    [1, "192.168.0.1", "192.168.0.89", 0, 8, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=", "1:03g6IloqVBdcZlPyX8r0hgoE7kA="],
    [1, "10.0.0.1", "10.0.0.2", 11, 0, "1:YHxtAirCG//0OzkcVAukqKQN9xM=", "1:XjUibYHaafLQ3pxQeiMI8g25q20="],
    [6, "2001:470:e5bf:dead:4957:2174:e82c:4887", "2607:f8b0:400c:c03::1a", 63943, 25, "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=", "1:eJYTW6AOzFLlSUoESovMjnu7rMw="],
    [6, "2607:f8b0:400c:c03::1a", "2001:470:e5bf:dead:4957:2174:e82c:4887", 25, 63943, "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=", "1:eJYTW6AOzFLlSUoESovMjnu7rMw="],
    [132, "192.168.170.8", "192.168.170.56", 7, 7, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=", "1:5w3ZRjeKBzqT3zsaEECDGjUbYeg="],
    [132, "192.168.170.56", "192.168.170.8", 7, 7, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=", "1:5w3ZRjeKBzqT3zsaEECDGjUbYeg="],
    [6, "128.232.110.120", "66.35.250.204", 34855, 80, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=", "1:3V71V58M3Ksw/yuFALMcW0LAHvc="],
    [6, "66.35.250.204", "128.232.110.120", 80, 34855, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=", "1:3V71V58M3Ksw/yuFALMcW0LAHvc="],
    [17, "192.168.1.52", "8.8.8.8", 54585, 53, "1:d/FP5EW3wiY1vCndhwleRRKHowQ=", "1:Q9We8WO3piVF8yEQBNJF4uiSVrI="],
    [17, "8.8.8.8", "192.168.1.52", 53, 54585, "1:d/FP5EW3wiY1vCndhwleRRKHowQ=", "1:Q9We8WO3piVF8yEQBNJF4uiSVrI="],
  ];

  test("community_id_v1 matches the spec's baseline vectors, seed 0 and 1", () => {
    const sql = "select community_id_v1(?, ?, ?, ?, ?)";
    const seeded = "select community_id_v1(?, ?, ?, ?, ?, ?)";
    for (const [proto, s, d, sp, dp, deflt, seed1] of SPEC) {
      const args = [s, d, BigInt(sp), BigInt(dp), BigInt(proto)] as const;
      expect(one(sql, ...args)).toBe(deflt);
      expect(one(seeded, ...args, 0n)).toBe(deflt);
      expect(one(seeded, ...args, 1n)).toBe(seed1);
    }
  });

  test("community_id_v1: osquery's documented and tested results", () => {
    expect(one("select community_id_v1('66.35.250.204', '2001:0:3238:DFE1:63::FEFB', 80, 2347, 6)")).toBe(
      "1:rxU6O+b2d9kbSWjRmVDoBbowx6g=",
    );
    expect(one("select community_id_v1('66.35.250.204', '2001:0:3238:DFE1:63::FEFB', 80, 2347, 6, 37)")).toBe(
      "1:jmJ2ORP31di4mtsQPIKzyoEb3yo=",
    );
    expect(one("select community_id_v1('127.0.0.1', 'fe80::14b0:de4a:f8e8:522f', 64, 10, 6)")).toBe(
      "1:Jww+Ua4pSUNl9TvSUwvSHL4n93w=",
    );
    expect(one("select community_id_v1('192.168.170.8', '192.168.170.56', 7, 80, 132, 0)")).toBe(
      "1:jQgCxbku+pNGw8WPbEc/TS/uTpQ=",
    );
    expect(one("select community_id_v1('192.168.170.56', '192.168.170.8', 80, 7, 132, 1)")).toBe(
      "1:Y1/0jQg6e+I3ZwZZ9LP65DNbTXU=",
    );
  });

  test("community_id_v1 gives NULL for bad input; the _strict form fails the query", () => {
    expect(one("select community_id_v1('10.1.12.1', '10.1.12.2', NULL, NULL, 46)")).toBeNull();
    expect(one("select community_id_v1('192.168.1.52', 'foo', 10, 53, 17, 0)")).toBeNull();
    expect(one("select community_id_v1('192.168.1.52', '192.168.1.1', 10, 53, 17, 100000000)")).toBeNull();
    expect(one("select community_id_v1('192.168.1.52', '192.168.1.1', '10', 53, 17)")).toBeNull();
    const strict = (args: string): string | null => failure(`select community_id_v1_strict(${args})`);
    expect(strict("'192.168.1.52', 'foo', 10, 53, 17, 0")).toBe("Community ID daddr cannot be parsed as IP");
    expect(strict("'192.168.1.52', '192.168.1.1', 10, 53, 17, 100000000")).toBe("Community ID seed must fit in 2 bytes");
    expect(strict("'192.168.1.52', '192.168.1.1', 10, 53, 17, '1'")).toBe("Community ID seed must be an integer");
    expect(strict("1, '192.168.1.1', 10, 53, 17")).toBe("Community ID IPs must be strings");
    expect(strict("'192.168.1.52', '192.168.1.1', 10, 70000, 17")).toBe("Community ID ports must fit in 2 bytes");
    expect(strict("'192.168.1.52', '192.168.1.1', 10, 53, 256")).toBe("Community ID protocol must fit in 1 byte");
    expect(strict("'192.168.1.52', '192.168.1.1', 10, 53, 6.0")).toBe("Community ID protocol must be an integer");
    expect(failure("select community_id_v1('a', 'b', 1, 2)")).toContain("wrong number of arguments");
  });
});

describe("hashing and encoding", () => {
  const samples = ["test", "", "Guest", "System", "悪因悪果", "a\tb\nc", "x".repeat(1000)];

  test("md5/sha1/sha256 of text agree with node:crypto", () => {
    for (const algorithm of ["md5", "sha1", "sha256"] as const) {
      for (const s of samples) {
        expect(one(`select ${algorithm}(?)`, s)).toBe(createHash(algorithm).update(s, "utf8").digest("hex"));
      }
      expect(one(`select ${algorithm}(NULL)`)).toBeNull();
      // Numbers are hashed as SQLite's text of them.
      expect(one(`select ${algorithm}(123)`)).toBe(createHash(algorithm).update("123").digest("hex"));
      expect(one(`select ${algorithm}(1.5)`)).toBe(createHash(algorithm).update("1.5").digest("hex"));
    }
    // osquery's documented examples.
    expect(one("select md5('test')")).toBe("098f6bcd4621d373cade4e832627b4f6");
    expect(one("select sha1('Guest')")).toBe("face83ee3014bdc8f98203cc94e2e89222452e90");
  });

  test("hashing stops at a NUL byte, like osquery's C string", () => {
    expect(one("select sha256(x'61006263')")).toBe(createHash("sha256").update("a").digest("hex"));
  });

  test("to_base64/from_base64 agree with Buffer", () => {
    for (const s of samples) {
      const b64 = Buffer.from(s, "utf8").toString("base64");
      expect(one("select to_base64(?)", s)).toBe(b64);
      expect(one("select from_base64(?)", b64)).toBe(s);
    }
    expect(one("select to_base64('CPU0')")).toBe("Q1BVMA==");
    expect(one("select from_base64('dGVzdA==')")).toBe("test");
    expect(one("select from_base64(to_base64(x'00ff10'))")).toEqual(new Uint8Array([0, 0xff, 0x10]));
    expect(one("select to_base64(NULL)")).toBeNull();
  });

  test("from_base64: osquery's leniencies and its empty result for bad input", () => {
    expect(one("select from_base64('dGVz\ndA')")).toBe("test"); // line breaks and missing padding are fine
    expect(one("select from_base64('dGVzdA=====')")).toBe("test");
    expect(one("select from_base64('dGVz dA==')")).toBe(""); // a blank is not base64
    expect(one("select from_base64('!!!!')")).toBe("");
    expect(one("select from_base64('')")).toBe("");
  });

  test("conditional_to_base64 encodes only text with bytes outside printable ASCII", () => {
    expect(one("select conditional_to_base64('test')")).toBe("test");
    expect(one("select conditional_to_base64('悪因悪果')")).toBe("5oKq5Zug5oKq5p6c");
    expect(one("select conditional_to_base64('a' || char(9))")).toBe(Buffer.from("a\t").toString("base64"));
    expect(one("select conditional_to_base64(NULL)")).toBeNull();
  });
});

describe("math", () => {
  test("log is osquery's natural logarithm; ceil/floor give INTEGERs; cot exists", () => {
    expect(one("select log(100)")).toBe(Math.log(100));
    expect(one("select log(107372805120)")).toBeCloseTo(25.3995727757846, 12); // osquery's documented value
    expect(one("select ceil(1.2)")).toBe(2n);
    expect(one("select typeof(ceil(1.2))")).toBe("integer");
    expect(one("select floor(-1.2)")).toBe(-2n);
    expect(one("select ceil(7)")).toBe(7n);
    expect(one("select floor('2.7')")).toBe(2n);
    expect(one("select cot(30)")).toBeCloseTo(-0.156119952161659, 14);
    expect(one("select log(NULL)")).toBeNull();
    expect(failure("select log(0)")).toBe("Numerical result out of range");
    expect(failure("select log(-1)")).toBe("Numerical argument out of domain");
  });

  test("osquery's other math functions are SQLite's, with osquery's documented results", () => {
    const close: [string, number][] = [
      ["sqrt(107372805120)", 327677.898430761],
      ["log10(107372805120)", 11.0308942992233],
      ["sin(30)", -0.988031624092862],
      ["cos(30)", 0.154251449887584],
      ["tan(30)", -6.40533119664628],
      ["asin(.5)", 0.523598775598299],
      ["acos(.5)", 1.0471975511966],
      ["atan(.5)", 0.463647609000806],
      ["radians(60)", 1.0471975511966],
      ["degrees(1.3)", 74.484513367007],
      ["pi()", Math.PI],
      ["exp(1)", Math.E],
      ["power(2, 10)", 1024],
    ];
    for (const [expr, value] of close) expect(one(`select ${expr}`) as number).toBeCloseTo(value, 9);
    expect(one("select typeof(sqrt(4))")).toBe("real"); // osquery returns doubles: 2.0, not 2
  });
});

describe("version_compare (osquery's heuristic)", () => {
  // osquery's tests (osquery/sql/tests/sql_tests.cpp) for version_compare and
  // the VERSION* collations; a collation `a < b` is version_compare(a, b) = -1.
  const CASES: [string, string, "" | "ARCH" | "DPKG" | "RHEL", -1 | 0 | 1][] = [
    ["1.0", "1.0", "", 0],
    ["1:2.0-10", "1:2.0-10", "DPKG", 0],
    ["4:1.1.0", "4:1.1.0-3", "ARCH", 0],
    ["50.4.1b", "50.4.1c", "", -1],
    ["1.0.8-4", "1.0.8-6", "ARCH", -1],
    ["1.0.0~rc2^2021", "1.0.0", "RHEL", -1],
    ["1.1.0~BETA2^1", "1.1.0~CR1", "RHEL", -1],
    ["1.0.1.1", "1.0.1^2021", "RHEL", 1],
    ["1.9.9-1ubuntu2.4", "1.9.9-1ubuntu2.3", "DPKG", 1],
    ["1:1.2.13-2", "4.2.1", "ARCH", 1],
    ["106.32.1", "106:32.1", "", 0],
    ["1:0.0", "1.0.0", "", 0],
    ["2.50^1a", "2.50~1a", "", 0],
    ["1.0", "1.1", "", -1],
    ["1.1", "1.a", "", -1],
    ["1.0.0", "1.0.0-2", "", -1],
    ["1.0.0-2", "1:0.0.3", "", -1],
    ["1.12.1", "1.13", "", -1],
    ["190.10a", "20.10a", "", 1],
    ["20.10a", "20.102", "", 1],
    ["57:4", "6.87.5", "", 1],
    ["98.100.21-1b", "98.100.21-1a", "", 1],
    ["8.11", "8.10.24", "", 1],
    ["1.0", "1.0-4", "ARCH", 0],
    ["4:2", "4:2-1", "ARCH", 0],
    ["1.6.1-9", "1.6.1-10", "ARCH", -1],
    ["20220713-1", "20221123-1", "ARCH", -1],
    ["2-2pre", "2-2rc", "ARCH", -1],
    ["2.38-6", "2.39-4", "ARCH", -1],
    ["41.1-2", "43alpha+r8+g1de47dbc-1", "ARCH", -1],
    ["1:42.3.1-1", "1:43.2-1", "ARCH", -1],
    ["42.3-1", "43.2-1", "ARCH", -1],
    ["3.46.7-1", "3.44.1-1", "ARCH", 1],
    ["6.0.12.arch1-1", "5.18.14.arch1-1", "ARCH", 1],
    ["3:0.164.r3095.baee400-4", "3:0.164.r3081.19856cc-2", "ARCH", 1],
    ["0.23.90-1", "0.23.1-9", "ARCH", 1],
    ["1.0-0", "1.0-0", "DPKG", 0],
    ["22.07.5-2ubuntu1.3", "22.07.5-2ubuntu1.4", "DPKG", -1],
    ["12ubuntu4.2", "12ubuntu4.3", "DPKG", -1],
    ["2.5.13+dfsg-0ubuntu0.22.04.1", "2.5.14+dfsg-0ubuntu0.22.04.2", "DPKG", -1],
    ["1.21.1ubuntu2.2", "1.21.1ubuntu2.1", "DPKG", 1],
    ["3.0.2-0ubuntu1.10", "3.0.2-0ubuntu1.8", "DPKG", 1],
    ["2:8.2.3995-1ubuntu2.9", "2:8.2.3995-1ubuntu2.3", "DPKG", 1],
    ["0.5.0~rc1^202", "0.5.0~rc1^202", "RHEL", 0],
    ["1:1.0.0~rc2", "1:1.0.0~rc2", "RHEL", 0],
    ["1.0.1", "1.0.1^2021", "RHEL", -1],
    ["1.0.1^2021", "1.0.1.security1", "RHEL", -1],
    ["1.0.1", "pkg-1.0.1.security1", "RHEL", -1],
    ["1.1.0~BETA2", "1.1.0~CR1", "RHEL", -1],
    ["1.1.0.2021.SP1", "1.1.0.2021.SP1_CP1", "RHEL", -1],
    ["9.11.4-26.P2.el7_9.10", "32:9.11.4-26.P2.el7_9.13", "RHEL", -1],
    ["1:1.8.0.352.b08-2.el7_9", "1:1.8.0.372.b07-1.el7_9", "RHEL", -1],
    ["5.6.0-1.linux", "5.9.1-1.linux", "RHEL", -1],
    ["1.0.0~rc2", "1.0.0~rc1", "RHEL", 1],
    ["1.0.0", "1.0.0~rc2", "RHEL", 1],
    ["1.1.0~CR1", "1.1.0~BETA", "RHEL", 1],
    ["1.0.0~rc2^20210101gf00fabd", "1.0.0~rc2", "RHEL", 1],
    ["1.0.1^20210203gbbbccc0", "1.0.1", "RHEL", 1],
  ];

  test("osquery's tested results, through SQL and the pure function", () => {
    for (const [a, b, flavor, expected] of CASES) {
      const sql = flavor ? `select version_compare(?, ?, '${flavor.toLowerCase()}')` : "select version_compare(?, ?)";
      expect([a, b, flavor, one(sql, a, b)]).toEqual([a, b, flavor, BigInt(expected)]);
      expect(osqueryVersionCompare(a, b, flavor || "VERSION")).toBe(expected);
    }
    expect(compareVersion("50.4.1b", "50.4.1c")).toBe(-1);
  });

  test("osquery's errors", () => {
    expect(failure("select version_compare('1.0')")).toBe("Must provide two version strings to compare.");
    expect(failure("select version_compare(1, '1.0')")).toBe("Must provide two version strings to compare.");
    expect(failure("select version_compare(NULL, '1.0')")).toBe("Must provide two version strings to compare.");
    expect(failure("select version_compare('1', '2', 3)")).toBe("The optional third parameter is not a string.");
    expect(failure("select version_compare('1', '2', 'version_dpkg')")).toBe(
      "The optional third parameter does not match one of: (ARCH, DPKG, RHEL).",
    );
    expect(one("select version_compare('', '1')")).toBe(-1n);
  });
});

describe("distribution version orders", () => {
  const DPKG_PAIRS: [string, string][] = [
    ["1.0~rc1", "1.0"], ["1:1.0", "2.0"], ["1.0-1", "1.0-1ubuntu1"], ["1.0", "1.0-0"], ["1.0~~", "1.0~"],
    ["1.0~", "1.0"], ["1.0", "1.0a"], ["1.0a", "1.0+"], ["1.0+", "1.0."], ["1.0.1", "1.0a"],
    ["2.30-1", "2.3-1"], ["0:1.2", "1.2"], ["1.002", "1.2"], ["1.2.10", "1.2.9"], ["7.6p2-4", "7.6-0"],
    ["1.0.3-3", "1.0-1"], ["1.3", "1.2.2-2"], ["1.3", "1.2.2"], ["0-pre", "0-pre"], ["0-pre", "0-pree"],
    ["1.1.6r2-2", "1.1.6r-1"], ["2.6b2-1", "2.6b-2"], ["98.1p5-1", "98.1-pre2-b6-2"], ["0.4a6-2", "0.4-1"],
    ["1:3.0.5+dfsg-1", "3.0.5+dfsg-1"], ["2:8.2.3995-1ubuntu2.9", "2:8.2.3995-1ubuntu2.10"],
    ["22.07.5-2ubuntu1.3", "22.07.5-2ubuntu1.4"], ["1.0-1~bpo1", "1.0-1"], ["10:1", "9:2"], ["a", "B"],
  ];

  test("compareDpkgVersion agrees with dpkg --compare-versions", () => {
    tool("dpkg", "dpkg");
    const dpkg = (a: string, op: string, b: string): boolean =>
      Bun.spawnSync(["dpkg", "--compare-versions", a, op, b]).exitCode === 0;
    for (const [a, b] of DPKG_PAIRS) {
      const expected = dpkg(a, "lt", b) ? -1 : dpkg(a, "eq", b) ? 0 : 1;
      expect([a, b, compareDpkgVersion(a, b)]).toEqual([a, b, expected]);
      expect([b, a, compareDpkgVersion(b, a)]).toEqual([b, a, flip(expected)]);
    }
  });

  const RPM_PAIRS: [string, string][] = [
    ["1.0~rc1", "1.0"], ["1.0^git1", "1.0"], ["1.0^git1", "1.0.1"], ["1.0~rc1^1", "1.0~rc1"], ["1.0-1", "1.0"],
    ["1.0", "1.0-0"], ["1:1.0-1", "2.0-1"], ["0:1.0", "1.0"], ["01:1", "1:1"], ["1.0a", "1.0"], ["1.0", "1.0.a"],
    ["1.0.1", "1.0a"], ["1.002", "1.2"], ["2.30", "2.3"], ["1.0_1", "1.0.1"], ["1.0-1.el8", "1.0-1.el8_4"],
    ["9.11.4-26.P2.el7_9.10", "32:9.11.4-26.P2.el7_9.13"], ["1.1.0~BETA2", "1.1.0~CR1"], ["a", "B"],
    ["1.0~~", "1.0~"], ["1.0^^", "1.0^"], ["5.2", "5.2^"], ["abc", "abd"], ["1.0-~", "1.0"],
  ];

  test("compareRhelVersion agrees with rpm's rpm.vercmp", () => {
    tool("rpm", "rpm");
    const lua = RPM_PAIRS.map(([a, b]) => `print(rpm.vercmp('${a}', '${b}') .. ' ')`).join(" ");
    const r = Bun.spawnSync(["rpm", "--eval", `%{lua: ${lua}}`]);
    const expected = r.stdout.toString().trim().split(/\s+/).map(Number);
    expect(expected.length).toBe(RPM_PAIRS.length);
    RPM_PAIRS.forEach(([a, b], k) => {
      expect([a, b, compareRhelVersion(a, b)]).toEqual([a, b, sign(expected[k] as number)]);
    });
  });

  // pacman's test/util/vercmptest.sh (each case is also checked mirrored).
  const PACMAN: [string, string, -1 | 0 | 1][] = [
    ["1.5.0", "1.5.0", 0], ["1.5.1", "1.5.0", 1], ["1.5.1", "1.5", 1], ["1.5.0-1", "1.5.0-1", 0],
    ["1.5.0-1", "1.5.0-2", -1], ["1.5.0-1", "1.5.1-1", -1], ["1.5.0-2", "1.5.1-1", -1], ["1.5-1", "1.5.1-1", -1],
    ["1.5-2", "1.5.1-1", -1], ["1.5-2", "1.5.1-2", -1], ["1.5", "1.5-1", 0], ["1.5-1", "1.5", 0],
    ["1.1-1", "1.1", 0], ["1.0-1", "1.1", -1], ["1.1-1", "1.0", 1], ["1.5b-1", "1.5-1", -1], ["1.5b", "1.5", -1],
    ["1.5b-1", "1.5", -1], ["1.5b", "1.5.1", -1], ["1.0a", "1.0alpha", -1], ["1.0alpha", "1.0b", -1],
    ["1.0b", "1.0beta", -1], ["1.0beta", "1.0rc", -1], ["1.0rc", "1.0", -1], ["1.5.a", "1.5", 1],
    ["1.5.b", "1.5.a", 1], ["1.5.1", "1.5.b", 1], ["1.5.b-1", "1.5.b", 0], ["1.5-1", "1.5.b", -1],
    ["2.0", "2_0", 0], ["2.0_a", "2_0.a", 0], ["2.0a", "2.0.a", -1], ["2___a", "2_a", 1],
    ["0:1.0", "0:1.0", 0], ["0:1.0", "0:1.1", -1], ["1:1.0", "0:1.0", 1], ["1:1.0", "0:1.1", 1],
    ["1:1.0", "2:1.1", -1], ["1:1.0", "0:1.0-1", 1], ["1:1.0-1", "0:1.1-1", 1], ["0:1.0", "1.0", 0],
    ["0:1.0", "1.1", -1], ["0:1.1", "1.0", 1], ["1:1.0", "1.0", 1], ["1:1.0", "1.1", 1], ["1:1.1", "1.1", 1],
  ];

  test("compareArchVersion passes pacman's vercmp test suite", () => {
    for (const [a, b, expected] of PACMAN) {
      expect([a, b, compareArchVersion(a, b)]).toEqual([a, b, expected]);
      expect([b, a, compareArchVersion(b, a)]).toEqual([b, a, flip(expected)]);
    }
  });
});

describe("robustness", () => {
  test("every function works on a database without safeIntegers", () => {
    const get = (sql: string): unknown => Object.values(plainDb.query(sql).get() as object)[0];
    expect(get("select split('a,b', ',', 1)")).toBe("b");
    expect(get("select community_id_v1('66.35.250.204', '128.232.110.120', 80, 34855, 6)")).toBe(
      "1:LQU9qZlK+B5F3KDmev6m5PMibrg=",
    );
    expect(get("select ceil(1.5)")).toBe(2);
    expect(get("select inet_aton('1.0.1.5')")).toBe(16777477);
  });

  test("blobs, huge numbers and odd types never crash a function", () => {
    const values = ["NULL", "x'00ff'", "9223372036854775807", "-1e308", "''", "'\u00e9'", "1.5"];
    const calls = [
      "split(V, V, V)", "regex_split(V, ',', V)", "regex_match(V, 'a', V)", "concat(V, V)", "concat_ws(V, V, V)",
      "inet_aton(V)", "md5(V)", "sha1(V)", "sha256(V)", "to_base64(V)", "from_base64(V)",
      "conditional_to_base64(V)", "log(V)", "cot(V)", "ceil(V)", "floor(V)", "community_id_v1(V, V, V, V, V)",
    ];
    for (const call of calls) {
      for (const v of values) {
        const sql = `select ${call.replaceAll("V", v)}`;
        const err = failure(sql);
        // Either a value or one of osquery's messages; never a TypeError or RangeError.
        if (err !== null) expect([sql, err]).toEqual([sql, expect.not.stringMatching(/TypeError|RangeError|undefined/)]);
      }
    }
  });
});

describe("end to end through dist/osqueryi", () => {
  test("functions are available in the shell, with osquery's result types", () => {
    const rows = query(
      "select split('a,b,c', ',', 1) as s, sha256('test') as h, version_compare('1.0', '1.1') as v, " +
        "community_id_v1('66.35.250.204', '128.232.110.120', 80, 34855, 6) as c, sqrt(4) as r, ceil(1.2) as i, " +
        "concat_ws(',', 'a', NULL) as w",
    );
    expect(rows).toEqual([
      {
        s: "b",
        h: createHash("sha256").update("test").digest("hex"),
        v: "-1",
        c: "1:LQU9qZlK+B5F3KDmev6m5PMibrg=",
        r: "2.0", // a REAL, as osquery prints it
        i: "2", // an INTEGER
        w: "a,",
      },
    ]);
  });

  test("a function error fails the query with osquery's message", () => {
    const r = osq(["--json", "select log(0)"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("Numerical result out of range");
  });
});

test("OSQUERY_FUNCTION_NAMES lists exactly what registerFunctions registers", async () => {
  const { OSQUERY_FUNCTION_NAMES } = await import("../../src/sql/function-names.ts");
  const { registerFunctions: register } = await import("../../src/sql/functions.ts");
  const names = new Set<string>();
  register({ function: (name: string) => void names.add(name), aggregate: (name: string) => void names.add(name) } as never);
  expect([...names].sort()).toEqual([...OSQUERY_FUNCTION_NAMES].sort());
});
