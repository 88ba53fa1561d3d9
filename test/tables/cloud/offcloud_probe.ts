// Run by cloud.test.ts inside a mount namespace that hides every cloud marker:
// calls each cloud table's generator with fetch replaced by a counter and
// prints how many rows each gave and how many requests were attempted.
import { tables } from "../../../tables/cloud/index.ts";
import { QueryContext } from "../../../src/table.ts";

let calls = 0;
const real = globalThis.fetch;
globalThis.fetch = Object.assign(async () => {
  calls++;
  throw new Error("no network in this probe");
}, real);
const rows: Record<string, number> = {};
for (const t of tables) rows[t.name] = (await t.generate(new QueryContext())).length;
console.log(JSON.stringify({ rows, calls }));
