// The one way osq makes an HTTP request. Bun's fetch() also reads file:,
// data:, blob: and s3: URLs, so a URL taken from a query or a config (curl,
// prometheus_targets) could read local files as root or use S3 credentials
// from the environment. osquery's client speaks only HTTP and HTTPS to a
// named host; every URL is checked here before anything is opened. Bun
// refuses redirects to other schemes itself (UnsupportedRedirectProtocol),
// so checking the first URL covers every hop.

/** Why a URL is not fetched. */
export class UrlRefused extends Error {
  override readonly name = "UrlRefused";
}

/** The parsed URL when it may be fetched: an absolute http: or https: URL with a host. */
export function httpUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UrlRefused(`not an absolute http or https URL: ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new UrlRefused(`unsupported URL scheme ${parsed.protocol} (only http and https are fetched)`);
  }
  if (parsed.hostname === "") throw new UrlRefused("remote hostname missing");
  return parsed;
}

/** fetch() for http: and https: URLs only; any other URL rejects with UrlRefused before a request is made. */
export async function httpFetch(url: string, init: BunFetchRequestInit = {}): Promise<Response> {
  return fetch(httpUrl(url), init);
}

/**
 * The most response body osq keeps from a URL a query or config names (curl,
 * prometheus targets). fetch() inflates gzip, br and zstd bodies as they
 * arrive, so a small compressed answer can expand without bound; reading
 * stops at this many bytes after decompression.
 */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;

/** Why a body was not kept. */
export class BodyTooLarge extends Error {
  override readonly name = "BodyTooLarge";
}

/** The whole (decompressed) body of `res`, or BodyTooLarge as soon as it passes `maxBytes`; the rest is never read. */
export async function readBody(res: Response, maxBytes = MAX_BODY_BYTES): Promise<Buffer> {
  if (res.body === null) return Buffer.alloc(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new BodyTooLarge(`the response body exceeds ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total);
}
