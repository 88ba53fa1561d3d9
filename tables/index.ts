// Every built-in table, family by family. A family's own index lists its files.
import type { Table } from "../src/table.ts";
import { tables as accounts } from "./accounts/index.ts";
import { tables as apps } from "./apps/index.ts";
import { tables as cloud } from "./cloud/index.ts";
import { tables as containers } from "./containers/index.ts";
import { tables as events } from "./events/index.ts";
import { tables as devices } from "./devices/index.ts";
import { tables as files } from "./files/index.ts";
import { tables as hardware } from "./hardware/index.ts";
import { tables as lxd } from "./lxd/index.ts";
import { tables as network } from "./network/index.ts";
import { tables as osquery } from "./osquery/index.ts";
import { tables as packages } from "./packages/index.ts";
import { tables as process } from "./process/index.ts";
import { tables as system } from "./system/index.ts";
import { tables as yara } from "./yara/index.ts";

export const builtinTables: readonly Table[] = [
  ...osquery,
  ...system,
  ...files,
  ...process,
  ...network,
  ...accounts,
  ...packages,
  ...hardware,
  ...apps,
  ...containers,
  ...cloud,
  ...lxd,
  ...events,
  ...yara,
  ...devices,
];
