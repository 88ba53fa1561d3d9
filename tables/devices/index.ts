// The devices family: disks and disk images read through libtsk, unmounted.
import type { Table } from "../../src/table.ts";
import deviceFile from "./device_file.ts";
import deviceHash from "./device_hash.ts";
import devicePartitions from "./device_partitions.ts";

export const tables: Table[] = [devicePartitions, deviceFile, deviceHash];
