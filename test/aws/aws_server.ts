// A local stand-in for Firehose and STS on 127.0.0.1 that checks every
// request's Signature Version 4 as AWS documents it ("Create a signed AWS API
// request": canonical request, string to sign, derived signing key), written
// here from that description and never calling osq's signer. It records the
// PutRecordBatch batches it accepted, answers AssumeRole with temporary
// credentials, and can be stopped and started again on the same port to play
// a service that is down.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { Server } from "bun";

export interface Secret {
  readonly secret: string;
  /** The session token requests signed with this key must carry. */
  readonly token?: string;
  /** The services this key may call. */
  readonly services: readonly string[];
}

export interface SignedCall {
  readonly accessKeyId: string;
  readonly region: string;
  readonly service: string;
  readonly target: string;
  readonly body: string;
}

export interface AssumedRole {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
}

const hex = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
const mac = (key: string | Buffer, data: string) => createHmac("sha256", key).update(data).digest();

/** RFC 3986 percent-encoding of everything but the unreserved characters, as SigV4 wants. */
function encode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
}

/** Why the request's signature is wrong, or its checked parts. */
export function verifySigV4(req: { method: string; url: URL; headers: Headers; body: string }, secrets: ReadonlyMap<string, Secret>, now = Date.now()): { error: string } | SignedCall {
  const auth = req.headers.get("authorization") ?? "";
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return { error: `malformed Authorization header: ${auth}` };
  const [, keyId, day, region, service, signedHeaders, signature] = m as unknown as [string, string, string, string, string, string, string];
  const secret = secrets.get(keyId);
  if (!secret) return { error: `unknown access key ${keyId}` };
  if (!secret.services.includes(service)) return { error: `key ${keyId} may not call ${service}` };
  const amzDate = req.headers.get("x-amz-date") ?? "";
  if (!/^\d{8}T\d{6}Z$/.test(amzDate) || amzDate.slice(0, 8) !== day) return { error: `x-amz-date ${amzDate} does not match the scope's day ${day}` };
  const t = Date.UTC(+amzDate.slice(0, 4), +amzDate.slice(4, 6) - 1, +amzDate.slice(6, 8), +amzDate.slice(9, 11), +amzDate.slice(11, 13), +amzDate.slice(13, 15));
  if (Math.abs(now - t) > 15 * 60_000) return { error: "request time too skewed" };
  const names = signedHeaders.split(";");
  if (!names.includes("host") || !names.includes("x-amz-date")) return { error: "host and x-amz-date must be signed" };
  if (secret.token !== undefined) {
    if (req.headers.get("x-amz-security-token") !== secret.token) return { error: "missing or wrong x-amz-security-token" };
    if (!names.includes("x-amz-security-token")) return { error: "x-amz-security-token must be signed" };
  }
  const sorted = [...names].sort();
  if (sorted.join(";") !== signedHeaders) return { error: "SignedHeaders must be sorted" };
  const canonicalHeaders = names.map((n) => `${n}:${(req.headers.get(n) ?? "").trim().replace(/\s+/g, " ")}\n`).join("");
  const query = [...req.url.searchParams]
    .map(([k, v]) => `${encode(k)}=${encode(v)}`)
    .sort()
    .join("&");
  const path = req.url.pathname.split("/").map((seg) => encode(decodeURIComponent(seg))).join("/") || "/";
  const canonical = [req.method, path, query, canonicalHeaders, signedHeaders, hex(req.body)].join("\n");
  const scope = `${day}/${region}/${service}/aws4_request`;
  const toSign = ["AWS4-HMAC-SHA256", amzDate, scope, hex(canonical)].join("\n");
  const key = mac(mac(mac(mac("AWS4" + secret.secret, day), region), service), "aws4_request");
  const expected = createHmac("sha256", key).update(toSign).digest();
  if (!timingSafeEqual(expected, Buffer.from(signature, "hex"))) return { error: "SignatureDoesNotMatch" };
  return { accessKeyId: keyId, region, service, target: req.headers.get("x-amz-target") ?? "", body: req.body };
}

