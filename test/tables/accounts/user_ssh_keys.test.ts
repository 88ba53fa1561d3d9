import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import userSshKeys from "../../../tables/accounts/user_ssh_keys.ts";
import { ifcSecurityBits, inspectPrivateKey } from "../../../tables/accounts/private_key.ts";
import { generate, OSQUERYI } from "../../helpers.ts";
import { tool } from "../../tools.ts";
import { MARKER, rootSshFixture, run, type SshFixture } from "./fixtures.ts";

const pass = "osq-test-passphrase";

interface KeySpec {
  readonly name: string;
  readonly args: string[];
  readonly encrypted: boolean;
  readonly type: string;
  readonly group?: string;
  /** OpenSSH-format (read by osquery itself) rather than PEM (read by OpenSSL). */
  readonly openssh: boolean;
}

const SPECS: KeySpec[] = [
  { name: "ed25519", args: ["-t", "ed25519"], encrypted: false, type: "ed25519", openssh: true },
  { name: "ed25519_enc", args: ["-t", "ed25519", "-N", pass], encrypted: true, type: "ed25519", openssh: true },
  { name: "rsa_openssh", args: ["-t", "rsa", "-b", "2048"], encrypted: false, type: "rsa", openssh: true },
  { name: "ecdsa_openssh", args: ["-t", "ecdsa", "-b", "521"], encrypted: false, type: "ecdsa-p521", openssh: true },
  { name: "rsa_pem", args: ["-t", "rsa", "-b", "2048", "-m", "PEM"], encrypted: false, type: "rsa", openssh: false },
  { name: "rsa_pem_enc", args: ["-t", "rsa", "-b", "2048", "-m", "PEM", "-N", pass], encrypted: true, type: "", openssh: false },
  { name: "ecdsa_pem", args: ["-t", "ecdsa", "-b", "384", "-m", "PEM"], encrypted: false, type: "ec", group: "secp384r1", openssh: false },
  { name: "rsa_pkcs8", args: ["-t", "rsa", "-b", "3072", "-m", "PKCS8"], encrypted: false, type: "rsa", openssh: false },
];

let fx: SshFixture;
/** A key's path as the table reports it (root's ~/.ssh inside the fixture namespace). */
const path = (s: KeySpec) => `${fx.sshDir}/${MARKER}_${s.name}`;

beforeAll(async () => {
  tool("ssh-keygen", "openssh-client");
  fx = await rootSshFixture((ssh) => {
    for (const s of SPECS) {
      const args = s.args.includes("-N") ? s.args : [...s.args, "-N", ""];
      run(["ssh-keygen", "-q", ...args, "-C", MARKER, "-f", `${ssh}/${MARKER}_${s.name}`]);
    }
    // Not private keys, or not listed: a public key copy, a hidden key, a directory.
    const first = readFileSync(`${ssh}/${MARKER}_${SPECS[0]!.name}`);
    writeFileSync(`${ssh}/.${MARKER}_hidden`, first, { mode: 0o600 });
    mkdirSync(`${ssh}/${MARKER}_subdir`);
    writeFileSync(`${ssh}/${MARKER}_subdir/id`, first, { mode: 0o600 });
    writeFileSync(`${ssh}/${MARKER}_notes`, "just text, PRIVATE KEY mentioned but no PEM block\n", { mode: 0o600 });
  });
}, 60_000);
afterAll(() => fx?.cleanup());

const inNs = (): Record<string, [string, string][]> => ({ pid_with_namespace: [["=", String(fx.ns.pid)]] });

/** Bits as ssh-keygen -l reports them (it reads the .pub next to an encrypted key). */
function keygenBits(p: string): number {
  return Number(run(["ssh-keygen", "-l", "-f", p]).stdout.split(" ")[0]);
}

