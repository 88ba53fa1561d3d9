// Run by ycloud_instance_metadata.test.ts inside a mount namespace: prints the
// rows the real generator gives there (its requests are traced from outside).
import table from "../../../tables/cloud/ycloud_instance_metadata.ts";
import { QueryContext } from "../../../src/table.ts";

console.log(JSON.stringify(await table.generate(new QueryContext())));
