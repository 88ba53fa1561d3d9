// The process family: every table file in this folder, registered in one list.
import type { Table } from "../../src/table.ts";
import processEnvs from "./process_envs.ts";
import processMemoryMap from "./process_memory_map.ts";
import processNamespaces from "./process_namespaces.ts";
import processOpenFiles from "./process_open_files.ts";
import processOpenPipes from "./process_open_pipes.ts";
import processOpenSockets from "./process_open_sockets.ts";
import processes from "./processes.ts";

export const tables: Table[] = [
  processes,
  processEnvs,
  processOpenFiles,
  processMemoryMap,
  processOpenSockets,
  processNamespaces,
  processOpenPipes,
];
