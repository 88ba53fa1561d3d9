import { describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import table, { cryptMapping, cryptTypeFromDmUuid, diskEncryptionRows, parseLuksCipher } from "../../../tables/hardware/disk_encryption.ts";
import blockDevices from "../../../tables/hardware/block_devices.ts";
import { generate, query } from "../../helpers.ts";

function luks2Header(encryption: string): Uint8Array {
  const hdr = new Uint8Array(16384);
  hdr.set(Buffer.from("LUKS\xba\xbe", "latin1"), 0);
  hdr.set([0, 2], 6);
  new DataView(hdr.buffer).setBigUint64(8, 16384n); // hdr_size (BE)
  hdr.set(Buffer.from("my-label"), 24);
  hdr.set(Buffer.from("5f1c2b3a-0d4e-4f6a-8b7c-9d0e1f2a3b4c"), 168);
  const json = JSON.stringify({ keyslots: {}, segments: { "0": { type: "crypt", offset: "16777216", size: "dynamic", iv_tweak: "0", encryption, sector_size: 512 } }, digests: {}, config: {} });
  hdr.set(Buffer.from(json), 4096);
  return hdr;
}

function luks1Header(cipher: string, mode: string): Uint8Array {
  const hdr = new Uint8Array(1024);
  hdr.set(Buffer.from("LUKS\xba\xbe", "latin1"), 0);
  hdr.set([0, 1], 6);
  hdr.set(Buffer.from(cipher), 8);
  hdr.set(Buffer.from(mode), 40);
  return hdr;
}

/** Independent read of the device-mapper uuids through the shell: the dm-crypt targets. */
function cryptTargets(): Set<string> {
  const script = "for f in /sys/class/block/*/dm/uuid; do [ -r \"$f\" ] && grep -q '^CRYPT-' \"$f\" && basename $(dirname $(dirname \"$f\")); done; true";
  return new Set(Bun.spawnSync(["sh", "-c", script]).stdout.toString().split("\n").filter(Boolean).map((n) => `/dev/${n}`));
}

describe("disk_encryption", () => {
  test("on this machine: one row per block device; encrypted exactly for dm crypt targets", async () => {
    const rows = await generate(table);
    const devices = await generate(blockDevices);
    expect(rows.map((r) => r.name)).toEqual(devices.map((r) => r.name));
    const crypt = cryptTargets();
    for (const r of rows) {
      const parentEncrypted = rows.some((p) => p.name === devices.find((d) => d.name === r.name)?.parent && p.encrypted === 1);
      expect(r.encrypted).toBe(crypt.has(String(r.name)) || parentEncrypted ? 1 : 0);
      expect(r.encryption_status).toBe(r.encrypted === 1 ? "encrypted" : "not encrypted");
    }
  });

  test("dm uuids, LUKS1 and LUKS2 headers", () => {
    expect(cryptTypeFromDmUuid("CRYPT-LUKS2-5f1c2b3a0d4e4f6a8b7c9d0e1f2a3b4c-luks-5f1c")).toBe("LUKS2");
    expect(cryptTypeFromDmUuid("CRYPT-PLAIN-swap")).toBe("PLAIN");
    expect(cryptTypeFromDmUuid("LVM-abcdef")).toBeNull();
    expect(parseLuksCipher(luks2Header("aes-xts-plain64"))).toEqual({ cipher: "aes", mode: "xts-plain64" });
    expect(parseLuksCipher(luks1Header("serpent", "cbc-essiv:sha256"))).toEqual({ cipher: "serpent", mode: "cbc-essiv:sha256" });
    expect(parseLuksCipher(new Uint8Array(4096))).toBeNull();
  });

  test("a dm-crypt mapping in a sysfs fixture gets TYPE-cipher-mode from the header underneath", () => {
    const root = mkdtempSync(join(tmpdir(), "osq-crypt-"));
    const sys = join(root, "class/block");
    const dev = join(root, "dev");
    mkdirSync(join(sys, "dm-0/dm"), { recursive: true });
    mkdirSync(join(sys, "dm-0/slaves/sdb2"), { recursive: true });
    mkdirSync(join(sys, "dm-1/dm"), { recursive: true });
    mkdirSync(join(sys, "dm-2/dm"), { recursive: true });
    mkdirSync(dev);
    writeFileSync(join(sys, "dm-0/dm/uuid"), "CRYPT-LUKS2-5f1c2b3a0d4e4f6a8b7c9d0e1f2a3b4c-luks-5f1c\n");
    writeFileSync(join(sys, "dm-1/dm/uuid"), "LVM-Zx9aBcDeFgHiJkLmNoPqRsTuVwXyZ012345\n");
    writeFileSync(join(sys, "dm-2/dm/uuid"), "CRYPT-PLAIN-cryptswap\n");
    writeFileSync(join(dev, "sdb2"), luks2Header("aes-xts-plain64"));
    expect(cryptMapping("/dev/dm-0", sys, dev)).toEqual({ type: "LUKS2-aes-xts-plain64" });
    expect(cryptMapping("/dev/dm-1", sys, dev)).toBeNull();
    expect(cryptMapping("/dev/dm-2", sys, dev)).toEqual({ type: "PLAIN" });
    expect(cryptMapping("/dev/sda", sys, dev)).toBeNull();
  });

  test("children of an encrypted device inherit its status and type, whatever the order", () => {
    const rows = diskEncryptionRows(
      [
        { name: "/dev/dm-0", uuid: "fs-uuid", parent: "/dev/sda2" },
        { name: "/dev/dm-1", uuid: "", parent: "/dev/dm-0" },
        { name: "/dev/dm-2", uuid: "", parent: "/dev/dm-1" },
        { name: "/dev/nvme0n1", uuid: "", parent: "/dev/nvme0" },
        { name: "/dev/sda", uuid: "", parent: "" },
        { name: "/dev/sda2", uuid: "", parent: "/dev/sda" },
      ],
      (n) => (n === "/dev/dm-1" ? { type: "LUKS1-aes-cbc-essiv:sha256" } : null),
    );
    const plain = { encrypted: 0, encryption_status: "not encrypted", type: "" };
    const luks = { encrypted: 1, encryption_status: "encrypted", type: "LUKS1-aes-cbc-essiv:sha256" };
    expect(rows).toEqual([
      { name: "/dev/dm-0", uuid: "fs-uuid", ...plain },
      { name: "/dev/dm-1", uuid: "", ...luks },
      // Its parent comes later in name order; osquery looks it up recursively.
      { name: "/dev/dm-2", uuid: "", ...luks },
      { name: "/dev/nvme0n1", uuid: "", ...plain },
      { name: "/dev/sda", uuid: "", ...plain },
      { name: "/dev/sda2", uuid: "", ...plain },
    ]);
  });

  test("e2e: one row per /sys/class/block device, encrypted exactly for dm crypt targets", () => {
    const sysNames = Bun.spawnSync(["sh", "-c", "for d in /sys/class/block/*; do sed -n 's/^DEVNAME=//p' $d/uevent; done"]).stdout.toString().split("\n").filter(Boolean).map((n) => `/dev/${n}`);
    const crypt = cryptTargets();
    const rows = query("SELECT name, encrypted FROM disk_encryption");
    expect(rows.map((r) => r.name).sort()).toEqual([...sysNames].sort());
    // A device on a crypt target's stack is encrypted too; without such stacks the two sets are equal.
    for (const r of rows) if (crypt.has(r.name!)) expect([r.name, r.encrypted]).toEqual([r.name, "1"]);
  });

  test("a name that is no block device gives no row", async () => {
    expect(await generate(table, { name: [["=", "/dev/osq-no-such-device"]] })).toEqual([]);
    expect(query("SELECT name FROM disk_encryption WHERE name = '/dev/osq-no-such-device'")).toEqual([]);
  });

  test("e2e: a name constraint asks about that device only", async () => {
    const first = String((await generate(blockDevices))[0]!.name);
    const direct = await generate(table, { name: [["=", first]] });
    expect(direct.length).toBe(1);
    expect(query(`SELECT name, uuid, encrypted FROM disk_encryption WHERE name = '${first}'`)).toEqual([{ name: first, uuid: "", encrypted: String(direct[0]!.encrypted) }]);
    expect(query("SELECT name FROM disk_encryption").length).toBe((await generate(table)).length);
  });
});
