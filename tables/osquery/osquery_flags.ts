import { defineTable } from "../../src/table.ts";
import { flags } from "../../src/flags/flags.ts";
import { FLAGS } from "../../src/flags/registry.ts";

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
    // osquery lists every flag but the hidden ones.
    return FLAGS.filter((f) => f.kind !== "hidden").map((f) => ({
      name: f.name,
      type: f.type,
      description: f.description,
      default_value: f.defaultValue,
      value: flags.get(f.name),
      shell_only: f.kind === "shell" ? 1 : 0,
    }));
  },
});
