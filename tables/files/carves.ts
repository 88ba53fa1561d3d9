import { defineTable, Op } from "../../src/table.ts";
import { expandPathConstraints, GLOB_ALL, GLOB_NO_CANON } from "../../src/linux/glob.ts";
import { flags } from "../../src/flags/flags.ts";
import { carveStore, listCarves, newCarveGuid, requestCarve, settled } from "../../src/remote/carves.ts";

// The carves recorded in the database; `carve = 1` with a path (= or LIKE)
// also requests a new carve of those paths, as osquery does, and only the
// new carve's row then has carve = 1.
export default defineTable({
  name: "carves",
  columns: {
    time: "BIGINT",
    sha256: "TEXT collate=nocase",
    size: "BIGINT",
    path: "TEXT additional",
    status: "TEXT",
    carve_guid: "TEXT index collate=nocase",
    request_id: "TEXT",
    carve: "INTEGER additional",
  },
  async generate(ctx) {
    const store = carveStore();
    await settled();
    const paths = expandPathConstraints(ctx, "path", GLOB_ALL | GLOB_NO_CANON);
    const requested = ctx.valuesOf("carve", Op.EQUALS).some((v) => Number(v) === 1);
    let fresh = "";
    if (!flags.bool("disable_carver") && requested && paths.length > 0) {
      const { guid, written } = requestCarve(store, paths, newCarveGuid(), Math.floor(Date.now() / 1000));
      await written;
      fresh = guid;
    }
    return listCarves(store).flatMap(({ record: r }) =>
      r
        ? [{ time: r.time, sha256: r.sha256, size: r.size, path: r.path, status: r.status, carve_guid: r.carve_guid, request_id: r.request_id, carve: r.carve_guid === fresh ? 1 : 0 }]
        : [],
    );
  },
});
