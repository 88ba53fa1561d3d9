// osquery's split() (any delimiter character, empty pieces dropped, each piece
// trimmed as boost::trim does in the C locale), checked against tr and awk
// running with LC_ALL=C: the SQL function, the library copy and a table parser
// that uses it must all cut the same text the same way.
import { describe, expect, test } from "bun:test";
import { osquerySplit, osquerySplitN } from "../../src/linux/split.ts";
import { parseHosts } from "../../tables/network/etc_hosts.ts";
import { query } from "../helpers.ts";

/** The pieces as tr + C-locale awk cut them: delimiters to \001, empty records dropped, [[:space:]] trimmed. */
function reference(text: string, delims: string): string[] {
  const r = Bun.spawnSync(
    ["sh", "-c", `printf %s "$1" | tr "$2" '\\001' | LC_ALL=C awk -v RS='\\001' 'length($0) > 0 { sub(/^[[:space:]]+/, ""); sub(/[[:space:]]+$/, ""); printf "%s\\002", $0 }'`, "sh", text, delims],
    { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", LC_ALL: "C" } },
  );
  if (r.exitCode !== 0) throw new Error(`tr/awk reference failed (are coreutils and awk installed?): ${r.stderr.toString()}`);
  const out = r.stdout.toString();
  return out === "" ? [] : out.slice(0, -1).split("\u0002");
}

const NBSP = "\u00a0";
const IDEOGRAPHIC_SPACE = "\u3000";
const CASES: [text: string, delims: string][] = [
  ["a b\t\tc  d", " \t"],
  [`  ${NBSP}x${NBSP} y `, " "],
  [`k=v, \v w\f ,,${IDEOGRAPHIC_SPACE}z${IDEOGRAPHIC_SPACE}`, ","],
  ["a:b=c::=d", ":="],
  ["one\n  \n\ttwo\t\n\nthree", "\n"],
  [" , ,", ","],
];

describe("osquery split()", () => {
  test("the library copy cuts like tr + awk in the C locale (Unicode spaces are not trimmed)", () => {
    for (const [text, delims] of CASES) {
      expect({ text, pieces: osquerySplit(text, delims) }).toEqual({ text, pieces: reference(text, delims) });
    }
    expect(osquerySplit(`${NBSP}a${NBSP}`, " ")).toEqual([`${NBSP}a${NBSP}`]);
  });

  test("SQL split() in dist/osq gives the same pieces", () => {
    const sqlString = (s: string) => `'${s.replaceAll("'", "''")}'`;
    for (const [text, delims] of CASES) {
      const expected = reference(text, delims);
      const cols = [...expected.keys(), expected.length].map((i) => `split(${sqlString(text)}, ${sqlString(delims)}, ${i}) AS p${i}`);
      const [row] = query(`SELECT ${cols.join(", ")}`);
      const got = [...expected.keys()].map((i) => row![`p${i}`]);
      // Past the last piece split() is NULL, which the shell's JSON shows as "".
      expect({ text, got, past: row![`p${expected.length}`] }).toEqual({ text, got: expected, past: "" });
    }
  });

  test("a table parser (etc_hosts) keeps a non-breaking space that ends a hostname", () => {
    expect(parseHosts(`127.0.0.1 ${NBSP}host${NBSP} other\n`)).toEqual([{ address: "127.0.0.1", hostnames: `${NBSP}host${NBSP} other` }]);
  });

  test("split(s, delim, n) joins what is past the n-th piece back with the delimiter", () => {
    expect(osquerySplitN("a = b = c", "=", 1)).toEqual(["a", "b=c"]);
    expect(osquerySplitN("k.v", ".", 2)).toEqual(["k", "v"]);
  });
});
