// Which AWS region and endpoint a service is reached at, as osquery decides
// (osquery/utils/aws/aws_util.cpp): the service's own region flag, else
// --aws_region, each checked against osquery's list of regions unless an
// endpoint override is set; else the region of --aws_profile_name (or of the
// default profile) in ~/.aws/config; else us-east-1.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { err, ok, type Result } from "../result.ts";
import { iniSection } from "./profile.ts";

export const AWS_REGIONS: ReadonlySet<string> = new Set([
  "af-south-1", "ap-south-2", "ap-east-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1",
  "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ca-central-1", "cn-north-1", "cn-northwest-1",
  "eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3",
  "me-central-1", "me-south-1", "sa-east-1", "us-east-1", "us-east-2", "us-gov-east-1", "us-gov-west-1",
  "us-west-1", "us-west-2",
]);

const FIPS_REGIONS: ReadonlySet<string> = new Set(["us-east-1", "us-east-2", "us-gov-east-1", "us-west-1", "us-west-2", "us-gov-west-1"]);
const DEFAULT_REGION = "us-east-1";

export type AwsService = "kinesis" | "firehose" | "sts";

export interface RegionInputs {
  /** --aws_region */
  readonly region: string;
  /** --aws_profile_name */
  readonly profileName: string;
  readonly enforceFips: boolean;
  /** The directory of the shared files (~/.aws). */
  readonly profileDir: string;
}

/** osquery reads the region from <profile dir>/config, where every profile but "default" is "[profile NAME]". */
function profileRegion(inputs: RegionInputs): Result<string, string> {
  let text: string;
  try {
    text = readFileSync(join(inputs.profileDir, "config"), "utf8");
  } catch (e) {
    return err(`Error reading profile file: ${(e as Error).message}`);
  }
  const name = inputs.profileName;
  const section = iniSection(text, name !== "" && name !== "default" ? `profile ${name}` : "default");
  if (section === undefined) return err(`AWS profile not found: ${name}`);
  const region = section.get("region");
  if (region === undefined) return err(`AWS region not found for profile: ${name}`);
  if (!AWS_REGIONS.has(region)) return err(`Invalid aws_region in profile: ${region}`);
  return ok(region);
}

/** The region a service uses: `suggested` (its own flag) first; `validate` is off when its endpoint is overridden. */
export function resolveRegion(suggested: string, validate: boolean, inputs: RegionInputs, verbose: (m: string) => void = () => {}): Result<string, string> {
  let region = suggested || inputs.region;
  if (region !== "") {
    if (validate && !AWS_REGIONS.has(region)) return err(`Invalid region ${region}`);
  } else {
    const fromProfile = profileRegion(inputs);
    if (fromProfile.ok) {
      region = fromProfile.value;
      verbose(`Using AWS region from profile: ${region}`);
    } else if (inputs.profileName !== "") {
      // A profile the user named must supply the region; only an unnamed default may be missing.
      return fromProfile;
    } else {
      region = DEFAULT_REGION;
      verbose(`Using default AWS region: ${region}`);
    }
  }
  if (inputs.enforceFips && !FIPS_REGIONS.has(region)) return err(`Region ${region} is not FIPS compliant`);
  return ok(region);
}

/**
 * The URL requests go to: the override as the AWS SDK takes it (a bare
 * host[:port] gets https://), else the service's regional endpoint, or its
 * FIPS endpoint when FIPS is enforced (which refuses an override).
 */
export function serviceEndpoint(service: AwsService, region: string, override: string, enforceFips: boolean): Result<URL, string> {
  if (enforceFips) {
    if (override !== "") return err("Cannot override the endpoint when FIPS is enforced");
    // AWS's GovCloud endpoints for Kinesis and STS are FIPS endpoints already.
    const govAsIs = region.startsWith("us-gov") && service !== "firehose";
    return ok(new URL(`https://${service}${govAsIs ? "" : "-fips"}.${region}.amazonaws.com/`));
  }
  if (override !== "") {
    const text = /^https?:\/\//i.test(override) ? override : `https://${override}`;
    try {
      const url = new URL(text);
      if (url.hostname === "") return err(`Invalid endpoint ${override}`);
      return ok(url);
    } catch {
      return err(`Invalid endpoint ${override}`);
    }
  }
  return ok(new URL(`https://${service}.${region}.amazonaws.com${region.startsWith("cn-") ? ".cn" : ""}/`));
}
