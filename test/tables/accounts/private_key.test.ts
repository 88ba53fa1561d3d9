// PKCS#8 keys Bun's crypto cannot load (RSA-PSS, Ed448, X448) are read from
// their DER by osq's own ASN.1 reader; openssl makes the keys and states
// their sizes, so the reader is checked against an independent decoder.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ifcSecurityBits, inspectPrivateKey } from "../../../tables/accounts/private_key.ts";

const dir = mkdtempSync(join(tmpdir(), "osq-pkey-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function openssl(args: string[], stdin?: string): string {
  const r = Bun.spawnSync(["openssl", ...args], { stdin: stdin === undefined ? "ignore" : Buffer.from(stdin) });
  if (r.exitCode !== 0) throw new Error(`openssl ${args.join(" ")} failed (is openssl installed?): ${r.stderr.toString()}`);
  return r.stdout.toString();
}

describe("private keys read from PKCS#8 DER", () => {
  test("RSA-PSS: modulus bits as openssl prints them", () => {
    for (const bits of [1500, 2048]) {
      const pem = openssl(["genpkey", "-algorithm", "RSA-PSS", "-pkeyopt", `rsa_keygen_bits:${bits}`]);
      const printed = Number(/Private-Key: \((\d+) bit/.exec(openssl(["pkey", "-noout", "-text"], pem))![1]);
      expect(printed).toBe(bits);
      expect(inspectPrivateKey(pem)).toEqual({ encrypted: false, keyType: "", groupName: "", length: printed, securityBits: ifcSecurityBits(printed) });
    }
  });

  test("Ed448 and X448", () => {
    for (const [alg, length] of [["ED448", 456], ["X448", 448]] as const) {
      const pem = openssl(["genpkey", "-algorithm", alg]);
      expect(openssl(["pkey", "-noout", "-text"], pem)).toStartWith(`${alg} Private-Key:`);
      expect(inspectPrivateKey(pem)).toEqual({ encrypted: false, keyType: "", groupName: "", length, securityBits: 224 });
    }
  });

  test("a truncated PKCS#8 body is not a key, and does not throw", () => {
    const pem = openssl(["genpkey", "-algorithm", "ED448"]);
    const b64 = pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "");
    const cut = Buffer.from(b64, "base64").subarray(0, 20).toString("base64");
    expect(inspectPrivateKey(`-----BEGIN PRIVATE KEY-----\n${cut}\n-----END PRIVATE KEY-----\n`)).toBeNull();
  });
});
