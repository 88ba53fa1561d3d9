// The SMBIOS-backed memory and OEM tables through the compiled binary, against
// dmidecode reading the same fixture table from the same sysfs files (in a
// private mount namespace). dmidecode words some values differently (title
// case, bytes instead of KB, "Unknown" for absent values); each mapping below
// turns its text into the value osquery reports.
import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { OSQUERYI } from "../../helpers.ts";
import { dmidecodePath, parseDmidecode, withFixtureDmi, type DmiRecord } from "./dmi_namespace.ts";
import { ALL, encodeStruct, fixtureTable } from "./smbios_fixture.ts";

const TABLES = ["cpu_info", "platform_info", "smbios_tables", "memory_arrays", "memory_devices", "memory_error_info", "memory_array_mapped_addresses", "memory_device_mapped_addresses", "oem_strings"] as const;
type Name = (typeof TABLES)[number];

let characteristics: string[] = [];
let cached: { dmi: DmiRecord[]; rows: Record<Name, Record<string, string>[]> } | undefined;
function load(): NonNullable<typeof cached> {
  if (cached) return cached;
  const outs = withFixtureDmi(fixtureTable(), [`'${dmidecodePath()}'`, ...TABLES.map((t) => `'${OSQUERYI}' --json 'SELECT * FROM ${t}'`)]);
  const rows = {} as Record<Name, Record<string, string>[]>;
  TABLES.forEach((t, i) => (rows[t] = JSON.parse(outs[i + 1] ?? "") as Record<string, string>[]));
  cached = { dmi: parseDmidecode(outs[0] ?? ""), rows };
  // Each type 4 block's text, for its multi-line Characteristics list.
  characteristics = (outs[0] ?? "").split(/\n(?=Handle )/).filter((b) => /DMI type 4,/.test(b));
  return cached;
}

const of = (type: number) => load().dmi.filter((r) => r.type === type);
/** dmidecode's words for a value the structure leaves out, which osquery leaves empty. */
const absent = (v: string | undefined) => (v === undefined || v === "Unknown" || v === "Not Provided" || v === "Not Specified" || v === "<OUT OF SPEC>" ? "" : v);
const lower = (rows: Record<string, string>[], keys: readonly string[]) => rows.map((r) => ({ ...r, ...Object.fromEntries(keys.map((k) => [k, (r[k] ?? "").toLowerCase()])) }));
const num = (v: string | undefined, unit: string) => (absent(v) === "" ? "" : String(Number(v!.replace(` ${unit}`, ""))));
const UNITS: Record<string, number> = { MB: 1, GB: 1024, TB: 1024 * 1024 };
function megabytes(v: string | undefined): number {
  const m = /^(\d+) (MB|GB|TB)$/.exec(v ?? "");
  return m ? Number(m[1]) * UNITS[m[2]!]! : 0;
}
const hex = (n: bigint, width: number) => `0x${n.toString(16).padStart(width, "0")}`;
/**
 * dmidecode prints addresses in bytes, marking the 64-bit (extended) ones
 * with a trailing "k"; osquery prints the structure's fields, KB for the
 * 32-bit ones and bytes for the extended ones.
 */
function address(v: string | undefined, end: boolean): string {
  const s = v ?? "";
  if (s.endsWith("k")) return hex(BigInt(s.slice(0, -1)), 12);
  const bytes = BigInt(s);
  return hex(end ? (bytes + 1n) / 1024n - 1n : bytes / 1024n, 8);
}

