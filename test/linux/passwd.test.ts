// /etc/passwd and /etc/group parsing against glibc's own fgetpwent and
// fgetgrent (through python3 ctypes), the readers behind osquery's users and
// groups tables, on fixtures full of odd lines.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseGroup, parsePasswd, type GroupEntry, type PasswdEntry } from "../../src/linux/passwd.ts";

const GLIBC_READER = `import ctypes, json, sys
libc = ctypes.CDLL("libc.so.6")
class PW(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("passwd", ctypes.c_char_p), ("uid", ctypes.c_uint32), ("gid", ctypes.c_uint32),
                ("gecos", ctypes.c_char_p), ("dir", ctypes.c_char_p), ("shell", ctypes.c_char_p)]
libc.fopen.restype = ctypes.c_void_p
libc.fgetpwent.restype = ctypes.POINTER(PW)
libc.fgetpwent.argtypes = [ctypes.c_void_p]
f = libc.fopen(sys.argv[1].encode(), b"r")
d = lambda b: None if b is None else b.decode()
out = []
while True:
    p = libc.fgetpwent(f)
    if not p: break
    e = p.contents
    out.append({"username": d(e.name), "password": d(e.passwd), "uid": e.uid, "gid": e.gid, "gecos": d(e.gecos), "home": d(e.dir), "shell": d(e.shell)})
print(json.dumps(out))`;

const FIXTURE = [
  "root:x:0:0:root:/root:/bin/bash",
  "  lead:x:1:1:g:/h:/s",
  "# comment",
  "",
  "short:x:5:6",
  "bad:x:abc:1:g:/h:/s",
  "neg:x:-1:-2:g:/h:/s",
  "sp:x: 7:+8:g:/h:/s",
  "max:x:4294967295:1:g:/h:/s",
  "over:x:4294967296:1:g:/h:/s",
  "colon:x:9:9:g:/h:/bin/sh:extra:more",
  "cr:x:10:10:g:/h:/s\r",
  "+nis:x::::/h:/s",
  "-nis2:x:::",
  "empty::11:11:::",
  "junk:x:1a:1:g:/h:/s",
  "nogid:x:12",
  "hash#:x:13:13:#g:/h:/s",
].join("\n") + "\n";

describe("parsePasswd", () => {
  test("reads a fixture exactly as glibc's fgetpwent does", () => {
    const dir = mkdtempSync(join(tmpdir(), "osq-passwd-"));
    try {
      const file = join(dir, "passwd");
      writeFileSync(file, FIXTURE);
      const r = Bun.spawnSync(["python3", "-c", GLIBC_READER, file]);
      expect(r.exitCode, `python3 with ctypes is needed to ask glibc: ${r.stderr.toString()}`).toBe(0);
      const glibc = JSON.parse(r.stdout.toString()) as PasswdEntry[];
      expect(JSON.stringify(glibc)).toContain(`"username":"colon"`);
      expect(parsePasswd(FIXTURE)).toEqual(glibc);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const GLIBC_GROUP_READER = `import ctypes, json, sys
libc = ctypes.CDLL("libc.so.6")
class GR(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("passwd", ctypes.c_char_p), ("gid", ctypes.c_uint32), ("mem", ctypes.POINTER(ctypes.c_char_p))]
libc.fopen.restype = ctypes.c_void_p
libc.fgetgrent.restype = ctypes.POINTER(GR)
libc.fgetgrent.argtypes = [ctypes.c_void_p]
f = libc.fopen(sys.argv[1].encode(), b"r")
out = []
while True:
    p = libc.fgetgrent(f)
    if not p: break
    e = p.contents
    mem = []
    i = 0
    while e.mem and e.mem[i] is not None:
        mem.append(e.mem[i].decode()); i += 1
    out.append({"groupname": e.name.decode(), "password": e.passwd.decode(), "gid": e.gid, "members": mem})
print(json.dumps(out))`;

const GROUP_FIXTURE = [
  "root:x:0:",
  "  lead:x:1:a,b",
  "# comment",
  "",
  "short:x:5",
  "bad:x:abc:",
  "neg:x:-1:",
  "max:x:4294967295:",
  "over:x:4294967296:",
  "sp:x:6: a , b ,,c,",
  "colon:x:7:a:b",
  "cr:x:8:a\r",
  "+nis:x::",
  "nomem:x:9",
  "e::10:",
].join("\n") + "\n";

describe("parseGroup", () => {
  test("reads a fixture exactly as glibc's fgetgrent does", () => {
    const dir = mkdtempSync(join(tmpdir(), "osq-group-"));
    try {
      const file = join(dir, "group");
      writeFileSync(file, GROUP_FIXTURE);
      const r = Bun.spawnSync(["python3", "-c", GLIBC_GROUP_READER, file]);
      expect(r.exitCode, `python3 with ctypes is needed to ask glibc: ${r.stderr.toString()}`).toBe(0);
      const glibc = JSON.parse(r.stdout.toString()) as GroupEntry[];
      expect(glibc.map((g) => g.groupname)).toContain("sp");
      expect(parseGroup(GROUP_FIXTURE)).toEqual(glibc);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
