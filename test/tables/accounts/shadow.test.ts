import { describe, expect, test } from "bun:test";
import shadow, { parseShadow, shadowRow } from "../../../tables/accounts/shadow.ts";
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
      ["old", "active", "1"],
    ]);
    expect(rows[0]).toMatchObject({ last_change: 19000, min: 0, max: 99999, warning: 7, inactive: -1, expire: -1, flag: null });
    expect(rows[1]).toMatchObject({ last_change: 19001, min: -1, max: -1, warning: -1 });
    expect(rows[2]).toMatchObject({ min: 1, max: 2, warning: 3, inactive: 4, expire: 5, flag: 6 });
    expect(rows[5]).toMatchObject({ last_change: -1, flag: null });
  });

  test("e2e: root sees every account; an unprivileged user gets no rows", () => {
    expect(query("SELECT username FROM shadow").map((r) => r.username)).toEqual([...passwdStatus().keys()]);
    const r = run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", OSQUERYI, "--json", "SELECT * FROM shadow"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([]);
  });
});
