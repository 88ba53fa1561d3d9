// yara_file and yara_process through the compiled binary: rules written by the
// test over files it writes and over child processes' memory, checked against
// the bytes the test wrote and against /proc/<pid>/mem read here.
import { afterAll, describe, expect, test } from "bun:test";
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OSQUERYI, osq, query } from "../../helpers.ts";
import { makePki } from "../../remote/server.ts";
import { tool } from "../../tools.ts";

const dir = mkdtempSync(join(tmpdir(), "osq-yara-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Built at run time so that no file or command line of the test holds the literal.
const MARKER = ["OSQ", "YARA", "MARKER", String(6 * 7)].join("_");
const hit = join(dir, "hit.bin");
const clean = join(dir, "clean.txt");
const hitBytes = Buffer.concat([Buffer.from([0, 0xff, 0x10, 0x80]), Buffer.from(`padding ${MARKER} and ${MARKER} again`)]);
writeFileSync(hit, hitBytes);
writeFileSync(clean, "nothing to see here\n");
// Rules and configs live apart from the scanned files, so a LIKE over `dir` sees only these three.
const etc = mkdtempSync(join(tmpdir(), "osq-yara-rules-"));
afterAll(() => rmSync(etc, { recursive: true, force: true }));
const rulesFile = join(dir, "marker.yar");
writeFileSync(
  rulesFile,
  `rule marker : evil sample {\n  strings:\n    $m = "${MARKER}"\n    $h = { FF 10 80 }\n  condition:\n    $m and $h\n}\n// braces in a comment { and a regex do not end the rule early\nrule big { strings: $r = /x{3}/ condition: $r or filesize > 100000 }\n`,
);

const ruleText = (marker: string) => `rule inline : t1 { strings: $a = "${marker}" condition: $a }`;
const sql = (s: string) => s.replaceAll("'", "''");

describe("yara_file", () => {
  test("a sigfile matches the file holding the marker, with the string offsets and tags, and not the clean file", () => {
    const rows = query(`SELECT * FROM yara_file WHERE path IN ('${hit}', '${clean}') AND sigfile = '${rulesFile}'`);
    expect(rows).toEqual([
      { path: clean, matches: "", count: "0", sig_group: "", sigfile: rulesFile, strings: "", tags: "" },
      {
        path: hit,
        matches: "marker",
        count: "1",
        sig_group: "",
        sigfile: rulesFile,
        // Fast mode: each string's first match only, at its offset in hex.
        strings: `$m:${hitBytes.indexOf(MARKER).toString(16)},$h:${hitBytes.indexOf(Buffer.from([0xff, 0x10, 0x80])).toString(16)}`,
        tags: "evil,sample",
      },
    ]);
  });

  test("the alias yara and a LIKE pattern (regular files only)", () => {
    const rows = query(`SELECT path, count FROM yara WHERE path LIKE '${dir}/%' AND sigfile = '${rulesFile}'`);
    expect(rows).toEqual([
      { path: clean, count: "0" },
      { path: hit, count: "1" },
      { path: rulesFile, count: "0" }, // the marker's text, but not the bytes FF 10 80
    ]);
  });

  test("an inline sigrule matches; its strings stay private unless --enable_yara_string", () => {
    const q = `SELECT path, matches, count, strings, tags, sigrule FROM yara_file WHERE path = '${hit}' AND sigrule = '${sql(ruleText(MARKER))}'`;
    expect(query(q)).toEqual([{ path: hit, matches: "inline", count: "1", strings: "", tags: "t1", sigrule: ruleText(MARKER) }]);
    expect(query(q, ["--enable_yara_string"])[0]!.strings).toBe(`$a:${hitBytes.indexOf(MARKER).toString(16)}`);
  });

  test("in a sigrule only each rule's first string is private, as osquery flags it: later strings show", () => {
    const two = `rule two { strings: $first = "${MARKER}" $second = { FF 10 80 } condition: all of them }\nrule anon { strings: $ = "padding" condition: all of them }`;
    const q = `SELECT matches, strings FROM yara_file WHERE path = '${hit}' AND sigrule = '${sql(two)}'`;
    const at = (b: string | Buffer) => hitBytes.indexOf(b).toString(16);
    expect(query(q)).toEqual([{ matches: "two,anon", strings: `$second:${at(Buffer.from([0xff, 0x10, 0x80]))}` }]);
    expect(query(q, ["--enable_yara_string"])).toEqual([{ matches: "two,anon", strings: `$first:${at(MARKER)},$second:${at(Buffer.from([0xff, 0x10, 0x80]))},$:${at("padding")}` }]);
  });

  test("a rule that does not compile gives osquery's messages and no rows", () => {
    const r = osq(["--verbose", "--json", `SELECT * FROM yara_file WHERE path = '${hit}' AND sigrule = 'rule bad { condition: nosuch }'`]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([]);
    expect(r.stderr).toContain('YARA rule string (1): error: undefined identifier "nosuch"');
    expect(r.stderr).toMatch(/^W.*yara\.cpp:\d+\] YARA compile error: Compilation error 1$/m);
    expect(r.stderr).toMatch(/^E.*yara\.cpp:\d+\] Query must specify sig_group, sigfile, sigrule, or sigurl for scan$/m);
  });

  test("a sigfile that does not exist: osquery's yr_rules_load error, and the path at verbose level", () => {
    const missing = join(etc, "missing.yar");
    const r = osq(["--verbose", "--json", `SELECT * FROM yara_file WHERE path = '${hit}' AND sigfile = '${missing}'`]);
    expect(JSON.parse(r.stdout)).toEqual([]);
    expect(r.stderr).toContain(`Could not open file: ${missing} (ENOENT)`);
    expect(r.stderr).toMatch(/^W.*yara\.cpp:\d+\] YARA compile error: Error loading YARA rules: 3$/m);
  });

  test("no rule constraint at all: osquery's error", () => {
    const r = osq(["--json", `SELECT * FROM yara_file WHERE path = '${hit}'`]);
    expect(JSON.parse(r.stdout)).toEqual([]);
    expect(r.stderr).toContain("Query must specify sig_group, sigfile, sigrule, or sigurl for scan");
  });

  test("a file larger than the engine takes is not scanned, and says so at verbose level", () => {
    const big = join(etc, "sparse.bin");
    Bun.spawnSync([tool("truncate", "coreutils"), "-s", "300M", big]); // sparse: no disk used
    const r = osq(["--verbose", "--json", `SELECT count FROM yara_file WHERE path = '${big}' AND sigrule = '${sql(ruleText(MARKER))}'`]);
    expect(JSON.parse(r.stdout)).toEqual([]);
    expect(r.stderr).toContain(`${big} is not scanned: 314572800 bytes is more than the embedded YARA engine takes (268435456)`);
    rmSync(big);
  });

  test("rules saved by yarac are refused with a reason (the embedded engine compiles source only)", () => {
    const saved = join(etc, "saved.yarc");
    writeFileSync(saved, Buffer.concat([Buffer.from("YARA"), Buffer.alloc(60)]));
    const r = osq(["--verbose", "--json", `SELECT count FROM yara_file WHERE path = '${hit}' AND sigfile = '${saved}'`]);
    expect(JSON.parse(r.stdout)).toEqual([]);
    expect(r.stderr).toContain(`YARA rules saved by yarac are not supported, compile from the source instead: ${saved}`);
  });

  test("sig_group from the config's yara.signatures", () => {
    const other = join(etc, "other.yar");
    writeFileSync(other, "rule always { condition: true }\n");
    const config = join(etc, "osquery.conf");
    writeFileSync(config, JSON.stringify({ yara: { signatures: { grp: [rulesFile, other] }, file_paths: { grp: ["tmp"] } } }));
    const rows = query(`SELECT path, matches, count, sig_group, tags FROM yara WHERE path = '${hit}' AND sig_group = 'grp'`, [`--config_path=${config}`]);
    expect(rows).toEqual([{ path: hit, matches: "marker,always", count: "2", sig_group: "grp", tags: "evil,sample" }]);
    expect(query(`SELECT count FROM yara WHERE path = '${hit}' AND sig_group = 'nosuch'`, [`--config_path=${config}`])).toEqual([]);
  });
});

