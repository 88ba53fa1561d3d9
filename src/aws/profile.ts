// The AWS shared files (~/.aws/credentials and ~/.aws/config): INI sections
// of `key = value` lines, as the AWS SDKs read them.
import type { AwsCredentials } from "./sigv4.ts";

/** The keys of one INI section, lower-cased; undefined when the file has no such section. */
export function iniSection(text: string, name: string): Map<string, string> | undefined {
  let section: string | null = null;
  let found = false;
  const values = new Map<string, string>();
  for (const raw of text.split("\n")) {
    const line = raw.replace(/[#;].*$/, "").trim();
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1]!.trim();
      if (section === name) found = true;
      continue;
    }
    const kv = /^([^=]+)=(.*)$/.exec(line);
    if (kv && section === name) values.set(kv[1]!.trim().toLowerCase(), kv[2]!.trim());
  }
  return found ? values : undefined;
}

/** Credentials from a section's keys, when it has both halves of a key. */
export function sectionCredentials(values: ReadonlyMap<string, string> | undefined): AwsCredentials | undefined {
  const id = values?.get("aws_access_key_id");
  const secret = values?.get("aws_secret_access_key");
  if (!id || !secret) return undefined;
  const token = values?.get("aws_session_token");
  return { accessKeyId: id, secretAccessKey: secret, ...(token ? { sessionToken: token } : {}) };
}

/** Keys of one INI section ([default] or [profile]) of an AWS credentials file. */
export function parseCredentialsFile(text: string, profile: string): AwsCredentials | undefined {
  return sectionCredentials(iniSection(text, profile));
}
