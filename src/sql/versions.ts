// Version string comparisons.
//
// Two families live here, and they are NOT interchangeable:
//
// 1. osquery's own comparison (`osqueryVersionCompare`, `compareVersion` and
//    the `OSQUERY_VERSION_COLLATIONS` table). osquery does not implement the
//    distributions' algorithms: its VERSION, VERSION_ARCH, VERSION_DPKG and
//    VERSION_RHEL collations and its `version_compare()` SQL function are one
//    character-by-character heuristic with four switches. It disagrees with
//    dpkg and rpm on real inputs (for osquery '1.0~rc1' > '1.0' under DPKG),
//    but osquery users' queries depend on exactly its answers, so the SQL
//    function uses this family.
//
// 2. The distributions' real algorithms (`compareDpkgVersion` = dpkg's
//    `--compare-versions`, `compareRhelVersion` = rpm's EVR comparison,
//    `compareArchVersion` = pacman's `vercmp`), for code that needs the
//    package manager's true order (sorting packages, picking the newest).
//
// Every exported function returns -1, 0 or 1.

export type OsqueryVersionFlavor = "VERSION" | "ARCH" | "DPKG" | "RHEL";

const sign = (n: number): -1 | 0 | 1 => (n < 0 ? -1 : n > 0 ? 1 : 0);
const utf8 = new TextEncoder();

// ---------------------------------------------------------------------------
// osquery's heuristic
// ---------------------------------------------------------------------------

interface HeuristicOptions {
  /** A version with an epoch (':') sorts above one without; both: earlier colon is smaller. */
  epoch: boolean;
  /** Delimiters order among themselves: ~ < - < ^ < . < : */
  delimPrecedence: boolean;
  /** When one string is a prefix, look at what follows (~ lower, ^ higher, - equal). */
  compRemaining: boolean;
  /** With compRemaining: a pending segment difference only counts after a non-digit. */
  remainderPrecedence: boolean;
}

const FLAVOR_OPTIONS: Record<OsqueryVersionFlavor, HeuristicOptions> = {
  VERSION: { epoch: false, delimPrecedence: false, compRemaining: false, remainderPrecedence: false },
  ARCH: { epoch: true, delimPrecedence: false, compRemaining: true, remainderPrecedence: true },
  DPKG: { epoch: true, delimPrecedence: true, compRemaining: false, remainderPrecedence: false },
  RHEL: { epoch: true, delimPrecedence: true, compRemaining: true, remainderPrecedence: false },
};

/** Rank of a delimiter character (0 = not a delimiter). */
function delimiterRank(byte: number | undefined): number {
  switch (byte) {
    case 0x7e: return 1; // ~
    case 0x2d: return 2; // -
    case 0x5e: return 3; // ^
    case 0x2e: return 4; // .
    case 0x3a: return 5; // :
    default: return 0;
  }
}

// osquery works on the UTF-8 bytes as C `char`, which is signed on the
// platforms it ships for; byte differences beyond ASCII keep that sign.
const signedByte = (b: number): number => (b > 127 ? b - 256 : b);
const isDigitByte = (b: number | undefined): boolean => b !== undefined && b >= 0x30 && b <= 0x39;

function remainderOrder(
  l: Uint8Array,
  r: Uint8Array,
  pos: number,
  diff: number,
  o: HeuristicOptions,
): number {
  // Exactly one side has bytes left at `pos`.
  const [longer, shorter, flip] = l.length === pos ? [r, l, -1] : [l, r, 1];
  const next = longer[pos];
  if (o.compRemaining) {
    if (next === 0x7e) return -flip; // the longer one continues with '~': it is lower
    if (next === 0x2d) return 0; // '-': a missing release compares equal
    if (next === 0x5e) return flip; // '^': it is higher
    if (diff !== 0 && (!o.remainderPrecedence || !isDigitByte(shorter[pos - 1]))) return diff;
  } else if (diff !== 0 && delimiterRank(next) > 0) {
    return diff;
  }
  return l.length - r.length;
}

function heuristic(lText: string, rText: string, o: HeuristicOptions): number {
  const l = utf8.encode(lText);
  const r = utf8.encode(rText);
  if (l.length === 0 || r.length === 0) return sign(l.length - r.length);
  if (lText === rText) return 0;

  if (o.epoch) {
    const le = l.indexOf(0x3a);
    const re = r.indexOf(0x3a);
    if (le >= 0 && re >= 0) {
      if (le !== re) return le - re;
    } else if (le >= 0) {
      return 1;
    } else if (re >= 0) {
      return -1;
    }
  }

  let firstDiff = 0;
  const min = Math.min(l.length, r.length);
  for (let i = 0; i < min; i++) {
    const lb = l[i] as number;
    const rb = r[i] as number;
    const ld = delimiterRank(lb);
    const rd = delimiterRank(rb);
    if (ld === 0 && rd === 0) {
      if (firstDiff === 0) firstDiff = signedByte(lb) - signedByte(rb);
      continue;
    }
    if (ld === 0) return 1; // a segment that goes on beats one that ended
    if (rd === 0) return -1;
    if (firstDiff !== 0) return firstDiff;
    if (o.delimPrecedence && ld !== rd) return ld - rd;
  }
  if (l.length === r.length) return firstDiff;
  return remainderOrder(l, r, min, firstDiff, o);
}

