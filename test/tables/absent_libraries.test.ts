// augeas and the device_* tables with their system library gone: no rows, and
// the reason at verbose level. The library file is hidden by /dev/null bound
// over it in a private mount namespace, so nothing outside the test sees it.
import { describe, expect, test } from "bun:test";
import { realpathSync } from "node:fs";
import { OSQUERYI } from "../helpers.ts";
import { inMountNamespace, sh } from "../mount_namespace.ts";

function hidden(soname: string, pkg: string, sql: string): { rows: unknown; stderr: string } {
  let real: string;
  try {
    real = realpathSync(`/usr/lib/x86_64-linux-gnu/${soname}`);
  } catch {
    throw new Error(`${soname} is missing: install the Debian package ${pkg}`);
  }
  const [out, err] = inMountNamespace(
    [`mount --bind /dev/null ${sh(real)}`],
    [`${sh(OSQUERYI)} --json ${sh(sql)} 2>/dev/null`, `${sh(OSQUERYI)} --verbose --json ${sh(sql)} 2>&1 >/dev/null`],
  );
  return { rows: JSON.parse(out ?? ""), stderr: err ?? "" };
}

describe("a table whose system library is absent", () => {
  test("augeas without libaugeas0", () => {
    const r = hidden("libaugeas.so.0", "libaugeas0", "SELECT * FROM augeas WHERE path = '/etc/hosts'");
    expect(r.rows).toEqual([]);
    expect(r.stderr).toMatch(/augeas\.cpp:\d+\] libaugeas\.so\.0 cannot be opened \(install Debian's libaugeas0\), augeas returns no rows: /);
  });

  test("device_partitions without libtsk19", () => {
    const r = hidden("libtsk.so.19", "libtsk19", "SELECT * FROM device_partitions WHERE device = '/dev/null'");
    expect(r.rows).toEqual([]);
    expect(r.stderr).toMatch(/sleuthkit\.cpp:\d+\] libtsk\.so\.19 cannot be opened \(install Debian's libtsk19\), device tables return no rows: /);
  });
});
