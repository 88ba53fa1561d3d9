// The AWS client of the Kinesis and Firehose loggers: where credentials come
// from, in osquery's order (osquery/utils/aws/aws_util.cpp,
// OsqueryAWSCredentialsProviderChain), and one signed POST.
//
// The chain, first hit wins:
//   1. STS: --aws_session_token with the key flags as they are, or, with
//      --aws_sts_arn_role, the credentials of AssumeRole (called with the
//      rest of this chain), kept for --aws_sts_timeout seconds;
//   2. --aws_access_key_id and --aws_secret_access_key (one without the
//      other is warned about and skipped);
//   3. the --aws_profile_name profile of the shared files;
//   4. AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN;
//   5. the default profile (AWS_DEFAULT_PROFILE, AWS_PROFILE or "default");
//   6. the EC2 instance's role, unless AWS_EC2_METADATA_DISABLED=true.
// A link that fails passes to the next, as the SDK's chain does.
//
// osquery gives STS no endpoint flag; AWS_ENDPOINT_URL_STS, the SDKs'
// variable for it, points AssumeRole elsewhere (a test's local STS).
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { flags } from "../flags/flags.ts";
import { err, ok, type Result } from "../result.ts";
import { describeFailure, tlsSettings } from "../remote/tls.ts";
import { EC2_METADATA_BASE, imdsToken, instanceProfileCredentials } from "../../tables/cloud/ec2.ts";
import { iniSection, sectionCredentials } from "./profile.ts";
import { resolveRegion, serviceEndpoint, type AwsService, type RegionInputs } from "./region.ts";
import { signV4, type AwsCredentials } from "./sigv4.ts";

/** osquery's HTTP client timeout, per request. */
const TIMEOUT_MS = 16_000;
const STS_VERSION = "2011-06-15";

export interface AwsSettings extends RegionInputs {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly stsArnRole: string;
  readonly stsRegion: string;
  readonly stsSessionName: string;
  readonly stsTimeout: number;
  /** An http(s)://[user:password@]host:port proxy URL, from --aws_enable_proxy and --aws_proxy_*. */
  readonly proxy: string | undefined;
  readonly debug: boolean;
  readonly imdsAttempts: number;
  readonly imdsV1Fallback: boolean;
}

/** The aws_* flags, read at each use so config options apply. */
export function awsSettingsFromFlags(env: Readonly<Record<string, string | undefined>> = process.env): AwsSettings {
  let proxy: string | undefined;
  if (flags.bool("aws_enable_proxy") && flags.get("aws_proxy_host") !== "") {
    const user = flags.get("aws_proxy_username");
    const auth = user === "" ? "" : `${encodeURIComponent(user)}:${encodeURIComponent(flags.get("aws_proxy_password"))}@`;
    const port = flags.num("aws_proxy_port");
    proxy = `${flags.get("aws_proxy_scheme") || "https"}://${auth}${flags.get("aws_proxy_host")}${port > 0 ? `:${port}` : ""}`;
  }
  return {
    accessKeyId: flags.get("aws_access_key_id"),
    secretAccessKey: flags.get("aws_secret_access_key"),
    sessionToken: flags.get("aws_session_token"),
    profileName: flags.get("aws_profile_name"),
    region: flags.get("aws_region"),
    stsArnRole: flags.get("aws_sts_arn_role"),
    stsRegion: flags.get("aws_sts_region"),
    stsSessionName: flags.get("aws_sts_session_name"),
    stsTimeout: flags.num("aws_sts_timeout"),
    enforceFips: flags.bool("aws_enforce_fips"),
    profileDir: join(env.HOME || homedir(), ".aws"),
    proxy,
    debug: flags.bool("aws_debug"),
    imdsAttempts: Math.max(1, flags.num("aws_imdsv2_request_attempts")),
    imdsV1Fallback: !flags.bool("aws_disable_imdsv1_fallback"),
  };
}

export interface AwsLog {
  warning(message: string): void;
  verbose(message: string): void;
}

export interface AwsReply {
  readonly status: number;
  readonly body: string;
}