/** osquery's `version_compare(a, b[, flavor])` and `COLLATE VERSION[_flavor]`. */
export function osqueryVersionCompare(a: string, b: string, flavor: OsqueryVersionFlavor = "VERSION"): -1 | 0 | 1 {
  return sign(heuristic(a, b, FLAVOR_OPTIONS[flavor]));
}

/** osquery's generic VERSION collation (osquery defines it; no distribution does). */
export function compareVersion(a: string, b: string): -1 | 0 | 1 {
  return osqueryVersionCompare(a, b, "VERSION");
}

/** osquery's collation names mapped to their comparison, for whoever registers collations. */
export const OSQUERY_VERSION_COLLATIONS: Readonly<Record<string, (a: string, b: string) => -1 | 0 | 1>> = {
  version: (a, b) => osqueryVersionCompare(a, b, "VERSION"),
  version_arch: (a, b) => osqueryVersionCompare(a, b, "ARCH"),
  version_dpkg: (a, b) => osqueryVersionCompare(a, b, "DPKG"),
  version_rhel: (a, b) => osqueryVersionCompare(a, b, "RHEL"),
};

// ---------------------------------------------------------------------------
// dpkg (Debian policy 5.6.12)
// ---------------------------------------------------------------------------

export interface DpkgVersion {
  epoch: number;
  upstream: string;
  revision: string;
}

/** Splits `[epoch:]upstream[-revision]`; the revision follows the LAST hyphen. */
export function parseDpkgVersion(text: string): DpkgVersion {
  const s = text.trim();
  const colon = s.indexOf(":");
  let epoch = 0;
  let rest = s;
  if (colon >= 0) {
    epoch = Number.parseInt(s.slice(0, colon), 10) || 0;
    rest = s.slice(colon + 1);
  }
  const hyphen = rest.lastIndexOf("-");
  return hyphen >= 0
    ? { epoch, upstream: rest.slice(0, hyphen), revision: rest.slice(hyphen + 1) }
    : { epoch, upstream: rest, revision: "" };
}

const isAsciiDigit = (c: string | undefined): boolean => c !== undefined && c >= "0" && c <= "9";
const isAsciiAlpha = (c: string | undefined): boolean =>
  c !== undefined && ((c >= "a" && c <= "z") || (c >= "A" && c <= "Z"));

/** Weight of a character in a non-digit run: '~' below the end, letters below other symbols. */
function dpkgOrder(c: string | undefined): number {
  if (c === undefined || isAsciiDigit(c)) return 0;
  if (isAsciiAlpha(c)) return c.charCodeAt(0);
  if (c === "~") return -1;
  return c.charCodeAt(0) + 256;
}

