// usersFromContext: which accounts the per-user tables read, on a fixture root.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { usersFromContext } from "../../src/linux/users.ts";
import { QueryContext } from "../../src/table.ts";

const root = mkdtempSync(join(tmpdir(), "osq-users-"));
mkdirSync(join(root, "etc"));
writeFileSync(join(root, "etc/passwd"), "bin:x:2:2::/bin:/sbin/nologin\nsvc:x:100:100::/srv:/bin/sh\ndup:x:2:9::/dup:/bin/sh\n");
afterAll(() => rmSync(root, { recursive: true, force: true }));

const uidIn = (...values: string[]) => new QueryContext(new Map([["uid", values.map((expr) => ({ op: 2, expr }))]]));

describe("usersFromContext", () => {
  test("uid values are taken once each, in text order (100 before 2), every account with that uid in file order", () => {
    const users = usersFromContext(uidIn("2", "100", "2"), root);
    expect(users.map((u) => [u.username, u.uid])).toEqual([["svc", 100], ["bin", 2], ["dup", 2]]);
  });
});
