// UEFI signature databases (db, dbx, KEK, PK) as efivarfs shows them: 4
// bytes of variable attributes, then a run of EFI_SIGNATURE_LISTs. Each list
// is a 28-byte header (SignatureType GUID, then little-endian u32
// SignatureListSize, SignatureHeaderSize, SignatureSize), an optional
// SignatureHeader, and SignatureSize-byte entries, each a 16-byte owner GUID
// followed by the signature itself (a DER certificate for X.509 lists, a
// digest for hash lists).
//
// The walk follows osquery's secureboot_certificates: a list is taken as
// X.509 when the first byte of its type GUID is that of EFI_CERT_X509_GUID
// (0xa1); a zero or overrunning list size ends the walk; a list whose
// entries cannot hold a payload, or whose header overruns it, is skipped.

/** EFI_CERT_X509_GUID, and the byte it starts with on disk (GUIDs are stored mixed-endian). */
export const EFI_CERT_X509_GUID = "a5c059a1-94e4-4aa7-87b5-ab155c2bf072";
const X509_GUID_FIRST_BYTE = 0xa1;

const ATTRIBUTES_SIZE = 4;
const LIST_HEADER_SIZE = 28;
const OWNER_GUID_SIZE = 16;

/** One signature of an X.509 list: where it starts in the variable and its bytes (without the owner GUID). */
export interface SignatureEntry {
  readonly offset: number;
  readonly data: Uint8Array;
}

/** The entries of every X.509 signature list in an efivarfs variable's content. */
export function x509SignatureEntries(content: Uint8Array): SignatureEntry[] {
  const out: SignatureEntry[] = [];
  const total = content.length;
  if (total < ATTRIBUTES_SIZE + LIST_HEADER_SIZE) return out;
  const view = new DataView(content.buffer, content.byteOffset, content.byteLength);
  let head = ATTRIBUTES_SIZE;
  while (head + LIST_HEADER_SIZE <= total) {
    const listSize = view.getUint32(head + 16, true);
    const headerSize = view.getUint32(head + 20, true);
    const sigSize = view.getUint32(head + 24, true);
    if (listSize === 0 || head + listSize > total) break;
    const next = head + listSize;
    const entriesStart = head + LIST_HEADER_SIZE + headerSize;
    if (content[head] === X509_GUID_FIRST_BYTE && sigSize > OWNER_GUID_SIZE && entriesStart <= next) {
      const count = Math.floor((next - entriesStart) / sigSize);
      for (let i = 0; i < count; i++) {
        const start = entriesStart + i * sigSize + OWNER_GUID_SIZE;
        const end = start + sigSize - OWNER_GUID_SIZE;
        if (end > total) break;
        out.push({ offset: start, data: content.subarray(start, end) });
      }
    }
    head = next;
  }
  return out;
}

/** A GUID's 16 on-disk bytes (first three fields little-endian), e.g. for building lists. */
export function guidBytes(guid: string): Uint8Array {
  const hex = guid.replaceAll("-", "");
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new Error(`not a GUID: ${guid}`);
  const b = Buffer.from(hex, "hex");
  return new Uint8Array([b[3]!, b[2]!, b[1]!, b[0]!, b[5]!, b[4]!, b[7]!, b[6]!, ...b.subarray(8)]);
}

/** One EFI_SIGNATURE_LIST of equal-sized entries (owner GUID + payload each). */
export function buildSignatureList(typeGuid: string, owner: string, payloads: readonly Uint8Array[], header = new Uint8Array(0)): Uint8Array {
  const sigSize = OWNER_GUID_SIZE + (payloads[0]?.length ?? 0);
  const listSize = LIST_HEADER_SIZE + header.length + sigSize * payloads.length;
  const out = new Uint8Array(listSize);
  const view = new DataView(out.buffer);
  out.set(guidBytes(typeGuid), 0);
  view.setUint32(16, listSize, true);
  view.setUint32(20, header.length, true);
  view.setUint32(24, sigSize, true);
  out.set(header, LIST_HEADER_SIZE);
  let p = LIST_HEADER_SIZE + header.length;
  for (const payload of payloads) {
    if (payload.length !== sigSize - OWNER_GUID_SIZE) throw new Error("signature list entries must be the same size");
    out.set(guidBytes(owner), p);
    out.set(payload, p + OWNER_GUID_SIZE);
    p += sigSize;
  }
  return out;
}