/** Compares one dpkg version part: alternating non-digit runs (by weight) and numbers. */
function dpkgPartCompare(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while ((i < a.length && !isAsciiDigit(a[i])) || (j < b.length && !isAsciiDigit(b[j]))) {
      const ac = dpkgOrder(a[i]);
      const bc = dpkgOrder(b[j]);
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    while (a[i] === "0") i++;
    while (b[j] === "0") j++;
    let firstDiff = 0;
    while (isAsciiDigit(a[i]) && isAsciiDigit(b[j])) {
      if (firstDiff === 0) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (isAsciiDigit(a[i])) return 1; // a longer number is larger
    if (isAsciiDigit(b[j])) return -1;
    if (firstDiff !== 0) return firstDiff;
  }
  return 0;
}

/** dpkg's order, as `dpkg --compare-versions` decides it. */
export function compareDpkgVersion(a: string, b: string): -1 | 0 | 1 {
  const va = parseDpkgVersion(a);
  const vb = parseDpkgVersion(b);
  if (va.epoch !== vb.epoch) return sign(va.epoch - vb.epoch);
  return sign(dpkgPartCompare(va.upstream, vb.upstream) || dpkgPartCompare(va.revision, vb.revision));
}

// ---------------------------------------------------------------------------
// rpm
// ---------------------------------------------------------------------------

const isAsciiAlnum = (c: string | undefined): boolean => isAsciiDigit(c) || isAsciiAlpha(c);

function compareSegments(x: string, y: string, numeric: boolean): number {
  if (numeric) {
    const xs = x.replace(/^0+/, "");
    const ys = y.replace(/^0+/, "");
    if (xs.length !== ys.length) return xs.length > ys.length ? 1 : -1;
    return xs < ys ? -1 : xs > ys ? 1 : 0;
  }
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Takes the run at `s[i]` of the same class (digits, or letters) as `s[start]` of the other side. */
function takeRun(s: string, i: number, numeric: boolean): number {
  const test = numeric ? isAsciiDigit : isAsciiAlpha;
  while (i < s.length && test(s[i])) i++;
  return i;
}

/**
 * rpm's segment comparison of one version or release string (rpmvercmp):
 * alphanumeric runs, separators ignored, numbers beat letters, '~' sorts
 * before everything including the end, '^' after the end but before anything else.
 */
export function rpmvercmp(a: string, b: string): -1 | 0 | 1 {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while (i < a.length && !isAsciiAlnum(a[i]) && a[i] !== "~" && a[i] !== "^") i++;
    while (j < b.length && !isAsciiAlnum(b[j]) && b[j] !== "~" && b[j] !== "^") j++;
    if (a[i] === "~" || b[j] === "~") {
      if (a[i] !== "~") return 1;
      if (b[j] !== "~") return -1;
      i++;
      j++;
      continue;
    }
    if (a[i] === "^" || b[j] === "^") {
      if (i >= a.length) return -1;
      if (j >= b.length) return 1;
      if (a[i] !== "^") return 1;
      if (b[j] !== "^") return -1;
      i++;
      j++;
      continue;
    }
    if (i >= a.length || j >= b.length) break;
    const numeric = isAsciiDigit(a[i]);
    const ie = takeRun(a, i, numeric);
    const je = takeRun(b, j, numeric);
    if (je === j) return numeric ? 1 : -1; // different classes: the number wins
    const c = compareSegments(a.slice(i, ie), b.slice(j, je), numeric);
    if (c !== 0) return sign(c);
    i = ie;
    j = je;
  }
  if (i >= a.length && j >= b.length) return 0;
  return i < a.length ? 1 : -1;
}

interface Evr {
  epoch: string | undefined;
  version: string;
  release: string | undefined;
}

/** `[epoch:]version[-release]` as rpm and pacman split it: epoch only if all digits before ':'. */
function parseEvr(s: string): Evr {
  let k = 0;
  while (isAsciiDigit(s[k])) k++;
  const hyphen = s.lastIndexOf("-");
  let epoch: string | undefined;
  let versionStart = 0;
  if (s[k] === ":") {
    epoch = k === 0 ? "0" : s.slice(0, k);
    versionStart = k + 1;
  }
  if (hyphen >= versionStart) {
    return { epoch, version: s.slice(versionStart, hyphen), release: s.slice(hyphen + 1) };
  }
  return { epoch, version: s.slice(versionStart), release: undefined };
}

/** rpm's EVR order (as rpm 4.18's `rpm.vercmp`): epoch, version, then release; a release beats none. */
export function compareRhelVersion(a: string, b: string): -1 | 0 | 1 {
  const x = parseEvr(a);
  const y = parseEvr(b);
  const byEpoch = rpmvercmp(x.epoch ?? "0", y.epoch ?? "0");
  if (byEpoch !== 0) return byEpoch;
  const byVersion = rpmvercmp(x.version, y.version);
  if (byVersion !== 0) return byVersion;
  if (x.release !== undefined && y.release !== undefined) return rpmvercmp(x.release, y.release);
  if (x.release !== undefined) return 1;
  if (y.release !== undefined) return -1;
  return 0;
}

// ---------------------------------------------------------------------------
// pacman
// ---------------------------------------------------------------------------

/**
 * pacman's variant of rpmvercmp: no '~'/'^' rules, a longer separator run
 * wins, and a trailing letter run loses to the end of the string.
 */
export function alpmVercmp(a: string, b: string): -1 | 0 | 1 {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  let segEndA = 0;
  let segEndB = 0;
  while (i < a.length && j < b.length) {
    while (i < a.length && !isAsciiAlnum(a[i])) i++;
    while (j < b.length && !isAsciiAlnum(b[j])) j++;
    if (i >= a.length || j >= b.length) break;
    if (i - segEndA !== j - segEndB) return i - segEndA < j - segEndB ? -1 : 1;
    const numeric = isAsciiDigit(a[i]);
    const ie = takeRun(a, i, numeric);
    const je = takeRun(b, j, numeric);
    if (je === j) return numeric ? 1 : -1;
    const c = compareSegments(a.slice(i, ie), b.slice(j, je), numeric);
    if (c !== 0) return sign(c);
    i = segEndA = ie;
    j = segEndB = je;
  }
  if (i >= a.length && j >= b.length) return 0;
  // Whatever is left decides: a letter run is older than nothing, anything else newer.
  if ((i >= a.length && !isAsciiAlpha(b[j])) || isAsciiAlpha(a[i])) return -1;
  return 1;
}

/** pacman's `vercmp`: epoch, version, and the release only when both have one. */
export function compareArchVersion(a: string, b: string): -1 | 0 | 1 {
  if (a === b) return 0;
  const x = parseEvr(a);
  const y = parseEvr(b);
  const byEpoch = alpmVercmp(x.epoch ?? "0", y.epoch ?? "0");
  if (byEpoch !== 0) return byEpoch;
  const byVersion = alpmVercmp(x.version, y.version);
  if (byVersion !== 0 || x.release === undefined || y.release === undefined) return byVersion;
  return alpmVercmp(x.release, y.release);
}
