// docker_container_fs_changes: files changed in the writable layer of each
// container the query names (id is required): C modified, A added, D deleted.
import { dockerApi, dockerSocketPath, isIdPrefix, list, num, text } from "../../src/linux/docker.ts";
import { defineTable, type QueryContext, type Row } from "../../src/table.ts";
import { mapLimit } from "./common.ts";

export default defineTable({
  name: "docker_container_fs_changes",
  columns: {
    id: "TEXT required index collate=nocase",
    path: "TEXT",
    change_type: "TEXT",
  },
  generate: (ctx) => dockerContainerFsChangesRows(ctx),
});

/** Docker's change Kind (0, 1, 2) as osquery's letters. */
export const CHANGE_KINDS: Readonly<Record<number, string>> = { 0: "C", 1: "A", 2: "D" };

export async function dockerContainerFsChangesRows(ctx: QueryContext, socket = dockerSocketPath()): Promise<Row[]> {
  // A std::set in osquery: each id once, in byte order.
  const ids = [...new Set(ctx.equals("id"))].sort().filter(isIdPrefix);
  const perId = await mapLimit(ids, 4, async (id) => {
    const changes = await dockerApi(`/containers/${id}/changes`, socket);
    return list(changes).map((c) => ({ id, path: text(c, "Path"), change_type: CHANGE_KINDS[num(c, "Kind", -1)] ?? "" }));
  });
  return perId.flat();
}
