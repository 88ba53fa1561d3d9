import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import shadow, { parseShadow, shadowRow, type ShadowEntry } from "../../../tables/accounts/shadow.ts";
import { generate, OSQUERYI, query } from "../../helpers.ts";
import { run } from "./fixtures.ts";

// Independent source: shadow-utils' `passwd -S -a` (status L/NP/P, last change
// date, min, max, warn, inactive), which reads the same database through PAM/NSS.
function passwdStatus(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const l of run(["passwd", "-S", "-a"]).stdout.split("\n").filter(Boolean)) {
    const f = l.split(/\s+/);
    out.set(f[0]!, f.slice(1));
  }
  return out;
}

const STATUS: Record<string, string> = { locked: "L", empty: "NP", active: "P", not_set: "L" };

describe("shadow", () => {
  test("as root: every account agrees with passwd -S -a", async () => {
    const rows = await generate(shadow);
    const want = passwdStatus();
    expect(rows.length).toBe(want.size);
    for (const r of rows) {
      const [status, date, min, max, warn, inactive] = want.get(String(r.username))!;
      expect(STATUS[String(r.password_status)]).toBe(status);
      if (/^\d{4}-\d\d-\d\d$/.test(date!)) expect(r.last_change).toBe(Date.parse(`${date}T00:00:00Z`) / 86400000);
      expect([r.min, r.max, r.warning, r.inactive]).toEqual([min, max, warn, inactive].map(Number));
    }
  });

  test("username = selects one account", async () => {
    const [first] = passwdStatus().keys();
    const rows = await generate(shadow, { username: [["=", first!]] });
    expect(rows.map((r) => r.username)).toEqual([first]);
  });

  test("fixture: statuses, hash ids, empty fields and malformed lines", () => {
    const text = [
      "root:$y$j9T$abc$def:19000:0:99999:7:::",
      "svc:!!:19001::::::",
      "lockedhash:!$6$salt$hash:19002:1:2:3:4:5:6",
      "star:*:19003:0:99999:7:::",
      "nopw::19004:0:99999:7:::",
      "old:$1$x$y",
      "# comment",
      "",
      "bad:x:notanumber:0:99999:7:::",
      "short:x:1:2",
    ].join("\n");
    const rows = parseShadow(text).map(shadowRow);
    expect(rows.map((r) => [r.username, r.password_status, r.hash_alg])).toEqual([
      ["root", "active", "y"],
      ["svc", "not_set", null],
      ["lockedhash", "locked", null],
      ["star", "locked", null],
      ["nopw", "empty", null],
    ]);
    expect(rows[0]).toMatchObject({ last_change: 19000, min: 0, max: 99999, warning: 7, inactive: -1, expire: -1, flag: null });
    expect(rows[1]).toMatchObject({ last_change: 19001, min: -1, max: -1, warning: -1 });
    expect(rows[2]).toMatchObject({ min: 1, max: 2, warning: 3, inactive: 4, expire: 5, flag: 6 });
  });

  test("e2e: root sees every account; an unprivileged user gets no rows", () => {
    expect(query("SELECT username FROM shadow").map((r) => r.username)).toEqual([...passwdStatus().keys()]);
    const r = run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", OSQUERYI, "--json", "SELECT * FROM shadow"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([]);
  });
});

describe("shadow parsing against glibc", () => {
  test("a fixture of odd lines reads as glibc's fgetspent reads it (python3 ctypes)", () => {
    const text = [
      "root:$6$x:19000:0:99999:7:::",
      "  lead:*:1:2:3:4:5:6:7",
      "# c",
      "",
      "two:pw",
      "three:pw:1",
      "bad:pw:abc::::::",
      "extra:pw:1:2:3:4:5:6:7:8",
      "colon:pw:1::::::",
      "flagempty:pw:1:2:3:4:5:6:",
      "+nis",
      "-nis2:",
      ":noname:1::::::",
    ].join("\n") + "\n";
    const dir = mkdtempSync(join(tmpdir(), "osq-shadow-"));
    try {
      const file = join(dir, "shadow");
      writeFileSync(file, text);
      const py = `import ctypes, json, sys
libc = ctypes.CDLL("libc.so.6")
class SP(ctypes.Structure):
    _fields_ = [("namp", ctypes.c_char_p), ("pwdp", ctypes.c_char_p), ("lstchg", ctypes.c_long), ("min", ctypes.c_long), ("max", ctypes.c_long),
                ("warn", ctypes.c_long), ("inact", ctypes.c_long), ("expire", ctypes.c_long), ("flag", ctypes.c_ulong)]
libc.fopen.restype = ctypes.c_void_p
libc.fgetspent.restype = ctypes.POINTER(SP)
libc.fgetspent.argtypes = [ctypes.c_void_p]
f = libc.fopen(sys.argv[1].encode(), b"r")
out = []
while True:
    p = libc.fgetspent(f)
    if not p: break
    e = p.contents
    out.append({"username": e.namp.decode(), "password": e.pwdp and e.pwdp.decode(), "lastChange": e.lstchg, "min": e.min, "max": e.max,
                "warning": e.warn, "inactive": e.inact, "expire": e.expire, "flag": None if e.flag == 2**64 - 1 else e.flag})
print(json.dumps(out))`;
      const r = Bun.spawnSync(["python3", "-c", py, file]);
      expect(r.exitCode, `python3 with ctypes is needed to ask glibc: ${r.stderr.toString()}`).toBe(0);
      const glibc = JSON.parse(r.stdout.toString()) as ShadowEntry[];
      expect(glibc.map((e) => e.username)).toContain("+nis");
      expect(parseShadow(text)).toEqual(glibc);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("username IN (...): each name once, in text order", () => {
    const rows = query("SELECT username FROM shadow WHERE username IN ('root', 'daemon', 'root')");
    const present = ["daemon", "root"].filter((n) => Bun.spawnSync(["getent", "shadow", n]).exitCode === 0);
    expect(present.length, "needs root and daemon in /etc/shadow, read as root").toBe(2);
    expect(rows.map((r) => r.username)).toEqual(present);
  });
});
