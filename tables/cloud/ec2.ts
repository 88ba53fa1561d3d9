// EC2's instance metadata service (IMDSv2 with a v1 fallback, as osquery
// does) and the DescribeTags call behind ec2_instance_tags. Every function
// takes the metadata base URL, so tests can serve it from 127.0.0.1.
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { httpFetch } from "../../src/http.ts";
import type { Row } from "../../src/table.ts";
import { signV4, type AwsCredentials } from "../../src/aws/sigv4.ts";
import { parseCredentialsFile } from "../../src/aws/profile.ts";
import { verbose } from "../../src/logger/glog.ts";
import { logUnreadable } from "../../src/linux/fs.ts";

export const EC2_METADATA_BASE = "http://169.254.169.254";

/** osquery gives every metadata request three seconds. */
const TIMEOUT_MS = 3000;
const TOKEN_TTL_SECONDS = "21600";
const TOKEN_ATTEMPTS = 3;

async function request(url: string, init: RequestInit = {}): Promise<{ status: number; body: string } | undefined> {
  try {
    const res = await httpFetch(url, { ...init, redirect: "manual", signal: AbortSignal.timeout(TIMEOUT_MS) });
    return { status: res.status, body: await res.text() };
  } catch (e) {
    verbose("ec2.ts", `${url} failed: ${(e as Error).message}`);
    return undefined;
  }
}

/** An IMDSv2 session token, or undefined (then requests go out without one, IMDSv1 style). */
export async function imdsToken(base: string, attempts = TOKEN_ATTEMPTS): Promise<string | undefined> {
  for (let i = 0; i < attempts; i++) {
    const res = await request(`${base}/latest/api/token`, {
      method: "PUT",
      headers: { "X-aws-ec2-metadata-token-ttl-seconds": TOKEN_TTL_SECONDS },
    });
    if (res?.status === 200 && res.body !== "") return res.body;
    // Unreachable service: retrying would only multiply the timeout.
    if (res === undefined) return undefined;
  }
  return undefined;
}

/**
 * GET <base>/latest/<path> as osquery's Ec2MetaData::doGet answers it: the
 * body on 200, "" on 404, undefined on any other status, error or timeout
 * (osquery/tables/cloud/aws/ec2_instance_metadata.cpp leaves such columns unset).
 */
export async function imdsFetch(base: string, path: string, token: string | undefined): Promise<string | undefined> {
  const res = await request(`${base}/latest/${path}`, token ? { headers: { "X-aws-ec2-metadata-token": token } } : {});
  if (res === undefined) return undefined;
  if (res.status === 404) return "";
  return res.status === 200 ? res.body : undefined;
}

/** imdsFetch, with "" for every failure (credentials and region lookups only need a value). */
export async function imdsGet(base: string, path: string, token: string | undefined): Promise<string> {
  return (await imdsFetch(base, path, token)) ?? "";
}

/**
 * A text value as a column: trailing newlines dropped, line lists joined with
 * commas. Deliberately: osquery's setRowField strips every newline before its
 * join, so "sg-a\nsg-b" would come out "sg-asg-b".
 */
export function metadataText(value: string): string;
export function metadataText(value: string | undefined): string | undefined;
export function metadataText(value: string | undefined): string | undefined {
  return value === undefined ? undefined : value.replace(/\n+$/, "").split("\n").join(",");
}

function jsonField(body: string, key: string): string {
  try {
    const v = (JSON.parse(body) as Record<string, unknown>)[key];
    return typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : "";
  } catch {
    // A body that is not JSON has no such field: "" is the value callers fall back to.
    return "";
  }
}

/**
 * Fields of a JSON document as osquery's JSONEc2MetaData sets them: all
 * unset when the request failed or the body is not JSON, "" for a missing key.
 */
function jsonFields(body: string | undefined, keys: readonly string[]): Map<string, string> | undefined {
  if (body === undefined) return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch (e) {
    verbose("ec2_instance_metadata.cpp", `Could not parse JSON: ${(e as Error).message}`);
    return undefined;
  }
  const obj = typeof doc === "object" && doc !== null && !Array.isArray(doc) ? (doc as Record<string, unknown>) : {};
  return new Map(keys.map((k) => {
    const v = obj[k];
    return [k, typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : ""];
  }));
}

/** The ec2_instance_metadata row; no rows (and no request at all) unless `detected`. */
export async function ec2InstanceMetadata(base: string, detected: boolean): Promise<Row[]> {
  if (!detected) return [];
  const token = await imdsToken(base);
  const [docBody, iamBody, mac, hostname, sshKey, reservation, groups] = await Promise.all([
    imdsFetch(base, "dynamic/instance-identity/document", token),
    imdsFetch(base, "meta-data/iam/info", token),
    imdsFetch(base, "meta-data/mac", token),
    imdsFetch(base, "meta-data/local-hostname", token),
    imdsFetch(base, "meta-data/public-keys/0/openssh-key", token),
    imdsFetch(base, "meta-data/reservation-id", token),
    imdsFetch(base, "meta-data/security-groups", token),
  ]);
  const doc = jsonFields(docBody, ["instanceId", "instanceType", "architecture", "region", "availabilityZone", "privateIp", "imageId", "accountId"]);
  const iam = jsonFields(iamBody, ["InstanceProfileArn"]);
  const field = (fields: Map<string, string> | undefined, key: string) => metadataText(fields?.get(key));
  return [
    {
      instance_id: field(doc, "instanceId"),
      instance_type: field(doc, "instanceType"),
      architecture: field(doc, "architecture"),
      region: field(doc, "region"),
      availability_zone: field(doc, "availabilityZone"),
      local_hostname: metadataText(hostname),
      local_ipv4: field(doc, "privateIp"),
      mac: metadataText(mac),
      security_groups: metadataText(groups),
      iam_arn: field(iam, "InstanceProfileArn"),
      ami_id: field(doc, "imageId"),
      reservation_id: metadataText(reservation),
      account_id: field(doc, "accountId"),
      ssh_public_key: metadataText(sshKey),
    },
  ];
}

