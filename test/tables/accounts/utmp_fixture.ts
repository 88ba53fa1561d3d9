// Hand-built utmp/wtmp records for the utmp, logged_in_users and last tests,
// laid out from glibc's <bits/utmp.h> offsets independently of parseUtmp.

export interface Fixture {
  type: number;
  pid: number;
  line: string;
  id: string;
  user: string;
  host: string;
  termination?: number;
  exit?: number;
  session?: number;
  sec: number;
  usec: number;
  addr?: number[];
}

/** Lays out one glibc x86_64 `struct utmp` (384 bytes, little-endian). */
export function utmpRecord(f: Fixture): Uint8Array {
  const b = new Uint8Array(384);
  const v = new DataView(b.buffer);
  const text = (off: number, size: number, s: string) => b.set(new TextEncoder().encode(s).subarray(0, size), off);
  v.setInt16(0, f.type, true);
  v.setInt32(4, f.pid, true);
  text(8, 32, f.line);
  text(40, 4, f.id);
  text(44, 32, f.user);
  text(76, 256, f.host);
  v.setInt16(332, f.termination ?? 0, true);
  v.setInt16(334, f.exit ?? 0, true);
  v.setInt32(336, f.session ?? 0, true);
  v.setInt32(340, f.sec, true);
  v.setInt32(344, f.usec, true);
  b.set(f.addr ?? [], 348);
  return b;
}

export function utmpFile(records: Fixture[]): Uint8Array {
  const out = new Uint8Array(records.length * 384);
  records.forEach((r, i) => out.set(utmpRecord(r), i * 384));
  return out;
}

export const FIXTURE: Fixture[] = [
  { type: 2, pid: 0, line: "~", id: "~~", user: "reboot", host: "6.1.0-13-amd64", sec: 1699999000, usec: 0 },
  { type: 1, pid: 53, line: "~", id: "~~", user: "runlevel", host: "6.1.0-13-amd64", sec: 1699999005, usec: 0 },
  { type: 6, pid: 700, line: "tty1", id: "tty1", user: "LOGIN", host: "", sec: 1699999010, usec: 0 },
  { type: 7, pid: 1234, line: "pts/0", id: "ts/0", user: "alice", host: "10.0.0.5", session: 1234, sec: 1700000000, usec: 5, addr: [10, 0, 0, 5] },
  // A 32-byte user name fills ut_user with no terminating NUL.
  { type: 7, pid: 1300, line: "pts/1", id: "ts/1", user: "u".repeat(32), host: "fe80::1%eth0", sec: 1700000050, usec: 999999, addr: [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1] },
  { type: 8, pid: 1234, line: "pts/0", id: "ts/0", user: "", host: "", termination: 0, exit: 0, sec: 1700000100, usec: 0 },
  { type: 5, pid: 1, line: "", id: "si", user: "", host: "", sec: 1699999001, usec: 0 },
];