describe("SMBIOS tables through the binary agree with dmidecode on the same fixture", () => {
  test("cpu_info (type 4)", () => {
    // SMBIOS processor type and status codes for dmidecode's words.
    const TYPES: Record<string, number> = { Other: 1, Unknown: 2, "Central Processor": 3, "Math Processor": 4, "DSP Processor": 5, "Video Processor": 6 };
    const PREFIX: Record<number, string> = { 3: "CPU", 4: "MATH", 5: "DSP", 6: "GPU" };
    const STATES: Record<string, number> = { Unknown: 0, Enabled: 1, "Disabled By User": 2, "Disabled By BIOS": 3, Idle: 4, Other: 7 };
    const seen = new Map<string, number>();
    const want = of(4).map((r, i) => {
      const f = r.fields;
      const type = TYPES[f.Type ?? ""] ?? 0;
      const prefix = PREFIX[type];
      const n = prefix === undefined ? 0 : (seen.get(prefix) ?? 0);
      if (prefix !== undefined) seen.set(prefix, n + 1);
      const [populated, state] = (f.Status ?? "").split(", ");
      // Characteristics is a header line; its items are the indented lines after it.
      const capable64 = /64-bit capable/.test(characteristics[i] ?? "");
      return {
        device_id: prefix === undefined ? "" : `${prefix}${n}`,
        socket_designation: f["Socket Designation"] ?? "",
        model: f.Version ?? "",
        manufacturer: f.Manufacturer ?? "",
        processor_type: String(type),
        cpu_status: String((populated === "Populated" ? 0x40 : 0) | (STATES[state ?? ""] ?? 0)),
        number_of_cores: f["Core Count"] ?? "",
        logical_processors: f["Thread Count"] ?? "",
        address_width: capable64 ? "64" : "32",
        current_clock_speed: num(f["Current Speed"], "MHz"),
        max_clock_speed: num(f["Max Speed"], "MHz"),
      };
    });
    expect(want.length).toBe(3);
    const got = load().rows.cpu_info.map((r) => Object.fromEntries(Object.keys(want[0]!).map((k) => [k, r[k]])));
    expect(got).toEqual(want);
  });

  test("platform_info (type 0); no /sys/firmware/efi in the namespace, so BIOS firmware", () => {
    const want = of(0).map((r) => ({
      vendor: (r.fields.Vendor ?? "").trimEnd(),
      version: r.fields.Version ?? "",
      date: r.fields["Release Date"] ?? "",
      revision: r.fields["BIOS Revision"] ?? "",
      // osquery prints the starting segment, dmidecode the linear address.
      address: `0x${(Number(r.fields.Address) >> 4).toString(16)}`,
      size: String(megabytes(r.fields["ROM Size"]) * 1024 * 1024),
      firmware_type: "bios",
    }));
    expect(want.length).toBe(1);
    const got = load().rows.platform_info.map((r) => Object.fromEntries(Object.keys(want[0]!).map((k) => [k, r[k]])));
    expect(got).toEqual(want);
  });

  test("smbios_tables: one row per structure dmidecode decodes, sizes and md5 of the fixture's bytes", () => {
    const bytes = ALL.map(encodeStruct);
    const want = load().dmi.map((r, i) => ({
      number: String(i),
      type: String(r.type),
      handle: String(Number(r.handle)),
      header_size: String(r.length),
      size: String(bytes[i]!.length),
      md5: createHash("md5").update(bytes[i]!).digest("hex"),
    }));
    expect(want.length).toBe(ALL.length);
    const got = load().rows.smbios_tables.map((r) => Object.fromEntries(Object.keys(want[0]!).map((k) => [k, r[k]])));
    expect(got).toEqual(want);
  });

  test("memory_arrays (type 16)", () => {
    const want = of(16).map((r) => ({
      handle: r.handle,
      location: r.fields.Location ?? "",
      use: absent(r.fields.Use),
      memory_error_correction: r.fields["Error Correction Type"] ?? "",
      max_capacity: String(megabytes(r.fields["Maximum Capacity"]) / 1024),
      memory_error_info_handle: absent(r.fields["Error Information Handle"]).toLowerCase(),
      number_memory_devices: r.fields["Number Of Devices"] ?? "",
    }));
    expect(want.length).toBe(2);
    const keys = ["location", "use", "memory_error_correction"];
    expect(lower(load().rows.memory_arrays, keys)).toEqual(lower(want, keys));
  });

  test("memory_devices (type 17)", () => {
    const want = of(17).map((r) => {
      const f = r.fields;
      const installed = f.Size !== "No Module Installed";
      const mv = (v: string | undefined) => (absent(v) === "" ? "" : String(Math.round(Number(v!.replace(" V", "")) * 1000)));
      return {
        handle: r.handle,
        array_handle: (f["Array Handle"] ?? "").toLowerCase(),
        form_factor: f["Form Factor"] ?? "",
        total_width: num(f["Total Width"], "bits"),
        data_width: num(f["Data Width"], "bits"),
        size: String(installed ? megabytes(f.Size) : 0),
        set: absent(f.Set),
        device_locator: f.Locator ?? "",
        bank_locator: absent(f["Bank Locator"]),
        memory_type: f.Type ?? "",
        memory_type_details: f["Type Detail"] ?? "",
        max_speed: num(f.Speed, "MT/s"),
        configured_clock_speed: num(f["Configured Memory Speed"], "MT/s"),
        manufacturer: f.Manufacturer ?? "",
        serial_number: f["Serial Number"] ?? "",
        // A present string that says "Not Specified" is reported as written.
        asset_tag: f["Asset Tag"] ?? "",
        part_number: (f["Part Number"] ?? "").trimEnd(),
        min_voltage: mv(f["Minimum Voltage"]),
        max_voltage: mv(f["Maximum Voltage"]),
        configured_voltage: mv(f["Configured Voltage"]),
      };
    });
    expect(want.length).toBe(2);
    expect(load().rows.memory_devices).toEqual(want);
  });

  test("memory_error_info (type 18)", () => {
    const want = of(18).map((r) => ({
      handle: r.handle,
      error_type: r.fields.Type ?? "",
      error_granularity: r.fields.Granularity ?? "",
      error_operation: r.fields.Operation ?? "",
      vendor_syndrome: absent(r.fields["Vendor Syndrome"]),
      memory_array_error_address: absent(r.fields["Memory Array Address"]),
      device_error_address: absent(r.fields["Device Address"]).toLowerCase(),
      error_resolution: absent(r.fields.Resolution),
    }));
    expect(want.length).toBe(1);
    expect(load().rows.memory_error_info).toEqual(want);
  });

  test("memory_array_mapped_addresses (type 19)", () => {
    const want = of(19).map((r) => ({
      handle: r.handle,
      starting_address: address(r.fields["Starting Address"], false),
      ending_address: address(r.fields["Ending Address"], true),
      memory_array_handle: (r.fields["Physical Array Handle"] ?? "").toLowerCase(),
      partition_width: r.fields["Partition Width"] ?? "",
    }));
    expect(want.length).toBe(2);
    expect(load().rows.memory_array_mapped_addresses).toEqual(want);
  });

  test("memory_device_mapped_addresses (type 20)", () => {
    const want = of(20).map((r) => ({
      handle: r.handle,
      starting_address: address(r.fields["Starting Address"], false),
      ending_address: address(r.fields["Ending Address"], true),
      memory_device_handle: (r.fields["Physical Device Handle"] ?? "").toLowerCase(),
      memory_array_mapped_address_handle: (r.fields["Memory Array Mapped Address Handle"] ?? "").toLowerCase(),
      // osquery prints the raw byte, 255 where dmidecode says Unknown.
      partition_row_position: r.fields["Partition Row Position"] === "Unknown" ? "255" : (r.fields["Partition Row Position"] ?? ""),
      interleave_position: r.fields["Interleave Position"] ?? "",
      interleave_data_depth: r.fields["Interleaved Data Depth"] ?? "",
    }));
    expect(want.length).toBe(1);
    expect(load().rows.memory_device_mapped_addresses).toEqual(want);
  });

  test("oem_strings (type 11)", () => {
    const want = of(11).flatMap((r) =>
      Object.entries(r.fields)
        .filter(([k]) => /^String \d+$/.test(k))
        .map(([k, v]) => ({ handle: r.handle, number: k.slice("String ".length), value: v.trimEnd() })),
    );
    expect(want.length).toBe(2);
    expect(load().rows.oem_strings).toEqual(want);
  });
});
