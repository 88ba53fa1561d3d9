// The system family: every table file in this folder, registered in one list.
import type { Table } from "../../src/table.ts";

export const tables: Table[] = [];
