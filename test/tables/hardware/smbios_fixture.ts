// Builds SMBIOS structure tables byte by byte for the SMBIOS-backed table
// tests (this VM has no /sys/firmware/dmi/tables/DMI).
export interface FixtureStruct {
  readonly type: number;
  readonly handle: number;
  /** Formatted area after the 4-byte header, as [offset, size, value] fields. */
  readonly length: number;
  readonly fields: ReadonlyArray<readonly [offset: number, size: 1 | 2 | 4 | 8, value: number | bigint]>;
  readonly strings: readonly string[];
}

export function encodeStruct(s: FixtureStruct): Uint8Array {
  const formatted = new Uint8Array(s.length);
  const view = new DataView(formatted.buffer);
  view.setUint8(0, s.type);
  view.setUint8(1, s.length);
  view.setUint16(2, s.handle, true);
  for (const [offset, size, value] of s.fields) {
    if (size === 1) view.setUint8(offset, Number(value));
    else if (size === 2) view.setUint16(offset, Number(value), true);
    else if (size === 4) view.setUint32(offset, Number(value), true);
    else view.setBigUint64(offset, BigInt(value), true);
  }
  const strings = s.strings.length === 0 ? "\0\0" : s.strings.map((x) => x + "\0").join("") + "\0";
  const out = new Uint8Array(s.length + strings.length);
  out.set(formatted);
  out.set(Buffer.from(strings, "latin1"), s.length);
  return out;
}

export function encodeTable(structs: readonly FixtureStruct[], padding = 0): Uint8Array {
  const parts = structs.map(encodeStruct);
  const total = parts.reduce((n, p) => n + p.length, 0) + padding;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export const BIOS: FixtureStruct = {
  type: 0, handle: 0x0000, length: 0x18,
  fields: [[0x04, 1, 1], [0x05, 1, 2], [0x06, 2, 0xe800], [0x08, 1, 3], [0x09, 1, 0x3f], [0x14, 1, 5], [0x15, 1, 17], [0x16, 1, 0xff], [0x17, 1, 0xff]],
  strings: ["Acme BIOS Inc.  ", "1.2.3", "03/14/2024"],
};

function processor(handle: number, type: number, socket: string): FixtureStruct {
  return {
    type: 4, handle, length: 0x30,
    fields: [[0x04, 1, 1], [0x05, 1, type], [0x06, 1, 0xb3], [0x07, 1, 2], [0x10, 1, 3], [0x14, 2, 4000], [0x16, 2, 2600],
      [0x18, 1, 0x41], [0x23, 1, 8], [0x24, 1, 8], [0x25, 1, 16], [0x26, 2, 0x00fc]],
    strings: [socket, "GenuineIntel", "Xeon Fake CPU @ 2.60GHz"],
  };
}

export const CPU0 = processor(0x0400, 3, "CPU 0");
export const CPU_OTHER = { ...processor(0x0401, 1, "CPU X"), fields: [...processor(0x0401, 1, "CPU X").fields, [0x26, 2, 0x0002] as const] };
export const CPU1 = processor(0x0402, 3, "CPU 1");

export const OEM: FixtureStruct = { type: 11, handle: 0x0b00, length: 5, fields: [[0x04, 1, 2]], strings: ["OEM one", "OEM two "] };

export const ARRAY: FixtureStruct = {
  type: 16, handle: 0x1000, length: 0x17,
  fields: [[0x04, 1, 0x03], [0x05, 1, 0x03], [0x06, 1, 0x06], [0x07, 4, 0x02000000], [0x0b, 2, 0xfffe], [0x0d, 2, 2]],
  strings: [],
};

export const ARRAY_EXT: FixtureStruct = {
  type: 16, handle: 0x1001, length: 0x17,
  fields: [[0x04, 1, 0xa0], [0x05, 1, 0x09], [0x06, 1, 0x03], [0x07, 4, 0x80000000], [0x0b, 2, 0x1800], [0x0d, 2, 16], [0x0f, 8, 2n ** 41n]],
  strings: [],
};

export const DIMM: FixtureStruct = {
  type: 17, handle: 0x1100, length: 0x28,
  fields: [[0x04, 2, 0x1000], [0x06, 2, 0xfffe], [0x08, 2, 72], [0x0a, 2, 64], [0x0c, 2, 0x7fff], [0x0e, 1, 0x09], [0x0f, 1, 0xff],
    [0x10, 1, 1], [0x11, 1, 2], [0x12, 1, 0x1a], [0x13, 2, 0x2080], [0x15, 2, 3200], [0x17, 1, 3], [0x18, 1, 4], [0x19, 1, 5],
    [0x1a, 1, 6], [0x1c, 4, 65536], [0x20, 2, 2933], [0x22, 2, 1200], [0x24, 2, 1260], [0x26, 2, 0]],
  strings: ["DIMM_A1", "BANK 0", "Samsung", "0x1234ABCD", "Not Specified", "M393A4K40DB3-CWE   "],
};

export const EMPTY_SLOT: FixtureStruct = {
  type: 17, handle: 0x1101, length: 0x28,
  fields: [[0x04, 2, 0x1000], [0x08, 2, 0xffff], [0x0a, 2, 0xffff], [0x0c, 2, 0], [0x0e, 1, 0x02], [0x0f, 1, 1], [0x10, 1, 1], [0x12, 1, 0x02], [0x13, 2, 0x0004]],
  strings: ["DIMM_B1"],
};

export const ERROR_INFO: FixtureStruct = {
  type: 18, handle: 0x1800, length: 0x17,
  fields: [[0x04, 1, 0x03], [0x05, 1, 0x02], [0x06, 1, 0x02], [0x07, 4, 0], [0x0b, 4, 0x80000000], [0x0f, 4, 0x12345678], [0x13, 4, 0x80000000]],
  strings: [],
};

export const ARRAY_MAP: FixtureStruct = {
  type: 19, handle: 0x1300, length: 0x1f,
  fields: [[0x04, 4, 0], [0x08, 4, 0x01ffffff], [0x0c, 2, 0x1000], [0x0e, 1, 2]],
  strings: [],
};

export const ARRAY_MAP_EXT: FixtureStruct = {
  type: 19, handle: 0x1301, length: 0x1f,
  fields: [[0x04, 4, 0xffffffff], [0x08, 4, 0xffffffff], [0x0c, 2, 0x1001], [0x0e, 1, 1], [0x0f, 8, 0x100000000n], [0x17, 8, 0x47fffffffn]],
  strings: [],
};

export const DEVICE_MAP: FixtureStruct = {
  type: 20, handle: 0x1400, length: 0x23,
  fields: [[0x04, 4, 0x00000000], [0x08, 4, 0x00ffffff], [0x0c, 2, 0x1100], [0x0e, 2, 0x1300], [0x10, 1, 0xff], [0x11, 1, 1], [0x12, 1, 2]],
  strings: [],
};

export const END: FixtureStruct = { type: 127, handle: 0xfeff, length: 4, fields: [], strings: [] };

export const ALL = [BIOS, CPU0, CPU_OTHER, CPU1, OEM, ARRAY, ARRAY_EXT, DIMM, EMPTY_SLOT, ERROR_INFO, ARRAY_MAP, ARRAY_MAP_EXT, DEVICE_MAP, END];

/** The whole fixture table, with zero padding after End-of-Table as firmware leaves it. */
export function fixtureTable(): Uint8Array {
  return encodeTable(ALL, 64);
}
