// Azure's Instance Metadata Service: the compute document that both azure_*
// tables read. Functions take the base URL so tests can serve it locally.
import { httpFetch } from "../../src/http.ts";
import type { Row } from "../../src/table.ts";
import { verbose } from "../../src/logger/glog.ts";

export const AZURE_METADATA_BASE = "http://169.254.169.254";

/** osquery asks for this API version (supported in every Azure region) and waits 3 s. */
const PATH = "/metadata/instance/compute?api-version=2018-02-01";
const TIMEOUT_MS = 3000;

/** The compute document, or undefined on any failure or a non-object body. */
export async function azureCompute(base: string): Promise<Record<string, unknown> | undefined> {
  try {
    const res = await httpFetch(`${base}${PATH}`, { headers: { Metadata: "true" }, redirect: "manual", signal: AbortSignal.timeout(TIMEOUT_MS) });
    if (res.status !== 200) return undefined;
    const doc = (await res.json()) as unknown;
    return typeof doc === "object" && doc !== null && !Array.isArray(doc) ? (doc as Record<string, unknown>) : undefined;
  } catch (e) {
    verbose("azure.ts", `Azure metadata service unreachable: ${(e as Error).message}`);
    return undefined;
  }
}

/** A string member; anything else reads as "" (as osquery's getAzureKey). */
export function azureKey(doc: Record<string, unknown>, key: string): string {
  const v = doc[key];
  return typeof v === "string" ? v : "";
}

/** The azure_instance_metadata row; nothing (and no request) unless `detected`. */
export async function azureInstanceMetadata(base: string, detected: boolean): Promise<Row[]> {
  if (!detected) return [];
  const doc = await azureCompute(base);
  if (!doc) return [];
  const k = (key: string) => azureKey(doc, key);
  return [
    {
      location: k("location"),
      name: k("name"),
      offer: k("offer"),
      publisher: k("publisher"),
      sku: k("sku"),
      version: k("version"),
      os_type: k("osType"),
      platform_update_domain: k("platformUpdateDomain"),
      platform_fault_domain: k("platformFaultDomain"),
      vm_id: k("vmId"),
      vm_size: k("vmSize"),
      subscription_id: k("subscriptionId"),
      resource_group_name: k("resourceGroupName"),
      placement_group_id: k("placementGroupId"),
      vm_scale_set_name: k("vmScaleSetName"),
      zone: k("zone"),
    },
  ];
}

/** "k1:v1;k2:v2" as pairs, split at each entry's first colon; entries without one are dropped. */
export function parseAzureTags(tags: string): { key: string; value: string }[] {
  return tags
    .split(";")
    .filter((t) => t.includes(":"))
    .map((t) => {
      const i = t.indexOf(":");
      return { key: t.slice(0, i), value: t.slice(i + 1) };
    });
}

/** The azure_instance_tags rows; nothing (and no request) unless `detected`. */
export async function azureInstanceTags(base: string, detected: boolean): Promise<Row[]> {
  if (!detected) return [];
  const doc = await azureCompute(base);
  if (!doc) return [];
  const vmId = azureKey(doc, "vmId");
  return parseAzureTags(azureKey(doc, "tags")).map((t) => ({ vm_id: vmId, key: t.key, value: t.value }));
}
