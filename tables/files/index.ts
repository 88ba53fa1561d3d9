// The files family: every table file in this folder, registered in one list.
import type { Table } from "../../src/table.ts";
import carves from "./carves.ts";
import extendedAttributes from "./extended_attributes.ts";
import file from "./file.ts";
import hash from "./hash.ts";
import magic from "./magic.ts";
import suidBin from "./suid_bin.ts";

export const tables: Table[] = [file, hash, extendedAttributes, suidBin, magic, carves];
