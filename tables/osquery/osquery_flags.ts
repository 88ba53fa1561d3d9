import { defineTable, type Row } from "../../src/table.ts";
import { flags } from "../../src/flags/flags.ts";
import { FLAG_BY_NAME, FLAGS } from "../../src/flags/registry.ts";

/** `flagfile` is a gflags built-in rather than an osquery flag, so osquery's list leaves it out. */
const NOT_OSQUERY_FLAGS: ReadonlySet<string> = new Set(["flagfile"]);

export default defineTable({
  name: "osquery_flags",
  utility: true,
  columns: {
    name: "TEXT",
    type: "TEXT",
    description: "TEXT",
    default_value: "TEXT",
    value: "TEXT",
    shell_only: "INTEGER",
  },
  generate() {
    // Hidden flags are listed too; only -S, -D, -L, -A style names (two characters
    // or fewer) are skipped (osquery/tables/utility/osquery.cpp), and aliases,
    // which are not in the registry's list of flags.
    const rows: Row[] = FLAGS.filter((f) => f.name.length > 2 && !NOT_OSQUERY_FLAGS.has(f.name)).map((f) => ({
      name: f.name,
      type: f.type,
      description: f.description,
      default_value: f.defaultValue,
      value: flags.get(f.name),
      shell_only: f.kind === "shell" ? 1 : 0,
    }));
    // custom_* options from the config are flags too, typed string with no default.
    for (const [name, value] of flags.entries()) {
      if (name.startsWith("custom_") && !FLAG_BY_NAME.has(name)) {
        rows.push({ name, type: "string", description: "", default_value: "", value, shell_only: 0 });
      }
    }
    // osquery builds the list in a std::map, so rows come out in byte order of name.
    return rows.sort((a, b) => (String(a.name) < String(b.name) ? -1 : String(a.name) > String(b.name) ? 1 : 0));
  },
});
