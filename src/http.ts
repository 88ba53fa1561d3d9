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
