// --yara_sigurl_authenticate end to end: osqueryd enrolled with the TLS test
// server (test/remote/server.ts, HTTPS on 127.0.0.1) runs a scheduled
// yara_file query whose rules come from an allowed sigurl on that server; the
// rule request must be a POST carrying the node key the server handed out.
import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OSQUERYD } from "../../helpers.ts";
import { makePki, startServer } from "../../remote/server.ts";

const dir = mkdtempSync(join(tmpdir(), "osq-yara-sigurl-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("a sigurl request is a POST with the daemon's node key, and its rules scan", async () => {
  const pki = makePki();
  const srv = startServer({ pki });
  const marker = ["OSQ", "SIGURL", String(6 * 7)].join("_");
  const target = join(dir, "target.txt");
  writeFileSync(target, `x ${marker} y\n`);
  const url = `https://${srv.host}/rules/auth.yar`;
  srv.files.set("/rules/auth.yar", `rule fetched { strings: $m = "${marker}" condition: $m }`);
  srv.config = {
    schedule: { y: { query: `SELECT path, matches FROM yara_file WHERE path = '${target}' AND sigurl = '${url}'`, interval: 1 } },
    yara: { signature_urls: [`https://${srv.host}/rules/.*`] },
  };
  const proc = Bun.spawn(
    [
      OSQUERYD,
      "--disable_watchdog",
      "--config_plugin=tls",
      "--logger_plugin=filesystem",
      `--database_path=${join(dir, "db")}`,
      `--pidfile=${join(dir, "pid")}`,
      `--logger_path=${dir}`,
      "--schedule_timeout=6",
      "--yara_sigurl_authenticate",
      "--yara_delay=0",
      ...srv.flags(),
    ],
    { stdin: "ignore", stdout: "ignore", stderr: "pipe" },
  );
  const kill = setTimeout(() => proc.kill("SIGKILL"), 30_000);
  try {
    await srv.waitFor((r) => r.some((x) => x.path === "/rules/auth.yar"), 20_000, "the sigurl request");
    const results = join(dir, "osqueryd.results.log");
    const end = Date.now() + 20_000;
    while (!(existsSync(results) && readFileSync(results, "utf8").includes('"matches":"fetched"')) && Date.now() < end) await Bun.sleep(100);
    expect(existsSync(results) ? readFileSync(results, "utf8") : "").toContain('"matches":"fetched"');
    const rule = srv.requests.find((x) => x.path === "/rules/auth.yar")!;
    expect(rule.method).toBe("POST");
    expect(rule.headers["content-type"]).toContain("application/json");
    expect(rule.body).toEqual({ node_key: srv.nodeKeys.at(-1) });
    expect(srv.nodeKeys.length).toBeGreaterThan(0);
  } finally {
    clearTimeout(kill);
    proc.kill("SIGKILL");
    await proc.exited;
    await srv.stop();
    rmSync(pki.dir, { recursive: true, force: true });
  }
});
