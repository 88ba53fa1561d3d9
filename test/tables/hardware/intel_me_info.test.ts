// intel_me_info: reply decoding on fixture bytes, the ioctl path against a
// device that refuses it (a regular file: ioctl fails, so no row), and this
// host's /dev/mei0 (absent here: no rows).
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import table, { connectProtocolVersion, intelMeRows, MEI_VERSION_REPLY_SIZE, parseMeVersion } from "../../../tables/hardware/intel_me_info.ts";
import { generate, query } from "../../helpers.ts";
import { engineReady } from "../apps/e2e.ts";

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

  test.skipIf(existsSync("/dev/mei0"))("live: no /dev/mei0 here, so no rows", async () => {
    expect(await generate(table)).toEqual([]);
  });

  test.skipIf(!engineReady() || existsSync("/dev/mei0"))("e2e: the binary answers with no rows", () => {
    expect(query("select * from intel_me_info")).toEqual([]);
  });
});
