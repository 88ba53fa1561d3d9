// curl: an HTTP(S) GET of each url the query names (url = / IN), with the
// status, the body, its size and the round trip time in microseconds. Like
// osquery it follows redirects, verifies TLS peers, and still returns a row
// (without response columns) when the request fails.
import { readFileSync } from "node:fs";
import { flags } from "../../src/flags/flags.ts";
import { httpFetch, readBody } from "../../src/http.ts";
import { logToStderr, WARNING } from "../../src/logger/glog.ts";
import { defineTable, type Row } from "../../src/table.ts";

export default defineTable({
  name: "curl",
  columns: {
    url: "TEXT required index optimized",
    method: "TEXT",
    user_agent: "TEXT additional",
    response_code: "INTEGER",
    round_trip_time: "BIGINT",
    bytes: "BIGINT",
    result: "TEXT",
  },
  async generate(ctx) {
    const agents = ctx.equals("user_agent");
    // osquery sends one user agent per query; several is refused with no rows.
    if (agents.length > 1) return [];
    // CR and LF are dropped, as osquery does, so a user agent cannot add headers.
    const agent = agents[0] === undefined ? DEFAULT_USER_AGENT : agents[0].replace(/[\r\n]/g, "");
    return Promise.all(ctx.equals("url").map((url) => curlRow(url, agent)));
  },
});

export const DEFAULT_USER_AGENT = "osquery";

/** osquery's HTTP client gives up after 16 seconds. */
const TIMEOUT_MS = 16_000;

/**
 * osquery's HTTP client trusts only --tls_server_certs when that bundle is
 * readable, and the system's CAs otherwise.
 */
function serverCertificates(): string | undefined {
  try {
    const path = flags.has("tls_server_certs") ? flags.get("tls_server_certs") : "";
    return path ? readFileSync(path, "utf8") : undefined;
  } catch {
    return undefined;
  }
}

/** Performs one GET and returns its row; never throws. */
export async function curlRow(url: string, userAgent: string = DEFAULT_USER_AGENT, timeoutMs = TIMEOUT_MS): Promise<Row> {
  const row: Row = { url, method: "GET", user_agent: userAgent };
  const ca = serverCertificates();
  try {
    const start = performance.now();
    const res = await httpFetch(url, {
      method: "GET",
      redirect: "follow",
      headers: { "User-Agent": userAgent, "Accept-Encoding": "identity" },
      signal: AbortSignal.timeout(timeoutMs),
      ...(ca !== undefined && url.startsWith("https:") ? { tls: { ca } } : {}),
    });
    const body = await readBody(res);
    const end = performance.now();
    row.response_code = res.status;
    row.round_trip_time = Math.round((end - start) * 1000);
    row.result = body.toString("utf8");
    row.bytes = body.length;
  } catch (e) {
    // Unreachable host, TLS failure, a URL that is not http(s), a body past
    // MAX_BODY_BYTES, timeout: the row stays without a response, and osquery
    // warns why.
    logToStderr(WARNING, "curl.cpp", 98, `Error making request: ${(e as Error).message}`);
  }
  return row;
}
