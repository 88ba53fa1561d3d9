// Helpers the docker_* tables share: listing containers (with the query's id
// constraints sent as filters), listing images, and label rows.
import { dockerApi, entries, filterQuery, idValue, isIdPrefix, list, text, type DockerJson } from "../../src/linux/docker.ts";
import type { QueryContext, Row } from "../../src/table.ts";

export interface Listed {
  /** The objects the API returned. */
  readonly items: DockerJson[];
  /** The constraint values sent as filters, echoed back by idValue(). */
  readonly ids: ReadonlySet<string>;
}

/**
 * GET /containers/json as osquery's getContainers asks for it: every
 * container (all=1) filtered by the query's id constraints when there are
 * some, else the running ones only.
 */
export async function listContainers(ctx: QueryContext, socket: string): Promise<Listed | undefined> {
  const { query, items } = filterQuery("id", ctx.equals("id"), true);
  const body = await dockerApi(`/containers/json${query}`, socket);
  if (!Array.isArray(body)) return undefined;
  return { items: body, ids: items };
}

/** The container's id as its rows report it. */
export function containerId(container: DockerJson, ids: ReadonlySet<string>): string {
  return idValue(text(container, "Id"), ids);
}

/**
 * Image ids a per-image table works on: the query's hex id constraints as
 * given (Docker resolves prefixes), or every image from /images/json.
 */
export async function imageIds(ctx: QueryContext, socket: string): Promise<string[]> {
  // Each once, in byte order (osquery iterates a std::set).
  const wanted = [...new Set(ctx.equals("id"))].sort().filter(isIdPrefix).filter((v) => v !== "");
  if (wanted.length > 0) return wanted;
  if (ctx.equals("id").length > 0) return []; // only non-hex values: nothing can match
  const images = await dockerApi("/images/json", socket);
  return list(images).map((i) => idValue(text(i, "Id"), new Set()));
}

/**
 * Label rows of Docker objects: one row per Labels entry, keyed by the
 * object's id or name column (as idValue reports it).
 */
export function labelRows(objects: DockerJson[], column: string, field: string, ids: ReadonlySet<string>): Row[] {
  const rows: Row[] = [];
  for (const obj of objects) {
    const key = idValue(text(obj, field), ids);
    for (const [k, v] of entries(obj, "Labels")) {
      rows.push({ [column]: key, key: k, value: typeof v === "string" ? v : v === null ? "" : String(v) });
    }
  }
  return rows;
}

/** Runs `fn` over items with a small concurrency limit (per-container API calls). */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
