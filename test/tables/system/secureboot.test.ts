// secureboot: efivarfs-shaped fixtures, and the live table vs /sys/firmware/efi.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import secureboot, { secureBootRows } from "../../../tables/system/secureboot.ts";
import { generate, OSQUERYI, query } from "../../helpers.ts";
import { inMountNamespace, sh } from "../../mount_namespace.ts";

const GUID = "8be4df61-93ca-11d2-aa0d-00e098032b8c";
let dir = "";

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "osq-efi-"));
  mkdirSync(join(dir, "efivars"));
  writeFileSync(join(dir, "efivars", `SecureBoot-${GUID}`), Buffer.from([6, 0, 0, 0, 1]));
  writeFileSync(join(dir, "efivars", `SetupMode-${GUID}`), Buffer.from([6, 0, 0, 0, 7]));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("secureboot", () => {
  test("fixture: fifth byte decides, anything but 0/1 is -1", () => {
    expect(secureBootRows(dir)).toEqual([{ secure_boot: 1, setup_mode: -1 }]);
    expect(secureBootRows(join(dir, "missing"))).toEqual([]);
  });

  test("fixture: a variable that is not exactly 5 bytes leaves its column empty; a plain file is no EFI directory", () => {
    const other = mkdtempSync(join(tmpdir(), "osq-efi-"));
    try {
      mkdirSync(join(other, "efivars"));
      writeFileSync(join(other, "efivars", `SecureBoot-${GUID}`), Buffer.from([6, 0, 0, 0, 1, 0]));
      writeFileSync(join(other, "efivars", `SetupMode-${GUID}`), Buffer.from([6, 0, 0, 0]));
      expect(secureBootRows(other)).toEqual([{ secure_boot: undefined, setup_mode: undefined }]);
      writeFileSync(join(other, "efi"), "");
      expect(secureBootRows(join(other, "efi"))).toEqual([]);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  test("live: no row without UEFI firmware, one row with it", async () => {
    const want = existsSync("/sys/firmware/efi") ? 1 : 0;
    expect((await generate(secureboot)).length).toBe(want);
    expect(query("SELECT * FROM secureboot").length).toBe(want);
  });

  test("e2e: the fixture variables at /sys/firmware/efi/efivars (private mount namespace), and none without EFI", () => {
    const select = `${sh(OSQUERYI)} --json 'SELECT secure_boot, setup_mode FROM secureboot'`;
    const [withEfi] = inMountNamespace(["mount -t tmpfs osq-efi /sys/firmware", "mkdir -p /sys/firmware/efi/efivars", `cp ${sh(join(dir, "efivars"))}/* /sys/firmware/efi/efivars/`], [select]);
    expect(JSON.parse(withEfi ?? "")).toEqual([{ secure_boot: "1", setup_mode: "-1" }]);
    const [without] = inMountNamespace(["mount -t tmpfs osq-efi /sys/firmware"], [select]);
    expect(JSON.parse(without ?? "")).toEqual([]);
  });
});