/**
 * The AWS SDK's default chain as osquery configures it (no aws_* flags here):
 * environment, the shared credentials file, then the instance profile role.
 */
export async function resolveCredentials(
  base: string,
  token: string | undefined,
  env: Readonly<Record<string, string | undefined>> = process.env,
  home: string = homedir(),
): Promise<AwsCredentials | undefined> {
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    return {
      accessKeyId: env.AWS_ACCESS_KEY_ID,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
      ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
    };
  }
  try {
    const file = env.AWS_SHARED_CREDENTIALS_FILE || join(home, ".aws", "credentials");
    const creds = parseCredentialsFile(readFileSync(file, "utf8"), env.AWS_PROFILE || "default");
    if (creds) return creds;
  } catch (e) {
    logUnreadable("ec2.ts", env.AWS_SHARED_CREDENTIALS_FILE || join(home, ".aws", "credentials"), e);
    // no shared credentials file
  }
  return instanceProfileCredentials(base, token);
}

/** The temporary credentials of the instance's IAM role, from the metadata service. */
export async function instanceProfileCredentials(base: string, token: string | undefined): Promise<AwsCredentials | undefined> {
  const role = (await imdsGet(base, "meta-data/iam/security-credentials/", token)).split("\n")[0]?.trim();
  if (!role) return undefined;
  const body = await imdsGet(base, `meta-data/iam/security-credentials/${role}`, token);
  const id = jsonField(body, "AccessKeyId");
  const secret = jsonField(body, "SecretAccessKey");
  if (!id || !secret) return undefined;
  const session = jsonField(body, "Token");
  return { accessKeyId: id, secretAccessKey: secret, ...(session ? { sessionToken: session } : {}) };
}

/** The regional EC2 API endpoint. */
export function ec2Endpoint(region: string): string {
  return `https://ec2.${region}.amazonaws.com${region.startsWith("cn-") ? ".cn" : ""}/`;
}

const XML_ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function xmlText(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (m, e: string) => {
    if (e.startsWith("#x")) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith("#")) return String.fromCodePoint(parseInt(e.slice(1), 10));
    return XML_ENTITIES[e] ?? m;
  });
}

function xmlElement(xml: string, name: string): string | undefined {
  const m = new RegExp(`<${name}(?:\\s[^>]*)?(?:/>|>([\\s\\S]*?)</${name}>)`).exec(xml);
  return m ? xmlText(m[1] ?? "") : undefined;
}

/** Key/value pairs of a DescribeTags response's tagSet. */
export function parseDescribeTags(xml: string): { key: string; value: string }[] {
  const set = /<tagSet>([\s\S]*?)<\/tagSet>/.exec(xml)?.[1] ?? "";
  const out: { key: string; value: string }[] = [];
  for (const m of set.matchAll(/<item>([\s\S]*?)<\/item>/g)) {
    out.push({ key: xmlElement(m[1]!, "key") ?? "", value: xmlElement(m[1]!, "value") ?? "" });
  }
  return out;
}

export interface TagOptions {
  /** Regional endpoint URL (tests serve one on 127.0.0.1). */
  readonly endpoint?: (region: string) => string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly home?: string;
  readonly now?: () => Date;
}

/** The ec2_instance_tags rows: DescribeTags for this instance, signed with SigV4. */
export async function ec2InstanceTags(base: string, detected: boolean, opts: TagOptions = {}): Promise<Row[]> {
  if (!detected) return [];
  const token = await imdsToken(base);
  const doc = await imdsGet(base, "dynamic/instance-identity/document", token);
  const instanceId = jsonField(doc, "instanceId");
  const region = jsonField(doc, "region");
  if (!instanceId || !region) return [];
  const credentials = await resolveCredentials(base, token, opts.env, opts.home);
  if (!credentials) return [];

  const url = new URL((opts.endpoint ?? ec2Endpoint)(region));
  const body = new URLSearchParams({
    Action: "DescribeTags",
    Version: "2016-11-15",
    "Filter.1.Name": "resource-id",
    "Filter.1.Value.1": instanceId,
    MaxResults: "50",
  }).toString();
  const headers = signV4({
    method: "POST",
    url,
    headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
    body,
    region,
    service: "ec2",
    credentials,
    date: (opts.now ?? (() => new Date()))(),
  });
  delete headers.host; // fetch sets Host itself, from the URL that was signed
  const res = await request(url.toString(), { method: "POST", headers, body });
  if (res?.status !== 200) return [];
  return parseDescribeTags(res.body).map((t) => ({ instance_id: instanceId, key: t.key, value: t.value }));
}
