// osqueryi reads the config at --config_path's default, /etc/osquery/osquery.conf,
// as osquery's shell loads the config at every start (Initializer::start).
// The file is laid over /etc inside a private mount namespace (an overlay whose
// writes land in a temp dir), so the real /etc is never written.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OSQUERYI } from "../helpers.ts";
import { inMountNamespace, overlay, sh } from "../mount_namespace.ts";

const scratch = mkdtempSync(join(tmpdir(), "osq-default-conf-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const CONFIG = {
  options: { nullvalue: "none" },
  views: { default_view: "SELECT 'from /etc/osquery' AS origin" },
  auto_table_construction: { default_atc: { query: "SELECT 1 AS one", path: join(scratch, "x.db"), columns: ["one"] } },
};

describe("osqueryi and the default config path", () => {
  test("without --config_path, /etc/osquery/osquery.conf is read: its views, options and tables are there", () => {
    const setup = [...overlay("/etc", join(scratch, "ov")), "mkdir -p /etc/osquery", `printf '%s' ${sh(JSON.stringify(CONFIG))} > /etc/osquery/osquery.conf`];
    const run = (args: string) => `HOME=${sh(scratch)} ${sh(OSQUERYI)} ${args} 2>&1 || true`;
    const [view, option, registry, other] = inMountNamespace(setup, [
      run(`--json ${sh("SELECT origin FROM default_view")}`),
      run(`--list ${sh("SELECT NULL AS n")}`),
      run(`--json ${sh("SELECT name FROM osquery_registry WHERE name = 'default_atc'")}`),
      // An explicit --config_path replaces the default.
      run(`--config_path=${sh(join(scratch, "absent.conf"))} ${sh("SELECT origin FROM default_view")}`),
    ]);
    expect(view).toBe('[\n  {"origin":"from /etc/osquery"}\n]\n');
    expect(option).toBe("n\nnone\n");
    expect(registry).toBe('[\n  {"name":"default_atc"}\n]\n');
    expect(other).toContain("no such table: default_view");
  });
});
