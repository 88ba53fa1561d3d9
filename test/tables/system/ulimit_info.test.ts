// ulimit_info: our own limits against what a child Python (same inherited limits) gets from getrlimit.
import { describe, expect, test } from "bun:test";
import ulimitInfo, { parseLimits } from "../../../tables/system/ulimit_info.ts";
import { generate, query } from "../../helpers.ts";

/** osquery's type names → Linux RLIMIT_* numbers (Python lacks some constants). */
const NAMES: Record<string, number> = {
  as: 9, core: 4, cpu: 0, data: 2, fsize: 1, locks: 10, memlock: 8, msgqueue: 12,
  nice: 13, nofile: 7, nproc: 6, rss: 5, rtprio: 14, sigpending: 11, stack: 3,
};

function pythonLimits(): Record<string, [string, string]> {
  const code = `import resource, json
f = lambda v: "unlimited" if v == resource.RLIM_INFINITY else str(v)
print(json.dumps({k: [f(x) for x in resource.getrlimit(v)] for k, v in ${JSON.stringify(NAMES)}.items()}))`;
  return JSON.parse(Bun.spawnSync(["python3", "-c", code]).stdout.toString());
}

describe("ulimit_info", () => {
  test("live: the same soft/hard limits getrlimit gives, in osquery's order", async () => {
    const rows = await generate(ulimitInfo);
    const py = pythonLimits();
    expect(rows.map((r) => r.type)).toEqual(Object.keys(NAMES));
    for (const r of rows) expect([r.soft_limit, r.hard_limit]).toEqual(py[String(r.type)]!);
  });

  test("fixture", () => {
    const text = "Limit                     Soft Limit           Hard Limit           Units     \nMax open files            1024                 4096                 files     \nMax realtime timeout      unlimited            unlimited            us        \n";
    expect(parseLimits(text)).toEqual([{ type: "nofile", soft_limit: "1024", hard_limit: "4096" }]);
  });

  test("end to end: the binary reports its own (inherited) limits", () => {
    expect(query("SELECT soft_limit, hard_limit FROM ulimit_info WHERE type = 'nofile'")).toEqual([
      { soft_limit: pythonLimits().nofile![0], hard_limit: pythonLimits().nofile![1] },
    ]);
  });
});
