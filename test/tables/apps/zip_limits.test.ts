// Hostile and damaged jars under a scanned home: a zip bomb (200 MB of zeros
// declaring a 1 KB plugin.xml), an entry honestly declaring 200 MB, corrupt
// deflate data and a truncated entry. None may cost more than its declared,
// capped size; each yields no row and the good plugin beside them is still
// found. The archives are written here, byte by byte, by a ZIP writer that
// shares nothing with src/linux/zip.ts (and the good one by Python's zipfile).
// End to end, dist/osqueryi runs in a private mount namespace where a copy of
// /etc/passwd with a test user whose home is a temp dir is bind-mounted: the
// real /etc/passwd is never written.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateRawSync } from "node:zlib";
import { readZipEntry, ZipFile } from "../../../src/linux/zip.ts";
import { jetbrainsPluginsForHome, MAX_PLUGIN_XML_BYTES } from "../../../tables/apps/jetbrains_plugins.ts";
import { OSQUERYI, runWithPeakRss } from "../../helpers.ts";

const UID = 4242;
const PLUGIN_XML = "<idea-plugin><name>Good Plugin</name><version>1.2.3</version><vendor>Osq</vendor></idea-plugin>\n";
const BOMB_BYTES = 200 * 1024 * 1024;

interface RawEntry {
  readonly name: string;
  /** 0 stored, 8 deflated. */
  readonly method: number;
  /** The bytes written after the local header. */
  readonly data: Buffer;
  /** What both headers declare (a bomb lies here). */
  readonly declaredSize: number;
  readonly declaredCompressedSize?: number;
}

/** A ZIP archive from raw entries: local headers, data, central directory, end record (APPNOTE 4.3). */
function rawZip(entries: readonly RawEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const compressed = e.declaredCompressedSize ?? e.data.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(e.method, 8);
    local.writeUInt32LE(compressed, 18);
    local.writeUInt32LE(e.declaredSize, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(e.method, 10);
    central.writeUInt32LE(compressed, 20);
    central.writeUInt32LE(e.declaredSize, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, e.data);
    centrals.push(central, name);
    offset += 30 + name.length + e.data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

let dir: string;
let home: string;
let product: string;
const jar = (name: string) => join(product, name);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "osq-zip-"));
  home = join(dir, "home");
  product = join(home, ".local/share/JetBrains/IntelliJIdea2024.3");
  mkdirSync(product, { recursive: true });

  const zeros = deflateRawSync(Buffer.alloc(BOMB_BYTES));
  writeFileSync(jar("bomb.jar"), rawZip([{ name: "META-INF/plugin.xml", method: 8, data: zeros, declaredSize: 1000 }]));
  writeFileSync(jar("huge.jar"), rawZip([{ name: "META-INF/plugin.xml", method: 8, data: zeros, declaredSize: BOMB_BYTES }]));
  writeFileSync(jar("bomb-stored-size.jar"), rawZip([{ name: "META-INF/plugin.xml", method: 0, data: Buffer.from(PLUGIN_XML), declaredSize: PLUGIN_XML.length, declaredCompressedSize: 0x7fffffff }]));

  const good = deflateRawSync(Buffer.from(PLUGIN_XML));
  const garbled = Buffer.from(good);
  for (let i = 2; i < garbled.length - 2; i++) garbled[i] = 0xff;
  writeFileSync(jar("corrupt.jar"), rawZip([{ name: "META-INF/plugin.xml", method: 8, data: garbled, declaredSize: PLUGIN_XML.length }]));
  // Half the deflate stream, headers still declaring all of it: the reader
  // runs into the central directory's bytes.
  writeFileSync(
    jar("truncated.jar"),
    rawZip([{ name: "META-INF/plugin.xml", method: 8, data: good.subarray(0, good.length >> 1), declaredSize: PLUGIN_XML.length, declaredCompressedSize: good.length }]),
  );

  const script = "import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:\n    z.writestr('META-INF/plugin.xml', sys.argv[2])\n";
  const py = Bun.spawnSync(["python3", "-c", script, jar("good.jar"), PLUGIN_XML], { stderr: "pipe" });
  if (py.exitCode !== 0) throw new Error(`python3 could not write the good jar (python3 is needed): ${py.stderr.toString()}`);

  copyFileSync("/etc/passwd", join(dir, "passwd"));
  writeFileSync(join(dir, "passwd"), `osqziptest:x:${UID}:${UID}::${home}:/bin/sh\n`, { flag: "a" });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("zip reader limits", () => {
  test("the bomb, the over-limit entry, corrupt and truncated data read as null; the good jar reads", () => {
    for (const name of ["bomb.jar", "huge.jar", "bomb-stored-size.jar", "corrupt.jar", "truncated.jar"]) {
      expect([name, readZipEntry(jar(name), "META-INF/plugin.xml", MAX_PLUGIN_XML_BYTES)]).toEqual([name, null]);
    }
    expect(readZipEntry(jar("good.jar"), "META-INF/plugin.xml")?.toString("utf8")).toBe(PLUGIN_XML);
  });

  test("the declared size bounds the output even under a larger limit", () => {
    const zip = ZipFile.open(jar("bomb.jar"))!;
    try {
      expect(zip.entries[0]!.size).toBe(1000);
      const before = process.memoryUsage().rss;
      expect(zip.read(zip.entries[0]!, BOMB_BYTES * 2)).toBeNull();
      expect(process.memoryUsage().rss - before).toBeLessThan(100 * 1024 * 1024);
    } finally {
      zip.close();
    }
  });

  test("jetbrains_plugins finds the good plugin and nothing from the bad jars", () => {
    const rows = jetbrainsPluginsForHome(home, UID);
    expect(rows).toEqual([
      { product_type: "intellij_idea", uid: UID, path: jar("good.jar"), name: "Good Plugin", version: "1.2.3", vendor: "Osq" },
    ]);
  });
});

