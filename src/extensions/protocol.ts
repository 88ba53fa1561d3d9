// osquery's extension IDL (osquery.thrift beside this file) as wire
// descriptors and TypeScript types: the structs, and each method's argument
// and result structs, for the Extension and ExtensionManager services.
import type { Desc, Field } from "./codec.ts";

export const ExtensionCode = { SUCCESS: 0, FAILED: 1, FATAL: 2 } as const;

export interface ExtensionStatus {
  code: number;
  message: string;
  uuid: number;
}

/** A row or a request: a flat map of strings. */
export type StringMap = Record<string, string>;

export interface ExtensionResponse {
  status: ExtensionStatus;
  response: StringMap[];
}

export interface InternalExtensionInfo {
  name: string;
  version: string;
  sdk_version: string;
  min_sdk_version: string;
}

export interface InternalOptionInfo {
  value: string;
  default_value: string;
  type: string;
}

/** registry name → plugin name → the plugin's route (a table's columns, …). */
export type ExtensionRegistry = Record<string, Record<string, StringMap[]>>;

const str: Desc = { t: "string" };
const i32: Desc = { t: "i32" };
const i64: Desc = { t: "i64" };
const stringMap: Desc = { t: "map", k: str, v: str };
const rows: Desc = { t: "list", e: stringMap };

const statusFields: readonly Field[] = [
  { id: 1, name: "code", desc: i32 },
  { id: 2, name: "message", desc: str },
  { id: 3, name: "uuid", desc: i64 },
];
const status: Desc = { t: "struct", fields: statusFields };
const response: Desc = {
  t: "struct",
  fields: [
    { id: 1, name: "status", desc: status },
    { id: 2, name: "response", desc: rows },
  ],
};
const extensionInfo: Desc = {
  t: "struct",
  fields: [
    { id: 1, name: "name", desc: str },
    { id: 2, name: "version", desc: str },
    { id: 3, name: "sdk_version", desc: str },
    { id: 4, name: "min_sdk_version", desc: str },
  ],
};
const optionInfo: Desc = {
  t: "struct",
  fields: [
    { id: 1, name: "value", desc: str },
    { id: 2, name: "default_value", desc: str },
    { id: 3, name: "type", desc: str },
  ],
};
const registry: Desc = { t: "map", k: str, v: { t: "map", k: str, v: rows } };

export interface MethodDesc {
  readonly args: readonly Field[];
  /** The result's field 0; null for a void method. */
  readonly result: Desc | null;
}

/** The Extension service, which the manager also serves. */
export const EXTENSION_METHODS = {
  ping: { args: [], result: status },
  call: {
    args: [
      { id: 1, name: "registry", desc: str },
      { id: 2, name: "item", desc: str },
      { id: 3, name: "request", desc: stringMap },
    ],
    result: response,
  },
  shutdown: { args: [], result: null },
} as const satisfies Record<string, MethodDesc>;

export const MANAGER_METHODS = {
  ...EXTENSION_METHODS,
  extensions: { args: [], result: { t: "map", k: i64, v: extensionInfo } },
  options: { args: [], result: { t: "map", k: str, v: optionInfo } },
  registerExtension: {
    args: [
      { id: 1, name: "info", desc: extensionInfo },
      { id: 2, name: "registry", desc: registry },
    ],
    result: status,
  },
  deregisterExtension: { args: [{ id: 1, name: "uuid", desc: i64 }], result: status },
  query: { args: [{ id: 1, name: "sql", desc: str }], result: response },
  getQueryColumns: { args: [{ id: 1, name: "sql", desc: str }], result: response },
} as const satisfies Record<string, MethodDesc>;

export type MethodName = keyof typeof MANAGER_METHODS;

/** Thrift's TApplicationException: struct {1: message, 2: type}. */
export const APPLICATION_EXCEPTION: readonly Field[] = [
  { id: 1, name: "message", desc: str },
  { id: 2, name: "type", desc: i32 },
];

export const AppExceptionType = {
  UNKNOWN: 0,
  UNKNOWN_METHOD: 1,
  INVALID_MESSAGE_TYPE: 2,
  WRONG_METHOD_NAME: 3,
  BAD_SEQUENCE_ID: 4,
  MISSING_RESULT: 5,
  INTERNAL_ERROR: 6,
  PROTOCOL_ERROR: 7,
} as const;
