// The text OpenSSL 3 prints for a certificate's extensions and signature
// (X509V3_EXT_print, i2v_GENERAL_NAME, ASN1_STRING_print, OBJ_nid2sn), which
// is what osquery's curl_certificate columns hold.
import { childrenOf, contentOf as content, decodeOid, decodeString as decodeStringOf, integerText, readTlv, type Tlv } from "./der.ts";
import { firstExtension, OID, signatureAlgorithm, type Certificate, type Extension } from "./x509.ts";
import { nameOneline, namePrintOneline, parseName } from "./x509_name.ts";

const decodeString = (buf: Uint8Array, t: Tlv): string => decodeStringOf(t.tag, content(buf, t));

const hexColon = (b: Uint8Array, upper: boolean): string =>
  [...b].map((x) => x.toString(16).padStart(2, "0")).map((h) => (upper ? h.toUpperCase() : h)).join(":");

/** OpenSSL long names (OBJ_obj2txt with names) of OIDs that appear in extension values. */
const LONG_NAMES: Record<string, string> = {
  // extended key usage
  "1.3.6.1.5.5.7.3.1": "TLS Web Server Authentication",
  "1.3.6.1.5.5.7.3.2": "TLS Web Client Authentication",
  "1.3.6.1.5.5.7.3.3": "Code Signing",
  "1.3.6.1.5.5.7.3.4": "E-mail Protection",
  "1.3.6.1.5.5.7.3.5": "IPSec End System",
  "1.3.6.1.5.5.7.3.6": "IPSec Tunnel",
  "1.3.6.1.5.5.7.3.7": "IPSec User",
  "1.3.6.1.5.5.7.3.8": "Time Stamping",
  "1.3.6.1.5.5.7.3.9": "OCSP Signing",
  "1.3.6.1.5.5.7.3.17": "ipsec Internet Key Exchange",
  "2.5.29.37.0": "Any Extended Key Usage",
  "1.3.6.1.4.1.311.2.1.21": "Microsoft Individual Code Signing",
  "1.3.6.1.4.1.311.2.1.22": "Microsoft Commercial Code Signing",
  "1.3.6.1.4.1.311.10.3.1": "Microsoft Trust List Signing",
  "1.3.6.1.4.1.311.10.3.3": "Microsoft Server Gated Crypto",
  "1.3.6.1.4.1.311.10.3.4": "Microsoft Encrypted File System",
  "1.3.6.1.4.1.311.20.2.2": "Microsoft Smartcard Login",
  "2.16.840.1.113730.4.1": "Netscape Server Gated Crypto",
  // access methods
  "1.3.6.1.5.5.7.48.1": "OCSP",
  "1.3.6.1.5.5.7.48.2": "CA Issuers",
  "1.3.6.1.5.5.7.48.3": "AD Time Stamping",
  "1.3.6.1.5.5.7.48.5": "CA Repository",
  // policies
  "2.5.29.32.0": "X509v3 Any Policy",
};

const objText = (oid: string): string => LONG_NAMES[oid] ?? oid;

/** OpenSSL's short name of the signature algorithm, "undefined" when it has none. */
export function signatureAlgorithmName(oid: string): string {
  return signatureAlgorithm(oid)?.sn ?? "undefined";
}

/** The signature bytes as lowercase colon-separated hex ("" for an unknown algorithm, as osquery). */
export function signatureHex(cert: Certificate): string {
  return signatureAlgorithm(cert.signatureOid)?.sn ? hexColon(cert.signature, false) : "";
}

function ipText(b: Uint8Array): string {
  if (b.length === 4) return [...b].join(".");
  if (b.length === 16) {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(((b[i]! << 8) | b[i + 1]!).toString(16).toUpperCase());
    return groups.join(":");
  }
  return "<invalid>";
}

/** One GeneralName as i2v_GENERAL_NAME names it: [name, value]. */
function generalName(buf: Uint8Array, t: Tlv): [string, string] {
  const raw = () => Buffer.from(content(buf, t)).toString("latin1");
  switch (t.tag) {
    case 0:
      return ["othername", "<unsupported>"];
    case 1:
      return ["email", raw()];
    case 2:
      return ["DNS", raw()];
    case 3:
      return ["X400Name", "<unsupported>"];
    case 4: {
      const inner = childrenOf(buf, t)[0];
      return ["DirName", inner ? nameOneline(parseName(buf, inner)) : ""];
    }
    case 5:
      return ["EdiPartyName", "<unsupported>"];
    case 6:
      return ["URI", raw()];
    case 7:
      return ["IP Address", ipText(content(buf, t))];
    case 8:
      return ["Registered ID", objText(decodeOid(content(buf, t)))];
    default:
      return ["", ""];
  }
}