export interface SignedPost {
  readonly service: AwsService;
  readonly region: string;
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

function xmlValue(xml: string, name: string): string | undefined {
  return new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1]?.replace(/&(amp|lt|gt|quot|apos);/g, (_m, e: string) => ({ amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" })[e] ?? "");
}

export class AwsClient {
  private assumed: { credentials: AwsCredentials; expires: number } | null = null;

  constructor(
    private readonly settings: () => AwsSettings,
    private readonly log: AwsLog,
    private readonly env: Readonly<Record<string, string | undefined>> = process.env,
    private readonly now: () => number = Date.now,
  ) {}

  /** The first credentials of the chain; `sts` is off for the AssumeRole call itself. */
  async credentials(sts = true): Promise<AwsCredentials | undefined> {
    const s = this.settings();
    if (s.sessionToken !== "") {
      return { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey, sessionToken: s.sessionToken };
    }
    if (sts && s.stsArnRole !== "") {
      const assumed = await this.assumeRole(s);
      if (assumed) return assumed;
    }
    if ((s.accessKeyId === "") !== (s.secretAccessKey === "")) {
      this.log.warning("Cannot use AWS credentials: ID or secret missing");
    } else if (s.accessKeyId !== "") {
      return { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey };
    }
    if (s.profileName !== "") {
      const named = this.profileCredentials(s, s.profileName);
      if (named) return named;
    }
    const e = this.env;
    if (e.AWS_ACCESS_KEY_ID && e.AWS_SECRET_ACCESS_KEY) {
      return { accessKeyId: e.AWS_ACCESS_KEY_ID, secretAccessKey: e.AWS_SECRET_ACCESS_KEY, ...(e.AWS_SESSION_TOKEN ? { sessionToken: e.AWS_SESSION_TOKEN } : {}) };
    }
    const byDefault = this.profileCredentials(s, e.AWS_DEFAULT_PROFILE || e.AWS_PROFILE || "default");
    if (byDefault) return byDefault;
    if ((e.AWS_EC2_METADATA_DISABLED ?? "").toLowerCase() === "true") return undefined;
    const token = await imdsToken(EC2_METADATA_BASE, s.imdsAttempts);
    if (token === undefined && !s.imdsV1Fallback) {
      this.log.verbose("No IMDSv2 token for the instance role's credentials, and the IMDSv1 fallback is disabled");
      return undefined;
    }
    return instanceProfileCredentials(EC2_METADATA_BASE, token);
  }

  /** A profile from the credentials file, else from the config file (where it is "[profile NAME]"). */
  private profileCredentials(s: AwsSettings, profile: string): AwsCredentials | undefined {
    const files: [string, string][] = [
      [this.env.AWS_SHARED_CREDENTIALS_FILE || join(s.profileDir, "credentials"), profile],
      [this.env.AWS_CONFIG_FILE || join(s.profileDir, "config"), profile === "default" ? "default" : `profile ${profile}`],
    ];
    for (const [file, section] of files) {
      let text: string;
      try {
        text = readFileSync(file, "utf8");
      } catch (e) {
        this.log.verbose(`No AWS shared file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
        continue;
      }
      const creds = sectionCredentials(iniSection(text, section));
      if (creds) return creds;
    }
    return undefined;
  }

  /** AssumeRole's credentials, kept until --aws_sts_timeout has passed; undefined (and an error logged) when STS refuses. */
  private async assumeRole(s: AwsSettings): Promise<AwsCredentials | undefined> {
    const now = this.now();
    if (this.assumed && this.assumed.expires > now) return this.assumed.credentials;
    this.log.verbose("Generating new AWS STS credentials");
    const region = resolveRegion(s.stsRegion, true, s, this.log.verbose);
    if (!region.ok) {
      this.log.warning(`Failed to generate STS Credentials: ${region.error}`);
      return undefined;
    }
    const override = this.env.AWS_ENDPOINT_URL_STS ?? "";
    const url = serviceEndpoint("sts", region.value, override, s.enforceFips && override === "");
    if (!url.ok) {
      this.log.warning(`Error creating AWS client: ${url.error}`);
      return undefined;
    }
    const base = await this.credentials(false);
    if (!base) {
      this.log.warning("Failed to create STS temporary credentials: no AWS credentials to call STS with");
      return undefined;
    }
    const body = new URLSearchParams({
      Action: "AssumeRole",
      Version: STS_VERSION,
      RoleArn: s.stsArnRole,
      RoleSessionName: s.stsSessionName,
      DurationSeconds: String(s.stsTimeout),
    }).toString();
    const reply = await this.post({ service: "sts", region: region.value, url: url.value, headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" }, body }, base);
    if (!reply.ok) {
      this.log.warning(`Failed to create STS temporary credentials: ${reply.error}`);
      return undefined;
    }
    const id = xmlValue(reply.value.body, "AccessKeyId");
    const secret = xmlValue(reply.value.body, "SecretAccessKey");
    const token = xmlValue(reply.value.body, "SessionToken");
    if (reply.value.status !== 200 || !id || !secret) {
      const code = xmlValue(reply.value.body, "Code") ?? "";
      const message = xmlValue(reply.value.body, "Message") ?? reply.value.body.slice(0, 200);
      this.log.warning(`Failed to create STS temporary credentials, HTTP response code: ${reply.value.status}${code ? `, ${code}` : ""}, error message: ${message}`);
      return undefined;
    }
    const credentials: AwsCredentials = { accessKeyId: id, secretAccessKey: secret, ...(token ? { sessionToken: token } : {}) };
    this.assumed = { credentials, expires: now + s.stsTimeout * 1000 };
    return credentials;
  }

  /** One POST signed with `credentials`; an error only when no reply came. */
  async post(req: SignedPost, credentials: AwsCredentials): Promise<Result<AwsReply, string>> {
    const s = this.settings();
    const headers = signV4({ method: "POST", url: req.url, headers: req.headers, body: req.body, region: req.region, service: req.service, credentials, date: new Date(this.now()) });
    // fetch sets Host itself, from the URL that was signed.
    delete headers.host;
    const tls = req.url.protocol === "https:" ? tlsSettings() : undefined;
    const url = req.url.href;
    if (s.debug) this.log.verbose(`AWS request: POST ${url} ${req.headers["x-amz-target"] ?? ""} (${req.body.length} bytes)`);
    try {
      const res = await fetch(url, {
        method: "POST",
        headers,
        body: req.body,
        tls: tls ? { ca: tls.ca, cert: tls.cert, key: tls.key, rejectUnauthorized: true } : undefined,
        proxy: s.proxy,
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      const body = await res.text();
      if (s.debug) this.log.verbose(`AWS reply: HTTP ${res.status} ${body.slice(0, 500)}`);
      return ok({ status: res.status, body });
    } catch (e) {
      return err(describeFailure(e, url).replace(/^TLS request/, "Request"));
    }
  }

  /**
   * One call of an AWS JSON API (X-Amz-Target), credentials from the chain:
   * the reply's document, or why there is none (AWS's error type and message).
   */
  async callJson(service: AwsService, region: string, url: URL, target: string, body: unknown): Promise<Result<unknown, string>> {
    const credentials = await this.credentials();
    if (!credentials) return err("No AWS credentials were found");
    const reply = await this.post({ service, region, url, headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": target }, body: JSON.stringify(body) }, credentials);
    if (!reply.ok) return reply;
    let doc: unknown;
    try {
      doc = JSON.parse(reply.value.body);
    } catch {
      return err(`HTTP ${reply.value.status}: the reply is not JSON`);
    }
    if (reply.value.status !== 200) {
      const d = (typeof doc === "object" && doc !== null ? doc : {}) as Record<string, unknown>;
      const type = typeof d.__type === "string" ? d.__type.replace(/^.*#/, "") : `HTTP ${reply.value.status}`;
      const message = typeof d.message === "string" ? d.message : typeof d.Message === "string" ? d.Message : "";
      return err(message ? `${type}: ${message}` : type);
    }
    return ok(doc);
  }
}
