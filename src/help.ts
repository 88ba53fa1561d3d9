// --help in osquery's layout (INTERFACES §1): sections of flags, sorted,
// four-space indent, `--name VALUE`, descriptions aligned to one column.
import { FLAGS, type FlagSpec } from "./flags/registry.ts";
import { OSQUERY_VERSION } from "./version.ts";

function usage(f: FlagSpec): string {
  return `    --${f.name}${f.type === "bool" ? "" : " VALUE"}`;
}

export function helpText(role: "shell" | "daemon"): string {
  const sorted = [...FLAGS].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const cli = sorted.filter((f) => f.kind === "cli" && f.name !== "flagfile");
  const normal = sorted.filter((f) => f.kind === "normal");
  const shell = role === "shell" ? sorted.filter((f) => f.kind === "shell") : [];
  const flagfile = FLAGS.find((f) => f.name === "flagfile")!;
  // osquery aligns descriptions past the longest name of every flag it defines,
  // hidden ones included: four spaces, "--", the name, room for " VALUE", two spaces.
  const longest = Math.max(...FLAGS.filter((f) => f !== flagfile).map((f) => f.name.length));
  const col = 6 + longest + 6 + 2;
  const line = (f: FlagSpec) => usage(f).padEnd(col) + f.description;
  const out = [
    `osquery ${OSQUERY_VERSION}, your OS as a high-performance relational database`,
    `Usage: ${role === "shell" ? "osqueryi [OPTION]... [SQL STATEMENT]" : "osqueryd [OPTION]... "}`,
    "",
    "osquery command line flags:",
    "",
    "    --flagfile PATH".padEnd(col) + flagfile.description,
    ...cli.map(line),
    "",
    "osquery configuration options (set by config or CLI flags):",
    "",
    ...normal.map(line),
  ];
  if (role === "shell") out.push("", "osquery shell-only CLI flags:", "", ...shell.map(line));
  out.push("", "osquery project page <https://osquery.io>.");
  return out.join("\n") + "\n";
}
