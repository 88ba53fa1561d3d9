// lxd_certificates: the client certificates LXD trusts (/1.0/certificates,
// then each one), with the PEM text. Absent fields read as "".
import { child, lxdGet, lxdSocketPath, listUrls, mapInOrder, rowOrNull, text } from "../../src/linux/lxd.ts";
import { defineTable, type Row } from "../../src/table.ts";

export default defineTable({
  name: "lxd_certificates",
  columns: {
    name: "TEXT",
    type: "TEXT",
    fingerprint: "TEXT collate=nocase",
    certificate: "TEXT",
  },
  generate: () => lxdCertificatesRows(lxdSocketPath()),
});

export async function lxdCertificatesRows(socket: string): Promise<Row[]> {
  return mapInOrder(await listUrls("/1.0/certificates", socket), 8, async (url) => {
    const body = await lxdGet(url, socket);
    if (body === undefined) return null;
    return rowOrNull((): Row => {
      const m = child(body, "metadata");
      return { name: text(m, "name", ""), type: text(m, "type", ""), fingerprint: text(m, "fingerprint", ""), certificate: text(m, "certificate", "") };
    });
  });
}
