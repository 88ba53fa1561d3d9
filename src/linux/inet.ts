// IP address text forms as osquery prints them. osquery formats addresses
// with glibc's inet_ntop (or getnameinfo, which uses it), so these follow
// glibc's rules exactly: IPv6 compresses the longest run of two or more zero
// groups (the first one on a tie) and shows IPv4-compatible/-mapped
// addresses with a dotted tail.

/** Dotted quad from four bytes in network order. */
export function formatIPv4(bytes: ArrayLike<number>, offset = 0): string {
  return `${bytes[offset]}.${bytes[offset + 1]}.${bytes[offset + 2]}.${bytes[offset + 3]}`;
}

/** glibc inet_ntop(AF_INET6) of sixteen bytes in network order. */
export function formatIPv6(bytes: ArrayLike<number>, offset = 0): string {
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push(((bytes[offset + 2 * i] ?? 0) << 8) | (bytes[offset + 2 * i + 1] ?? 0));
  // Longest run of zero words; runs of one word are not compressed.
  let bestBase = -1;
  let bestLen = 0;
  let curBase = -1;
  let curLen = 0;
  for (let i = 0; i < 8; i++) {
    if (words[i] === 0) {
      if (curBase < 0) {
        curBase = i;
        curLen = 1;
      } else curLen++;
    } else if (curBase >= 0) {
      if (curLen > bestLen) [bestBase, bestLen] = [curBase, curLen];
      curBase = -1;
    }
  }
  if (curBase >= 0 && curLen > bestLen) [bestBase, bestLen] = [curBase, curLen];
  if (bestLen < 2) bestBase = -1;

  let out = "";
  for (let i = 0; i < 8; i++) {
    if (bestBase >= 0 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) out += ":";
      continue;
    }
    if (i !== 0) out += ":";
    // glibc prints ::a.b.c.d (compatible) and ::ffff:a.b.c.d (mapped).
    if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && words[5] === 0xffff))) {
      out += formatIPv4(bytes, offset + 12);
      break;
    }
    out += (words[i] ?? 0).toString(16);
  }
  if (bestBase >= 0 && bestBase + bestLen === 8) out += ":";
  return out;
}

/**
 * Decodes an address as the kernel prints it in /proc/net/{tcp,udp,...}: the
 * in-memory words of the address, each printed as a host-order (little-endian
 * on every Linux ABI osq targets) 32-bit hex number. Wrong lengths give "",
 * as osquery does.
 */
export function decodeProcNetAddress(hex: string, family: 2 | 10): string {
  const words = family === 2 ? 1 : 4;
  if (hex.length !== words * 8) return "";
  const bytes = new Uint8Array(words * 4);
  for (let w = 0; w < words; w++) {
    const n = Number.parseInt(hex.slice(w * 8, w * 8 + 8), 16);
    if (Number.isNaN(n)) return "";
    bytes[w * 4] = n & 0xff;
    bytes[w * 4 + 1] = (n >>> 8) & 0xff;
    bytes[w * 4 + 2] = (n >>> 16) & 0xff;
    bytes[w * 4 + 3] = (n >>> 24) & 0xff;
  }
  return family === 2 ? formatIPv4(bytes) : formatIPv6(bytes);
}

/** Sixteen bytes in network order from 32 hex digits (as in /proc/net/ipv6_route and if_inet6). */
export function ipv6FromHex(hex: string): string {
  if (hex.length !== 32) return "";
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 16; i++) bytes[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return formatIPv6(bytes);
}

/** A 4-digit hex port (or protocol) as in /proc/net files; other lengths give 0 like osquery. */
export function decodeHexShort(hex: string): number {
  if (hex.length !== 4) return 0;
  const n = Number.parseInt(hex, 16);
  return Number.isNaN(n) ? 0 : n;
}

/** Number of leading one bits of a mask given as bytes (osquery's netmaskFromIP). */
export function prefixLength(bytes: ArrayLike<number>): number {
  let bits = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] ?? 0;
    for (let bit = 7; bit >= 0; bit--) {
      if ((b & (1 << bit)) === 0) break;
      bits++;
    }
  }
  return bits;
}
