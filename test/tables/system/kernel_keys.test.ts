// kernel_keys: /proc/keys read by awk (ten-word lines only), and a fixture.
import { describe, expect, test } from "bun:test";
import kernelKeys, { parseKeys } from "../../../tables/system/kernel_keys.ts";
import { generate, query } from "../../helpers.ts";

function awkKeys(): string[] {
  return Bun.spawnSync(["awk", "NF == 10 {print $1 \"|\" $8 \"|\" $9 $10}", "/proc/keys"]).stdout.toString().split("\n").filter(Boolean);
}

describe("kernel_keys", () => {
  test("live: the keys /proc/keys shows", async () => {
    const rows = await generate(kernelKeys);
    expect(rows.map((r) => `${r.serial_number}|${r.type}|${r.description}`)).toEqual(awkKeys());
  });

  test("fixture: description joins the last two words; other shapes skipped", () => {
    const text = "3b8fbe9e I--Q---     1 perm 3f010000  1000  1000 keyring   _ses: 1\n0f1e2d3c I--Q---     2 perm 3f010000     0     0 user      my key: 5\n";
    expect(parseKeys(text)).toEqual([
      { serial_number: "3b8fbe9e", flags: "I--Q---", usage: "1", timeout: "perm", permissions: "3f010000", uid: "1000", gid: "1000", type: "keyring", description: "_ses:1" },
    ]);
  });

  test("end to end", () => {
    expect(query("SELECT serial_number FROM kernel_keys").map((r) => r.serial_number)).toEqual(awkKeys().map((k) => k.split("|")[0]!));
  });
});