export interface Batch {
  readonly stream: string;
  readonly accessKeyId: string;
  readonly region: string;
  /** Each record's data, decoded. */
  readonly records: string[];
}

export class AwsTestServer {
  readonly batches: Batch[] = [];
  readonly assumeRoleCalls: { accessKeyId: string; region: string; params: URLSearchParams }[] = [];
  readonly rejected: string[] = [];
  /** Records whose data contains one of these are refused once each (a partial failure). */
  readonly refuseOnce = new Set<string>();
  private server: Server<undefined> | null = null;
  private port = 0;

  constructor(
    readonly secrets: Map<string, Secret>,
    readonly streams: ReadonlySet<string>,
    private readonly role: AssumedRole | null = null,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Every record accepted, in order. */
  records(): string[] {
    return this.batches.flatMap((b) => b.records);
  }

  start(): void {
    this.server = Bun.serve({ hostname: "127.0.0.1", port: this.port, fetch: (req) => this.handle(req) });
    this.port = this.server.port ?? 0;
  }

  /** Down: the port refuses connections until start() again. */
  async stop(): Promise<void> {
    await this.server?.stop(true);
    this.server = null;
  }

  private async handle(req: Request): Promise<Response> {
    const body = await req.text();
    const checked = verifySigV4({ method: req.method, url: new URL(req.url), headers: req.headers, body }, this.secrets);
    if ("error" in checked) {
      this.rejected.push(checked.error);
      return Response.json({ __type: "InvalidSignatureException", message: checked.error }, { status: 403 });
    }
    if (checked.service === "sts") return this.assumeRole(checked);
    if (checked.service !== "firehose" || checked.target !== "Firehose_20150804.PutRecordBatch") {
      return Response.json({ __type: "UnknownOperationException", message: checked.target }, { status: 400 });
    }
    if (req.headers.get("content-type") !== "application/x-amz-json-1.1") return Response.json({ __type: "SerializationException" }, { status: 400 });
    const doc = JSON.parse(body) as { DeliveryStreamName: string; Records: { Data: string }[] };
    if (!this.streams.has(doc.DeliveryStreamName)) {
      return Response.json({ __type: "ResourceNotFoundException", message: `Firehose ${doc.DeliveryStreamName} not found under account 123456789012.` }, { status: 400 });
    }
    const accepted: string[] = [];
    const responses = doc.Records.map((r, i) => {
      const data = Buffer.from(r.Data, "base64").toString("utf8");
      const refused = [...this.refuseOnce].find((s) => data.includes(s));
      if (refused !== undefined) {
        this.refuseOnce.delete(refused);
        return { ErrorCode: "ServiceUnavailableException", ErrorMessage: "Slow down." };
      }
      accepted.push(data);
      return { RecordId: `record-${this.batches.length}-${i}` };
    });
    this.batches.push({ stream: doc.DeliveryStreamName, accessKeyId: checked.accessKeyId, region: checked.region, records: accepted });
    return Response.json({ FailedPutCount: doc.Records.length - accepted.length, Encrypted: false, RequestResponses: responses });
  }

  private assumeRole(call: SignedCall): Response {
    const params = new URLSearchParams(call.body);
    this.assumeRoleCalls.push({ accessKeyId: call.accessKeyId, region: call.region, params });
    if (this.role === null || params.get("Action") !== "AssumeRole") {
      return new Response(`<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not allowed</Message></Error></ErrorResponse>`, { status: 403 });
    }
    const r = this.role;
    const expires = new Date(Date.now() + Number(params.get("DurationSeconds") ?? "3600") * 1000).toISOString();
    return new Response(
      `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials>` +
        `<AccessKeyId>${r.accessKeyId}</AccessKeyId><SecretAccessKey>${r.secretAccessKey}</SecretAccessKey>` +
        `<SessionToken>${r.sessionToken}</SessionToken><Expiration>${expires}</Expiration></Credentials>` +
        `<AssumedRoleUser><Arn>${params.get("RoleArn")}/${params.get("RoleSessionName")}</Arn></AssumedRoleUser></AssumeRoleResult></AssumeRoleResponse>`,
      { headers: { "content-type": "text/xml" } },
    );
  }
}
