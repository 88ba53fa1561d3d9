// intel_me_info: reply decoding on fixture bytes, the ioctl path against a
// device that refuses it (a regular file: ioctl fails, so no row), and this
// host's /dev/mei0 against the mei driver's fw_ver (no device: no rows).
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import table, { connectProtocolVersion, intelMeRows, MEI_VERSION_REPLY_SIZE, parseMeVersion } from "../../../tables/hardware/intel_me_info.ts";
import { generate, query } from "../../helpers.ts";

const tmp = mkdtempSync(join(tmpdir(), "osq-mei-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("intel_me_info", () => {
  test("version reply: four little-endian words after the 28-byte header", () => {
    const reply = Buffer.alloc(MEI_VERSION_REPLY_SIZE, 0xee);
    reply.writeUInt16LE(11, 28);
    reply.writeUInt16LE(8, 30);
    reply.writeUInt16LE(92, 32);
    reply.writeUInt16LE(4222, 34);
    expect(parseMeVersion(reply)).toBe("11.8.92.4222");
    expect(parseMeVersion(reply.subarray(0, 40))).toBeNull();
    const connect = Buffer.from([0x00, 0x02, 0x00, 0x00, 0x01, 0, 0, 0]);
    expect(connectProtocolVersion(connect)).toBe(1);
  });

  test("a device that rejects the connect ioctl gives no row; no device gives no row", () => {
    const fake = join(tmp, "mei0");
    writeFileSync(fake, "");
    expect(intelMeRows(fake)).toEqual([]);
    expect(intelMeRows(join(tmp, "absent"))).toEqual([]);
  });

  test("live and e2e: no /dev/mei0, no rows; with one, the firmware version the kernel lists in fw_ver", async () => {
    let want: { version: string }[] = [];
    if (existsSync("/dev/mei0")) {
      // The mei driver's own reading: "platform:major.minor.hotfix.build" per line, the ME firmware first.
      const fw = /^\d+:(\d+\.\d+\.\d+\.\d+)/m.exec(readFileSync("/sys/class/mei/mei0/fw_ver", "utf8"))?.[1];
      if (!fw) throw new Error("/dev/mei0 exists but /sys/class/mei/mei0/fw_ver names no version to compare with");
      want = [{ version: fw }];
    }
    expect(await generate(table)).toEqual(want);
    expect(query("select version from intel_me_info")).toEqual(want);
  });
});