/** A child whose heap holds `text` (built by the child itself, not on its command line). */
function holder(parts: readonly string[]) {
  const python = tool("python3", "python3");
  const code = `import sys,time\nx = "_".join(sys.stdin.readline().split())\nprint("ready", flush=True)\ntime.sleep(120)\n`;
  const child = Bun.spawn([python, "-c", code], { stdin: "pipe", stdout: "pipe" });
  child.stdin.write(`${parts.join(" ")}\n`);
  child.stdin.flush();
  return child;
}

async function waitReady(child: { stdout: ReadableStream<Uint8Array> }): Promise<void> {
  const reader = child.stdout.getReader();
  const { value } = await reader.read();
  if (!new TextDecoder().decode(value).includes("ready")) throw new Error("the python3 child did not start");
  reader.releaseLock();
}

function readMem(pid: number, address: number, length: number): string {
  const fd = openSync(`/proc/${pid}/mem`, "r");
  try {
    const buf = Buffer.alloc(length);
    readSync(fd, buf, 0, length, address);
    return buf.toString("latin1");
  } finally {
    closeSync(fd);
  }
}

describe("yara_process", () => {
  test("a process whose memory holds the marker matches at an address that holds it; a clean one does not", async () => {
    const procRules = join(etc, "proc.yar");
    writeFileSync(procRules, `rule proc_marker : mem {\n  strings:\n    $m = "${MARKER}"\n  condition:\n    $m\n}\n`);
    const withMarker = holder(["OSQ", "YARA", "MARKER", String(6 * 7)]);
    const cleanChild = Bun.spawn([tool("sleep", "coreutils"), "120"]);
    try {
      await waitReady(withMarker);
      const rows = query(`SELECT pid, matches, count, strings, tags, sigfile FROM yara_process WHERE pid IN (${withMarker.pid}, ${cleanChild.pid}) AND sigfile = '${procRules}'`);
      const byPid = new Map(rows.map((r) => [Number(r.pid), r]));
      expect(byPid.get(cleanChild.pid)).toEqual({ pid: String(cleanChild.pid), matches: "", count: "0", strings: "", tags: "", sigfile: procRules });
      const found = byPid.get(withMarker.pid);
      expect(found).toMatchObject({ matches: "proc_marker", count: "1", tags: "mem", sigfile: procRules });
      const m = /^\$m:([0-9a-f]+)$/.exec(found?.strings ?? "");
      expect(m).not.toBeNull();
      // The address osq reports holds the marker, as the kernel shows the child's memory.
      expect(readMem(withMarker.pid, Number.parseInt(m![1]!, 16), MARKER.length)).toBe(MARKER);
    } finally {
      withMarker.kill();
      cleanChild.kill();
    }
  });

  test("a pid that does not exist gives no row", () => {
    expect(query(`SELECT * FROM yara_process WHERE pid = 999999999 AND sigrule = '${sql(ruleText(MARKER))}'`)).toEqual([]);
  });
});

