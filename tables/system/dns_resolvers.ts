// dns_resolvers: the resolver configuration libc's res_init(3) loads from
// /etc/resolv.conf: nameservers, sortlist entries and search domains.
//
// As osquery (which reads glibc's _res after res_init): at most 3
// nameservers (127.0.0.1 when none is configured), netmask "32" for each;
// sortlist entries with their mask as the integer glibc stores (network byte
// order read as a native little-endian u32), classful when none is given;
// at most 6 search domains from the last "search" or "domain" line (or
// $LOCALDOMAIN, or the domain part of the host name); ids count within each
// type; options is the resolver flag word on every row (705 =
// RES_INIT|RES_RECURSE|RES_DEFNAMES|RES_DNSRCH by default, plus the flags of
// "options" lines and $RES_OPTIONS). IPv6 nameservers are shown with their
// address (osquery shows them empty, a known bug: networking/posix/dns_resolvers.cpp
// formats _res.nsaddr_list, where glibc leaves IPv6 servers unset and keeps
// them in _res._u._ext.nsaddrs).
import { hostname } from "node:os";
import { isIPv4, isIPv6 } from "node:net";
import { forEachNamespace } from "../../src/linux/namespaces.ts";
import { readText } from "../../src/linux/proc.ts";
import { defineTable, type Row } from "../../src/table.ts";

const MAXNS = 3;
const MAXDNSRCH = 6;
const MAXRESOLVSORT = 10;

const RES_INIT = 0x1;
const RES_DEFAULT = 0x40 | 0x80 | 0x200; // RECURSE | DEFNAMES | DNSRCH

/** glibc's option names → flag to set (or, for ip6-dotint, clear); longest names first as glibc matches by prefix. */
const OPTION_FLAGS: ReadonlyArray<readonly [string, number, boolean?]> = [
  ["rotate", 0x4000],
  ["edns0", 0x100000],
  ["single-request-reopen", 0x400000],
  ["single-request", 0x200000],
  ["no_tld_query", 0x1000000],
  ["no-tld-query", 0x1000000],
  ["no-reload", 0x2000000],
  ["use-vc", 0x8],
  ["trust-ad", 0x4000000],
  ["no-aaaa", 0x8000000],
  ["inet6", 0x2000],
  ["ip6-bytestring", 0x40000],
  ["no-ip6-dotint", 0x80000],
  ["ip6-dotint", 0x80000, true],
  ["debug", 0x2],
];

export default defineTable({
  name: "dns_resolvers",
  columns: {
    id: "INTEGER",
    type: "TEXT",
    address: "TEXT",
    netmask: "TEXT",
    options: "BIGINT",
    pid_with_namespace: "INTEGER hidden additional",
  },
  generate(ctx) {
    return forEachNamespace(ctx, (ns) =>
      resolverRows(parseResolvConf(readText(`${ns.root}/etc/resolv.conf`) ?? "", {
        hostname: hostname(),
        localDomain: process.env.LOCALDOMAIN,
        resOptions: process.env.RES_OPTIONS,
      })),
    );
  },
});

export interface ResolverState {
  readonly nameservers: string[];
  readonly sortlist: { address: string; mask: number }[];
  readonly search: string[];
  readonly options: number;
}

export interface ResolverEnv {
  readonly hostname?: string;
  readonly localDomain?: string;
  readonly resOptions?: string;
}

export function parseResolvConf(text: string, env: ResolverEnv = {}): ResolverState {
  const nameservers: string[] = [];
  const sortlist: { address: string; mask: number }[] = [];
  let search: string[] | null = null;
  let options = RES_DEFAULT;

  for (const raw of text.split("\n")) {
    if (raw.startsWith(";") || raw.startsWith("#")) continue;
    const m = /^(\S+)[ \t]+(.*)$/.exec(raw);
    if (!m) continue;
    const keyword = m[1] as string;
    const words = (m[2] as string).split(/[ \t]+/).filter(Boolean);
    if (keyword === "domain" && env.localDomain === undefined) {
      if (words[0]) search = [words[0]];
    } else if (keyword === "search" && env.localDomain === undefined) {
      if (words.length > 0) search = words.slice(0, MAXDNSRCH);
    } else if (keyword === "nameserver") {
      const addr = words[0];
      if (addr && nameservers.length < MAXNS && (isIPv4Loose(addr) || isIPv6(addr.split("%")[0] as string))) {
        nameservers.push(addr);
      }
    } else if (keyword === "sortlist") {
      for (const w of words) {
        if (sortlist.length >= MAXRESOLVSORT) break;
        const [addr, mask] = w.split(/[/&]/);
        if (!addr || !isIPv4(addr)) continue;
        const maskBytes = mask && isIPv4(mask) ? mask.split(".").map(Number) : classfulMask(addr);
        sortlist.push({ address: addr, mask: littleEndianU32(maskBytes) });
      }
    } else if (keyword === "options") {
      options = applyOptions(options, words);
    }
  }
  if (env.resOptions) options = applyOptions(options, env.resOptions.split(/[ \t]+/));

  if (env.localDomain !== undefined) {
    search = env.localDomain.split(/[ \t]+/).filter(Boolean).slice(0, MAXDNSRCH);
  } else if (search === null) {
    const dot = (env.hostname ?? "").indexOf(".");
    search = dot >= 0 ? [(env.hostname as string).slice(dot + 1)] : [];
  }
  if (nameservers.length === 0) nameservers.push("127.0.0.1");
  return { nameservers, sortlist, search, options: options | RES_INIT };
}

export function resolverRows(state: ResolverState): Row[] {
  const rows: Row[] = [];
  state.nameservers.forEach((address, id) =>
    rows.push({ id, type: "nameserver", address, netmask: "32", options: state.options, pid_with_namespace: 0 }),
  );
  // osquery (tables/networking/posix/dns_resolvers.cpp) passes the sortlist's
  // struct in_addr to getnameinfo as if it were a sockaddr, so its family is
  // read from the address bytes and the address comes out "" or garbage; osq
  // shows the configured address instead of copying that bug.
  state.sortlist.forEach((s, id) =>
    rows.push({ id, type: "sortlist", address: s.address, netmask: String(s.mask), options: state.options, pid_with_namespace: 0 }),
  );
  state.search.forEach((address, id) =>
    rows.push({ id, type: "search", address, options: state.options, pid_with_namespace: 0 }),
  );
  return rows;
}

function applyOptions(flags: number, words: readonly string[]): number {
  let out = flags;
  for (const w of words) {
    const hit = OPTION_FLAGS.find(([name]) => w.startsWith(name));
    if (!hit) continue;
    const [, bit, clear] = hit;
    out = clear ? out & ~bit : out | bit;
  }
  return out >>> 0;
}

/** inet_aton also takes shorthand like "10.1"; accept what Node calls IPv4 plus those forms. */
function isIPv4Loose(s: string): boolean {
  return isIPv4(s) || /^\d+(\.\d+){0,2}$/.test(s);
}

function classfulMask(addr: string): number[] {
  const first = Number(addr.split(".")[0]);
  if (first < 128) return [255, 0, 0, 0];
  if (first < 192) return [255, 255, 0, 0];
  return [255, 255, 255, 0];
}

function littleEndianU32(bytes: readonly number[]): number {
  return ((bytes[0] ?? 0) | ((bytes[1] ?? 0) << 8) | ((bytes[2] ?? 0) << 16) | ((bytes[3] ?? 0) << 24)) >>> 0;
}
