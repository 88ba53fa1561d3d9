// magic: file(1)'s description, MIME type and MIME encoding of the paths
// named by `path` (= or IN; osquery does not expand LIKE here), using the
// magic databases named by `magic_db_files` (= or IN, joined with ":") or, by
// default, /usr/share/file/magic.mgc and /usr/share/misc/magic.mgc. No rows
// when libmagic is missing or no database loads. Paths and database names are
// taken as osquery's constraint sets give them: distinct and sorted, so rows
// come in path order whatever the order of an IN list. (osquery,
// tables/system/posix/magic.cpp, leaves its libmagic cookie in MIME-encoding
// mode after the first path, so its `data` for later paths of an IN list is
// the encoding; osq deliberately describes every path alike.)
import { describeFiles } from "../../src/linux/libmagic.ts";
import { compareBytes } from "../../src/linux/glob.ts";
import { defineTable, type Row } from "../../src/table.ts";

export const DEFAULT_MAGIC_FILES = ["/usr/share/file/magic.mgc", "/usr/share/misc/magic.mgc"];

export default defineTable({
  name: "magic",
  columns: {
    path: "TEXT required index",
    magic_db_files: "TEXT additional",
    data: "TEXT",
    mime_type: "TEXT",
    mime_encoding: "TEXT",
  },
  generate(ctx) {
    const paths = ctx.equals("path").sort(compareBytes);
    if (paths.length === 0) return [];
    const named = ctx.equals("magic_db_files").sort(compareBytes);
    const dbFiles = (ctx.hasConstraint("magic_db_files") ? named : DEFAULT_MAGIC_FILES).join(":");
    const described = describeFiles(paths, dbFiles);
    if (!described) return [];
    return paths.map((path, i): Row => {
      const d = described[i] ?? {};
      return { path, magic_db_files: dbFiles, data: d.data, mime_type: d.mimeType, mime_encoding: d.mimeEncoding };
    });
  },
});
