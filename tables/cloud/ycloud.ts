// Yandex Cloud's instance metadata service (GCE-compatible:
// /computeMetadata/v1/instance/?alt=json&recursive=true with the
// "Metadata-Flavor: Google" header), read as osquery's ycloud_util does.
import { httpFetch } from "../../src/http.ts";
import type { Row } from "../../src/table.ts";
import { osquerySplit } from "../../src/linux/split.ts";
import { verbose } from "../../src/logger/glog.ts";

export const YCLOUD_METADATA_ENDPOINT = "http://169.254.169.254";
const METADATA_PATH = "/computeMetadata/v1/instance/?alt=json&recursive=true";
/** osquery gives the request three seconds. */
const TIMEOUT_MS = 3000;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const isObject = (v: Json | undefined): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

/** A string member, "" for anything else (osquery checks IsString). */
function stringMember(v: Json | undefined, key: string): string {
  const x = isObject(v) ? v[key] : undefined;
  return typeof x === "string" ? x : "";
}

/** "projects/<folder>/zones/<zone>" → "<zone>"; "" for anything else. */
export function zoneId(zone: string): string {
  if (!zone.startsWith("projects/")) return "";
  return osquerySplit(zone, "/")[3] ?? "";
}

/** The document at `endpoint`, or undefined (unreachable, not 200, not a JSON object). */
export async function fetchYCloudMetadata(endpoint: string): Promise<JsonObject | undefined> {
  try {
    const res = await httpFetch(`${endpoint}${METADATA_PATH}`, {
      headers: { "Metadata-Flavor": "Google" },
      redirect: "manual",
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const body = await res.text();
    if (res.status !== 200) return undefined;
    const doc = JSON.parse(body) as Json;
    return isObject(doc) ? doc : undefined;
  } catch (e) {
    verbose("ycloud.ts", `Yandex Cloud metadata service unreachable: ${(e as Error).message}`);
    return undefined;
  }
}

/** The table row for one metadata document. */
export function yCloudRow(doc: JsonObject, endpoint: string): Row {
  return {
    instance_id: stringMember(doc, "id"),
    folder_id: stringMember(doc.vendor, "folderId"),
    cloud_id: stringMember(doc.vendor, "cloudId"),
    name: stringMember(doc, "name"),
    description: stringMember(doc, "description"),
    hostname: stringMember(doc, "hostname"),
    zone: zoneId(stringMember(doc, "zone")),
    ssh_public_key: stringMember(doc.attributes, "ssh-keys"),
    serial_port_enabled: stringMember(doc.attributes, "serial-port-enable"),
    metadata_endpoint: endpoint,
  };
}

/**
 * One row per endpoint that answers. `endpoints` are the metadata_endpoint
 * values the query named; without them the default service is asked, and
 * only when `detected` (so hosts outside Yandex Cloud send nothing).
 */
export async function yCloudInstanceMetadata(endpoints: readonly string[], detected: boolean): Promise<Row[]> {
  const targets = endpoints.length > 0 ? endpoints : detected ? [YCLOUD_METADATA_ENDPOINT] : [];
  const docs = await Promise.all(targets.map((e) => fetchYCloudMetadata(e)));
  const rows: Row[] = [];
  targets.forEach((endpoint, i) => {
    const doc = docs[i];
    if (doc) rows.push(yCloudRow(doc, endpoint));
  });
  return rows;
}
