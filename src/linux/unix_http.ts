// JSON over HTTP on a Unix socket: the Docker Engine and LXD APIs both answer
// this way. Any failure (no socket, refused, timeout, a status the caller does
// not accept, a body that is not JSON) is "no data", logged at verbose level.
import { existsSync } from "node:fs";
import { httpFetch } from "../http.ts";
import { verbose } from "../logger/glog.ts";

/** GETs `url` through `socket`; undefined when the answer is not usable JSON. */
export async function getJsonOverUnix<T>(
  url: string,
  socket: string,
  opts: { service: string; okStatuses: readonly number[]; timeoutMs: number },
): Promise<T | undefined> {
  if (!existsSync(socket)) {
    verbose(`${opts.service.toLowerCase()}.ts`, `${opts.service} socket ${socket} does not exist: no rows`);
    return undefined;
  }
  try {
    const res = await httpFetch(url, { unix: socket, headers: { Accept: "*/*" }, signal: AbortSignal.timeout(opts.timeoutMs) });
    if (!opts.okStatuses.includes(res.status)) {
      verbose(`${opts.service.toLowerCase()}.ts`, `${opts.service} API ${new URL(url).pathname} answered HTTP ${res.status}: no rows`);
      await res.body?.cancel();
      return undefined;
    }
    return (await res.json()) as T;
  } catch (e) {
    verbose(`${opts.service.toLowerCase()}.ts`, `${opts.service} API ${url} failed: ${(e as Error).message}`);
    return undefined;
  }
}