/** OpenSSL's own EVP_PKEY_get_bits / get_security_bits through libcrypto, loaded by python3. */
function libcrypto(paths: string[]): Map<string, [number, number]> {
  const prog = `
import ctypes, sys
c = ctypes.CDLL("libcrypto.so.3")
c.BIO_new_file.restype = ctypes.c_void_p
c.BIO_new_file.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
c.PEM_read_bio_PrivateKey.restype = ctypes.c_void_p
c.PEM_read_bio_PrivateKey.argtypes = [ctypes.c_void_p] * 4
c.EVP_PKEY_get_bits.argtypes = [ctypes.c_void_p]
c.EVP_PKEY_get_security_bits.argtypes = [ctypes.c_void_p]
for p in sys.argv[1:]:
    k = c.PEM_read_bio_PrivateKey(c.BIO_new_file(p.encode(), b"r"), None, None, None)
    print(p, c.EVP_PKEY_get_bits(k) if k else -1, c.EVP_PKEY_get_security_bits(k) if k else -1)
`;
  const r = run([tool("python3", "python3"), "-c", prog, ...paths]);
  if (r.code !== 0) throw new Error("python3 could not load libcrypto.so.3 (Debian package libssl3) to read the PEM keys");
  return new Map(r.stdout.split("\n").filter(Boolean).map((l) => {
    const [p, b, s] = l.split(" ");
    return [p!, [Number(b), Number(s)]];
  }));
}

describe("user_ssh_keys", () => {
  test("every private key in root's ~/.ssh, nothing else", async () => {
    const rows = await generate(userSshKeys, { uid: [["=", "0"]], ...inNs() });
    expect(rows.map((r) => r.path)).toEqual(SPECS.map(path).sort());
    expect(rows.every((r) => r.uid === 0 && r.pid_with_namespace === fx.ns.pid)).toBe(true);
  });

  test("encryption agrees with ssh-keygen, sizes with ssh-keygen -l and libcrypto", async () => {
    const rows = await generate(userSshKeys, inNs());
    const pem = libcrypto(SPECS.filter((s) => !s.openssh && !s.encrypted).map((s) => fx.local(path(s))));
    expect(pem.size).toBe(3);
    for (const s of SPECS) {
      const r = rows.find((x) => x.path === path(s))!;
      // ssh-keygen -y with an empty passphrase succeeds only on unencrypted keys.
      const opens = run(["ssh-keygen", "-y", "-P", "", "-f", fx.local(path(s))]).code === 0;
      expect([s.name, r.encrypted]).toEqual([s.name, opens ? 0 : 1]);
      expect([s.name, r.key_type, r.key_group_name]).toEqual([s.name, s.type, s.group ?? ""]);
      if (!s.openssh && s.encrypted) {
        // OpenSSL learns nothing about a PEM key it cannot decrypt.
        expect([r.key_length, r.key_security_bits]).toEqual([-1, -1]);
      } else {
        expect([s.name, r.key_length]).toEqual([s.name, keygenBits(fx.local(path(s)))]);
      }
      const ref = pem.get(fx.local(path(s)));
      if (ref) expect([s.name, r.key_length, r.key_security_bits]).toEqual([s.name, ...ref]);
    }
  });

  test("strength estimates: OpenSSL 3's table for PEM keys, osquery's own for OpenSSH RSA", () => {
    expect([1024, 2048, 3072, 4096, 7680, 8192, 15360].map(ifcSecurityBits)).toEqual([80, 112, 128, 152, 192, 200, 256]);
    expect([512, 1536, 2560, 3000, 5000].map(ifcSecurityBits)).toEqual([56, 96, 120, 128, 160]);
    const rsa = inspectPrivateKey(readFileSync(fx.local(path(SPECS[2]!)), "utf8"))!;
    expect([rsa.length, rsa.securityBits]).toEqual([2048, 112]);
    expect(inspectPrivateKey(" " + readFileSync(fx.local(path(SPECS[0]!)), "utf8"))).toBeNull();
    expect(inspectPrivateKey("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")).toBeNull();
  });

  test("e2e: SELECT * FROM user_ssh_keys, the binary running in the namespace", () => {
    const rows = JSON.parse(fx.ns.run([OSQUERYI, "--json", "SELECT * FROM user_ssh_keys WHERE uid = 0"])) as Record<string, string>[];
    expect(rows.map((r) => r.path)).toEqual(SPECS.map(path).sort());
    const ed = rows.find((r) => r.path === path(SPECS[0]!))!;
    expect(ed).toEqual({ uid: "0", path: path(SPECS[0]!), encrypted: "0", key_type: "ed25519", key_group_name: "", key_length: "256", key_security_bits: "128" });
  });
});

