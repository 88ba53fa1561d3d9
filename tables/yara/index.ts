// The yara family: YARA scans of files and process memory.
import type { Table } from "../../src/table.ts";
import yaraFile from "./yara_file.ts";
import yaraProcess from "./yara_process.ts";

export const tables: Table[] = [yaraFile, yaraProcess];
