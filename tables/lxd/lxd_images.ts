// lxd_images: the images in the LXD image store (/1.0/images, then each
// image). `WHERE id = ...` fetches those images directly (LXD accepts a
// fingerprint prefix) and reports the id as given. As in osquery an image
// missing any field it reads (its properties, update_source, ...) is left out.
import { bool, byteOrder, child, items, listUrls, lxdGet, lxdSocketPath, mapInOrder, rowOrNull, text, u64 } from "../../src/linux/lxd.ts";
import { defineTable, type Row } from "../../src/table.ts";

export default defineTable({
  name: "lxd_images",
  columns: {
    id: "TEXT index collate=nocase",
    architecture: "TEXT",
    os: "TEXT",
    release: "TEXT",
    description: "TEXT",
    aliases: "TEXT",
    filename: "TEXT",
    size: "BIGINT",
    auto_update: "INTEGER",
    cached: "INTEGER",
    public: "INTEGER",
    created_at: "TEXT",
    expires_at: "TEXT",
    uploaded_at: "TEXT",
    last_used_at: "TEXT",
    update_source_server: "TEXT",
    update_source_protocol: "TEXT",
    update_source_certificate: "TEXT",
    update_source_alias: "TEXT",
  },
  generate: (ctx) => lxdImagesRows(byteOrder(ctx.equals("id")), lxdSocketPath()),
});

export async function lxdImagesRows(ids: readonly string[], socket: string): Promise<Row[]> {
  const targets = ids.length > 0 ? ids.map((id) => ({ url: `/1.0/images/${encodeURIComponent(id)}`, id })) : (await listUrls("/1.0/images", socket)).map((url) => ({ url, id: "" }));
  return mapInOrder(targets, 8, async ({ url, id }) => {
    const body = await lxdGet(url, socket);
    if (body === undefined) return null;
    return rowOrNull((): Row => {
      const m = child(body, "metadata");
      const props = child(m, "properties");
      const source = () => child(m, "update_source");
      return {
        id: id === "" ? text(m, "fingerprint") : id,
        architecture: text(m, "architecture"),
        os: text(props, "os"),
        release: text(props, "release"),
        description: text(props, "description"),
        filename: text(m, "filename"),
        size: u64(m, "size"),
        auto_update: bool(m, "auto_update") ? 1 : 0,
        cached: bool(m, "cached") ? 1 : 0,
        public: bool(m, "public") ? 1 : 0,
        created_at: text(m, "created_at"),
        expires_at: text(m, "expires_at"),
        uploaded_at: text(m, "uploaded_at"),
        last_used_at: text(m, "last_used_at"),
        update_source_server: text(source(), "server"),
        update_source_protocol: text(source(), "protocol"),
        update_source_certificate: text(source(), "certificate"),
        update_source_alias: text(source(), "alias"),
        aliases: items(child(m, "aliases"))
          .map(([, alias]) => text(alias, "name"))
          .join(","),
      };
    });
  });
}
