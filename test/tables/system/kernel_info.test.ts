// kernel_info: version against uname -r, arguments against /proc/cmdline read by awk.
import { describe, expect, test } from "bun:test";
import kernelInfo, { kernelInfoRow } from "../../../tables/system/kernel_info.ts";
import { generate, query } from "../../helpers.ts";

function sh(cmd: string): string {
  return Bun.spawnSync(["sh", "-c", cmd]).stdout.toString().trim();
}

describe("kernel_info", () => {
  test("live: version is uname -r, arguments the rest of the command line", async () => {
    const [row] = await generate(kernelInfo);
    expect(row!.version).toBe(sh("uname -r"));
    const args = sh(`awk '{ s = ""; for (i = 1; i <= NF; i++) if ($i !~ /^(BOOT_IMAGE|root)=/) s = s (s == "" ? "" : " ") $i; print s }' /proc/cmdline`);
    expect(row!.arguments).toBe(args);
    expect(row!.device).toBe(sh(`tr ' ' '\\n' < /proc/cmdline | sed -n 's/^root=//p' | head -1`) || undefined);
  });

  test("fixture", () => {
    expect(kernelInfoRow("BOOT_IMAGE=/vmlinuz-6.1 root=UUID=abc ro quiet\n", "Linux version 6.1.0-13-amd64 (gcc) #1 SMP\n")).toEqual({
      path: "/vmlinuz-6.1", device: "UUID=abc", arguments: "ro quiet", version: "6.1.0-13-amd64",
    });
  });

  test("end to end", () => {
    expect(query("SELECT version FROM kernel_info")).toEqual([{ version: sh("uname -r") }]);
  });
});
