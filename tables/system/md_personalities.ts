// md_personalities: the RAID personalities the md driver has registered
// (the bracketed words of /proc/mdstat's "Personalities :" line).
import { defineTable } from "../../src/table.ts";
import { MDSTAT_PATH, readMdStat } from "./mdstat.ts";

export default defineTable({
  name: "md_personalities",
  columns: {
    name: "TEXT",
  },
  generate() {
    return readMdStat(MDSTAT_PATH).personalities.map((name) => ({ name }));
  },
});
