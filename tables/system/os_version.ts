// os_version: one row describing the distribution.
//
// As osquery on Linux: defaults are name "Unknown", major/minor/patch 0 and
// platform "posix"; /etc/os-release (when non-empty) fills NAME → name,
// VERSION → version, BUILD_ID → build, ID → platform, ID_LIKE →
// platform_like, VERSION_CODENAME (or any other *CODENAME* key) → codename,
// and VERSION_ID split on "." → major/minor/patch; a value that starts with a
// double quote loses its first and last character. If /etc/redhat-release (or
// else /etc/gentoo-release) exists it wins: platform and platform_like become
// "rhel" (or "gentoo"), version its whitespace-collapsed text (each run
// shrunk to its first character, so line breaks stay), and
// name/major/minor/patch come from the first line that reads
// "<name> ... <major>.<minor>[.<patch>]".
// arch is uname's machine.
import { machine } from "node:os";
import { forEachNamespace } from "../../src/linux/namespaces.ts";
import { readText } from "../../src/linux/proc.ts";
import { defineTable, type Row } from "../../src/table.ts";
import { osquerySplit, osquerySplitN } from "../../src/linux/split.ts";

const OS_RELEASE_COLUMNS: Record<string, string> = {
  NAME: "name",
  VERSION: "version",
  BUILD_ID: "build",
  ID: "platform",
  ID_LIKE: "platform_like",
  VERSION_CODENAME: "codename",
  VERSION_ID: "_id",
};

export default defineTable({
  name: "os_version",
  columns: {
    name: "TEXT",
    version: "TEXT collate=version",
    major: "INTEGER",
    minor: "INTEGER",
    patch: "INTEGER",
    build: "TEXT",
    platform: "TEXT",
    platform_like: "TEXT",
    codename: "TEXT",
    arch: "TEXT",
    pid_with_namespace: "INTEGER hidden additional",
    mount_namespace_id: "TEXT hidden",
    extra: "TEXT platform",
    install_date: "BIGINT platform",
    revision: "INTEGER platform",
  },
  generate(ctx) {
    return forEachNamespace(ctx, (ns) => [
      osVersionRow({
        osRelease: readText(`${ns.root}/etc/os-release`),
        redhatRelease: readText(`${ns.root}/etc/redhat-release`),
        gentooRelease: readText(`${ns.root}/etc/gentoo-release`),
        arch: machine(),
      }),
    ]);
  },
});

export interface OsVersionSources {
  readonly osRelease: string | null;
  readonly redhatRelease: string | null;
  readonly gentooRelease: string | null;
  readonly arch: string;
}

export function osVersionRow(src: OsVersionSources): Row {
  const r: Record<string, string> = { name: "Unknown", major: "0", minor: "0", patch: "0", platform: "posix" };
  if (src.osRelease) parseOsRelease(src.osRelease, r);
  r.arch = src.arch;

  let content: string;
  if (src.redhatRelease !== null) {
    r.platform = "rhel";
    r.platform_like = "rhel";
    content = src.redhatRelease;
  } else if (src.gentooRelease !== null) {
    r.platform = "gentoo";
    r.platform_like = "gentoo";
    content = src.gentooRelease;
  } else {
    return finish(r);
  }

  // boost::trim_all (os_version.cpp) keeps the FIRST character of each inner
  // whitespace run, so newlines survive and the lines below are real lines.
  content = content.replace(/^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g, "").replace(/[ \t\n\v\f\r]+/g, (run) => run[0] as string);
  for (const line of osquerySplit(content, "\n")) {
    const m = /([\w+\s]+) .* ([0-9]+)\.([0-9]+)\.?(\w+)?/.exec(line);
    if (m) {
      r.name = m[1] as string;
      r.major = m[2] as string;
      r.minor = m[3] as string;
      r.patch = m[4] || "0";
      break;
    }
  }
  r.version = content;
  r.build = "";
  return finish(r);
}

function parseOsRelease(text: string, r: Record<string, string>): void {
  for (const line of osquerySplit(text, "\n")) {
    const fields = osquerySplitN(line, "=", 1);
    if (fields.length !== 2) continue;
    const key = fields[0] as string;
    const column = OS_RELEASE_COLUMNS[key] ?? (key.includes("CODENAME") ? "codename" : undefined);
    if (!column) continue;
    let value = fields[1] as string;
    if (value.startsWith('"')) value = value.slice(1, -1);
    r[column] = value;
    if (column === "_id") {
      const parts = osquerySplitN(value, ".", 2);
      if (parts.length >= 3) r.patch = parts[2] as string;
      if (parts.length >= 2) r.minor = parts[1] as string;
      if (parts.length >= 1) r.major = parts[0] as string;
    }
  }
}

function finish(r: Record<string, string>): Row {
  const { _id: _unused, ...row } = r;
  return { ...row, pid_with_namespace: 0 };
}