type Conf = [name: string | null, value: string | null];

/** X509V3_EXT_val_prn: one line per value when multiline, else ", "-separated. */
function valPrn(values: Conf[], indent: number, multiline: boolean): string {
  const pad = " ".repeat(indent);
  if (values.length === 0) return pad + "<EMPTY>\n";
  const text = values.map(([n, v]) => (n === null ? (v ?? "") : v === null ? n : `${n}:${v}`));
  return multiline ? text.map((t) => pad + t).join("\n") : pad + text.join(", ");
}

const KEY_USAGE_NAMES = [
  "Digital Signature",
  "Non Repudiation",
  "Key Encipherment",
  "Data Encipherment",
  "Key Agreement",
  "Certificate Sign",
  "CRL Sign",
  "Encipher Only",
  "Decipher Only",
];

function bitSet(bits: Uint8Array, n: number): boolean {
  const byte = 1 + (n >> 3);
  return byte < bits.length && (bits[byte]! & (0x80 >> (n & 7))) !== 0;
}

function generalNames(buf: Uint8Array, t: Tlv): Conf[] {
  return childrenOf(buf, t).map((g) => generalName(buf, g));
}

/** i2r_certpol with its qualifiers (CPS and user notices). */
function certificatePolicies(buf: Uint8Array, root: Tlv, indent: number): string {
  let out = "";
  const pad = (n: number) => " ".repeat(n);
  for (const info of childrenOf(buf, root)) {
    const [idT, qualsT] = childrenOf(buf, info);
    out += `${pad(indent)}Policy: ${objText(decodeOid(content(buf, idT!)))}\n`;
    if (!qualsT) continue;
    const quals = childrenOf(buf, qualsT);
    quals.forEach((q, i) => {
      if (i > 0) out += "\n";
      const [qid, qv] = childrenOf(buf, q);
      const qoid = decodeOid(content(buf, qid!));
      const ind = indent + 2;
      if (qoid === "1.3.6.1.5.5.7.2.1" && qv) {
        out += `${pad(ind)}CPS: ${decodeString(buf, qv)}`;
      } else if (qoid === "1.3.6.1.5.5.7.2.2") {
        out += `${pad(ind)}User Notice:\n`;
        let ref: Tlv | undefined;
        let explicit: Tlv | undefined;
        for (const part of qv ? childrenOf(buf, qv) : []) {
          if (part.tag === 16 && part.constructed) ref = part;
          else explicit = part;
        }
        const ind2 = ind + 2;
        if (ref) {
          const [org, nums] = childrenOf(buf, ref);
          const numbers = nums ? childrenOf(buf, nums).map((n) => integerText(content(buf, n))) : [];
          out += `${pad(ind2)}Organization: ${org ? decodeString(buf, org) : ""}\n`;
          out += `${pad(ind2)}Number${numbers.length > 1 ? "s" : ""}: ${numbers.join(", ")}`;
          if (explicit) out += "\n";
        }
        if (explicit) out += `${pad(ind2)}Explicit Text: ${decodeString(buf, explicit)}`;
      } else {
        out += `${pad(ind + 2)}Unknown Qualifier: ${objText(qoid)}`;
      }
    });
    if (quals.length > 0) out += "\n";
  }
  return out;
}

/** i2r_NAME_CONSTRAINTS: "Permitted:" / "Excluded:" followed by one subtree per line. */
function nameConstraints(buf: Uint8Array, root: Tlv, indent: number): string {
  const pad = (n: number) => " ".repeat(n);
  const section = (t: Tlv | undefined, label: string): string => {
    if (!t) return "";
    const trees = childrenOf(buf, t);
    if (trees.length === 0) return "";
    const lines = trees.map((tree) => {
      const base = childrenOf(buf, tree)[0]!;
      if (base.tag === 7) {
        const b = content(buf, base);
        const half = b.length / 2;
        return `${pad(indent + 2)}IP:${ipText(b.subarray(0, half))}/${ipText(b.subarray(half))}`;
      }
      if (base.tag === 4) {
        // GENERAL_NAME_print shows a directory name in OpenSSL's one-line form.
        const inner = childrenOf(buf, base)[0];
        const dn = inner ? namePrintOneline(parseName(buf, inner)) : "";
        return `${pad(indent + 2)}DirName:${dn}`;
      }
      const [n, v] = generalName(buf, base);
      return `${pad(indent + 2)}${n}:${v}`;
    });
    return `${pad(indent)}${label}:\n${lines.join("\n")}`;
  };
  let permitted: Tlv | undefined;
  let excluded: Tlv | undefined;
  for (const part of childrenOf(buf, root)) {
    if (part.tag === 0) permitted = part;
    else if (part.tag === 1) excluded = part;
  }
  const p = section(permitted, "Permitted");
  const e = section(excluded, "Excluded");
  return p && e ? `${p}\n${e}` : p + e;
}

