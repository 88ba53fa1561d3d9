// Address formatting against glibc's own inet_ntop (through Python's socket
// module), on addresses built to hit every compression case.
import { describe, expect, test } from "bun:test";
import { decodeHexShort, decodeProcNetAddress, formatIPv4, formatIPv6, ipv6FromHex, prefixLength } from "../../src/linux/inet.ts";

function sampleAddresses(): Uint8Array[] {
  const out: Uint8Array[] = [];
  let seed = 12345;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
  for (let i = 0; i < 400; i++) {
    const b = new Uint8Array(16);
    for (let w = 0; w < 8; w++) {
      // Mostly zero words, so that runs of every length and position occur.
      if (rnd() % 3 === 0) {
        b[2 * w] = rnd() % 3 === 0 ? rnd() & 0xff : 0;
        b[2 * w + 1] = rnd() & 0xff;
      }
    }
    if (i % 10 === 0) b.set([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff], 0); // v4-mapped
    if (i % 10 === 1) b.fill(0, 0, 12); // v4-compatible
    out.push(b);
  }
  out.push(new Uint8Array(16), Uint8Array.from({ length: 16 }, (_, i) => (i === 15 ? 1 : 0)));
  return out;
}

describe("inet", () => {
  test("formatIPv6 equals glibc inet_ntop", () => {
    const addrs = sampleAddresses();
    const hex = addrs.map((a) => Buffer.from(a).toString("hex")).join("\n");
    const py = Bun.spawnSync(["python3", "-c", "import socket,sys\nfor l in sys.stdin.read().split():\n print(socket.inet_ntop(socket.AF_INET6, bytes.fromhex(l)))"], {
      stdin: new TextEncoder().encode(hex),
    });
    expect(py.exitCode).toBe(0);
    const expected = py.stdout.toString().trim().split("\n");
    expect(addrs.map((a) => formatIPv6(a))).toEqual(expected);
  });

  test("/proc/net hex addresses are host-order words", () => {
    expect(decodeProcNetAddress("0100007F", 2)).toBe("127.0.0.1");
    expect(decodeProcNetAddress("00000000000000000000000001000000", 10)).toBe("::1");
    expect(decodeProcNetAddress("0000000000000000FFFF00000100007F", 10)).toBe("::ffff:127.0.0.1");
    expect(decodeProcNetAddress("000080FE00000000FF00FC00010000FE", 10)).toBe("fe80::fc:ff:fe00:1");
    expect(decodeProcNetAddress("123", 2)).toBe("");
    expect(ipv6FromHex("fe8000000000000000fc00fffe000001")).toBe("fe80::fc:ff:fe00:1");
    expect(decodeHexShort("1F90")).toBe(8080);
    expect(decodeHexShort("1F9")).toBe(0);
    expect(formatIPv4([192, 0, 2, 1])).toBe("192.0.2.1");
    expect(prefixLength([255, 255, 240, 0])).toBe(20);
    expect(prefixLength([255, 0, 255, 0])).toBe(16); // counts leading ones per byte, as osquery
  });
});