describe("through dist/osqueryi", () => {
  test("the scan returns quickly with bounded memory, the good plugin only, and says why at verbose level", async () => {
    if (!existsSync(OSQUERYI)) throw new Error("dist/osqueryi is missing: run `npm run build` first");
    const started = performance.now();
    const r = await runWithPeakRss(
      ["unshare", "-m", "sh", "-c", 'mount --bind "$0" /etc/passwd && exec "$1" --verbose --json "$2"', join(dir, "passwd"), OSQUERYI,
        `select name, version, vendor, path from jetbrains_plugins where uid = ${UID}`],
      20_000,
    );
    const seconds = (performance.now() - started) / 1000;
    const stderr = r.stderr;
    if (r.code !== 0 && /unshare|mount/.test(stderr)) throw new Error(`this test needs root and unshare -m with mount --bind: ${stderr}`);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([{ name: "Good Plugin", version: "1.2.3", vendor: "Osq", path: jar("good.jar") }]);
    expect(seconds).toBeLessThan(10);
    // Baseline is about 55 MB; inflating the bomb alone would add 200 MB.
    expect(r.peakRssBytes).toBeLessThan(150 * 1024 * 1024);
    expect(stderr).toContain(`Skipping META-INF/plugin.xml in ${jar("bomb.jar")}: it inflates past the 1000 bytes it declares`);
    expect(stderr).toContain(`Skipping META-INF/plugin.xml in ${jar("huge.jar")}: it declares ${BOMB_BYTES} bytes, over the ${MAX_PLUGIN_XML_BYTES}-byte limit`);
    expect(stderr).toContain(`Skipping META-INF/plugin.xml in ${jar("corrupt.jar")}: `);
    expect(stderr).toContain(`Skipping META-INF/plugin.xml in ${jar("truncated.jar")}`);
    expect(stderr).toContain(`Skipping META-INF/plugin.xml in ${jar("bomb-stored-size.jar")}: its data runs past the end of the file`);
    expect(readFileSync("/etc/passwd", "utf8")).not.toContain("osqziptest");
  }, 60_000);
});