/**
 * The text X509V3_EXT_print produces for one extension at `indent`, or
 * undefined when OpenSSL would not decode it (unknown or malformed).
 */
export function formatExtension(ext: Extension, indent = 0): string | undefined {
  const buf = ext.value;
  const pad = " ".repeat(indent);
  try {
    const root = readTlv(buf, 0);
    switch (ext.oid) {
      case OID.subjectKeyIdentifier:
        return pad + hexColon(content(buf, root), true);
      case OID.authorityKeyIdentifier: {
        const parts = childrenOf(buf, root);
        const keyid = parts.find((p) => p.tag === 0);
        const issuer = parts.find((p) => p.tag === 1);
        const serial = parts.find((p) => p.tag === 2);
        const values: Conf[] = [];
        if (keyid) values.push([issuer || serial ? "keyid" : null, hexColon(content(buf, keyid), true)]);
        if (issuer) for (const item of generalNames(buf, issuer)) values.push(item);
        if (serial) {
          // OpenSSL holds an INTEGER as its magnitude, without the DER sign octet.
          let b = content(buf, serial);
          while (b.length > 1 && b[0] === 0) b = b.subarray(1);
          values.push(["serial", hexColon(b, true)]);
        }
        return valPrn(values, indent, true);
      }
      case OID.keyUsage: {
        const bits = content(buf, root);
        const names = KEY_USAGE_NAMES.filter((_, i) => bitSet(bits, i));
        return valPrn(names.map((n) => [n, null]), indent, false);
      }
      case OID.extKeyUsage:
        return valPrn(childrenOf(buf, root).map((o) => [null, objText(decodeOid(content(buf, o)))]), indent, false);
      case OID.subjectAltName:
      case OID.issuerAltName:
        return valPrn(generalNames(buf, root), indent, false);
      case OID.authorityInfoAccess:
      case OID.subjectInfoAccess: {
        const values: Conf[] = childrenOf(buf, root).map((ad) => {
          const [method, location] = childrenOf(buf, ad);
          const [n, v] = generalName(buf, location!);
          return [`${objText(decodeOid(content(buf, method!)))} - ${n}`, v];
        });
        return valPrn(values, indent, true);
      }
      case OID.basicConstraints: {
        let ca = false;
        let pathlen: string | undefined;
        for (const p of childrenOf(buf, root)) {
          if (p.tag === 1) ca = buf[p.contentStart] !== 0;
          else if (p.tag === 2) pathlen = integerText(content(buf, p));
        }
        const values: Conf[] = [["CA", ca ? "TRUE" : "FALSE"]];
        if (pathlen !== undefined) values.push(["pathlen", pathlen]);
        return valPrn(values, indent, false);
      }
      case OID.policyConstraints: {
        const values: Conf[] = [];
        for (const p of childrenOf(buf, root)) {
          if (p.tag === 0) values.push(["Require Explicit Policy", integerText(content(buf, p))]);
          else if (p.tag === 1) values.push(["Inhibit Policy Mapping", integerText(content(buf, p))]);
        }
        return valPrn(values, indent, false);
      }
      case OID.policyMappings:
        return valPrn(
          childrenOf(buf, root).map((m) => {
            const [a, b] = childrenOf(buf, m);
            return [objText(decodeOid(content(buf, a!))), objText(decodeOid(content(buf, b!)))];
          }),
          indent,
          false,
        );
      case OID.certificatePolicies:
        return certificatePolicies(buf, root, indent);
      case OID.nameConstraints:
        return nameConstraints(buf, root, indent);
      default:
        return undefined;
    }
  } catch {
    // A value that does not decode is printed raw by extensionColumn, as OpenSSL falls back to.
    return undefined;
  }
}

/** ASN1_STRING_print: the raw bytes, non-printable ones as '.', osquery's fallback. */
function asn1StringPrint(b: Uint8Array): string {
  return [...b].map((c) => (c === 10 || c === 13 ? String.fromCharCode(c) : c < 32 || c > 126 ? "." : String.fromCharCode(c))).join("");
}

/**
 * An extension's column value as osquery's curl_certificate computes it: the
 * printed text, one trailing newline removed, other newlines turned into ';'.
 */
export function extensionColumn(cert: Certificate, oid: string): string {
  const ext = firstExtension(cert, oid);
  if (!ext) return "";
  let text = formatExtension(ext) ?? asn1StringPrint(ext.value);
  if (text.endsWith("\n") || text.endsWith("\r")) text = text.slice(0, -1);
  return text.replaceAll("\n", ";");
}
