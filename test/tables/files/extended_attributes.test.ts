// extended_attributes: xattrs written by Python's os.setxattr and capabilities by
// setcap(8), read back through the table; osquery's printable/base64 rule.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import extendedAttributes, { formatXattrValue } from "../../../tables/files/extended_attributes.ts";
import { generate, query } from "../../helpers.ts";

let dir = "";
let xattrsSupported = true;
function needXattrs(): void {
  expect(xattrsSupported, "python3 cannot set user.* xattrs in the temp dir (python3 missing, or no xattr support on its filesystem)").toBe(true);
}

function python(code: string): string {
  const r = Bun.spawnSync(["python3", "-c", code]);
  if (r.exitCode !== 0) throw new Error(r.stderr.toString());
  return r.stdout.toString();
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "osq-xattr-"));
  writeFileSync(join(dir, "f"), "x");
  writeFileSync(join(dir, "capped"), "x");
  try {
    python(`import os
p = ${JSON.stringify(join(dir, "f"))}
os.setxattr(p, "user.text", b"hello\\0")
os.setxattr(p, "user.raw", b"bar")
os.setxattr(p, "user.bin", b"\\x01\\x02\\0")
os.setxattr(p, "user.empty", b"")`);
  } catch {
    xattrsSupported = false;
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("extended_attributes", () => {
  test("every attribute Python lists, with osquery's encoding", async () => {
    needXattrs();
    const rows = await generate(extendedAttributes, { path: [["=", join(dir, "f")]] });
    const listed = JSON.parse(python(`import os, json; print(json.dumps(sorted(os.listxattr(${JSON.stringify(join(dir, "f"))}))))`));
    expect(rows.map((r) => r.key).sort()).toEqual(listed);
    const byKey = Object.fromEntries(rows.map((r) => [r.key, { value: r.value, base64: r.base64 }]));
    expect(byKey["user.text"]).toEqual({ value: "hello", base64: 0 });
    expect(byKey["user.raw"]).toEqual({ value: Buffer.from("bar").toString("base64"), base64: 1 });
    expect(byKey["user.bin"]).toEqual({ value: Buffer.from([1, 2]).toString("base64"), base64: 1 });
    expect(byKey["user.empty"]).toEqual({ value: "", base64: 1 });
    expect(rows.every((r) => r.path === join(dir, "f") && r.directory === dir)).toBe(true);
  });

  test("file capabilities are decoded as getcap shows them", async () => {
    const set = Bun.spawnSync(["setcap", "cap_net_raw+ep", join(dir, "capped")]);
    if (set.exitCode !== 0) return; // needs root and a filesystem with security xattrs
    const getcap = Bun.spawnSync(["getcap", join(dir, "capped")]).stdout.toString().trim();
    const rows = await generate(extendedAttributes, { path: [["=", join(dir, "capped")]] });
    const caps = rows.filter((r) => r.key === "security.capability");
    expect(caps.length).toBe(1);
    expect(getcap.endsWith(String(caps[0]!.value))).toBe(true);
    expect(caps[0]!.base64).toBe(0);
  });

  test("directory = and LIKE find the same file", async () => {
    needXattrs();
    const byDir = await generate(extendedAttributes, { directory: [["=", dir]] });
    expect(byDir.some((r) => r.path === join(dir, "f") && r.key === "user.text")).toBe(true);
    const byLike = await generate(extendedAttributes, { path: [["LIKE", `${dir}/%`]] });
    expect(byLike.filter((r) => r.path === join(dir, "f")).length).toBe(4);
  });

  test("value formatting rule", () => {
    expect(formatXattrValue(new Uint8Array([0x61, 0x62, 0]))).toEqual({ value: "ab", base64: 0 });
    expect(formatXattrValue(new Uint8Array([0x61, 0x0a, 0]))).toEqual({ value: Buffer.from("a\n").toString("base64"), base64: 1 });
    expect(formatXattrValue(new Uint8Array([]))).toEqual({ value: "", base64: 1 });
  });

  test("missing paths give nothing; end to end through the binary", () => {
    expect(query(`SELECT * FROM extended_attributes WHERE path = '${dir}/missing'`)).toEqual([]);
    needXattrs();
    expect(query(`SELECT key, value, base64 FROM extended_attributes WHERE path = '${join(dir, "f")}' AND key = 'user.text'`)).toEqual([
      { key: "user.text", value: "hello", base64: "0" },
    ]);
  });
});