describe("sigurl", () => {
  test("rules come only from a URL the config's signature_urls allows, over TLS checked against --tls_server_certs", async () => {
    const pki = makePki();
    const seen: string[] = [];
    const server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      tls: { cert: readFileSync(pki.serverCert, "utf8"), key: readFileSync(pki.serverKey, "utf8") },
      fetch(req) {
        seen.push(new URL(req.url).pathname);
        return new Response(ruleText(MARKER));
      },
    });
    try {
      const base = `https://localhost:${server.port}`;
      const config = join(etc, "urls.conf");
      writeFileSync(config, JSON.stringify({ yara: { signature_urls: [`${base}/rules/.*\\.yar`] } }));
      const run = async (url: string, extra: string[] = []) => {
        const p = Bun.spawn([OSQUERYI, "--json", `--config_path=${config}`, `--tls_server_certs=${pki.caFile}`, ...extra, `SELECT path, matches, sigurl FROM yara_file WHERE path = '${hit}' AND sigurl = '${url}'`], { stdout: "pipe", stderr: "pipe" });
        const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
        return { rows: JSON.parse(out) as Record<string, string>[], stderr: err };
      };
      expect((await run(`${base}/rules/a.yar`)).rows).toEqual([{ path: hit, matches: "inline", sigurl: `${base}/rules/a.yar` }]);
      expect(seen).toEqual(["/rules/a.yar"]);
      // Outside the allowed path pattern: never requested.
      const refused = await run(`${base}/other/a.yar`);
      expect(refused.rows).toEqual([]);
      expect(refused.stderr).toContain(`Failed to get YARA rule url: ${base}/other/a.yar`);
      expect(seen).toEqual(["/rules/a.yar"]);
      // A server the CA bundle does not vouch for gives no rules.
      const untrusted = await run(`${base}/rules/b.yar`, ["--tls_server_certs=/dev/null"]);
      expect(untrusted.rows).toEqual([]);
    } finally {
      server.stop(true);
      rmSync(pki.dir, { recursive: true, force: true });
    }
  });
});
