// Runs commands in a private mount namespace whose /sys/firmware/dmi/tables
// holds a fixture SMBIOS table, so the compiled binary and dmidecode (the
// independent reader) both find it where the kernel puts it.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inMountNamespace, sh } from "../../mount_namespace.ts";
import { tool } from "../../tools.ts";

/** A 64-bit ("_SM3_") entry point announcing SMBIOS 3.2 and a table of `length` bytes. */
export function entryPoint3(length: number): Uint8Array {
  const ep = new Uint8Array(24);
  ep.set(new TextEncoder().encode("_SM3_"));
  ep[6] = ep.length;
  ep[7] = 3;
  ep[8] = 2;
  ep[10] = 1;
  const view = new DataView(ep.buffer);
  view.setUint32(12, length, true);
  view.setBigUint64(16, 0xf0000n, true);
  const sum = ep.reduce((n, b) => n + b, 0);
  ep[5] = (256 - (sum % 256)) % 256;
  return ep;
}

/** Runs each command (a shell line) with the fixture in place; returns their stdouts. */
export function withFixtureDmi(table: Uint8Array, commands: readonly string[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), "osq-dmi-"));
  try {
    writeFileSync(join(dir, "DMI"), table);
    writeFileSync(join(dir, "smbios_entry_point"), entryPoint3(table.length));
    return inMountNamespace(
      ["mount -t tmpfs osq-dmi /sys/firmware", "mkdir -p /sys/firmware/dmi/tables", `cp ${sh(join(dir, "DMI"))} ${sh(join(dir, "smbios_entry_point"))} /sys/firmware/dmi/tables/`],
      commands,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface DmiRecord {
  readonly handle: string;
  readonly type: number;
  /** The formatted area's length ("N bytes" in the handle line). */
  readonly length: number;
  readonly fields: Record<string, string>;
}

/** Parses `dmidecode` text: one record per "Handle 0x..., DMI type N" block, "Key: value" fields. */
export function parseDmidecode(text: string): DmiRecord[] {
  const out: DmiRecord[] = [];
  let cur: { handle: string; type: number; length: number; fields: Record<string, string> } | undefined;
  for (const line of text.split("\n")) {
    const h = /^Handle (0x[0-9A-F]+), DMI type (\d+), (\d+) bytes/.exec(line);
    if (h) {
      cur = { handle: h[1]!.toLowerCase(), type: Number(h[2]), length: Number(h[3]), fields: {} };
      out.push(cur);
      continue;
    }
    const f = /^\t([^\t:][^:]*): (.*)$/.exec(line);
    if (f && cur) cur.fields[f[1]!] = f[2]!;
  }
  return out;
}

export function dmidecodePath(): string {
  return tool("dmidecode", "dmidecode");
}
