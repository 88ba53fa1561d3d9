// osq-sdk: osquery extensions in TypeScript. A table is written exactly as
// for osq's own registry (defineTable, QueryContext); startExtension turns
// tables, loggers and config plugins into a running extension.
export { defineTable, Op, QueryContext, type Constraint, type OpCode, type Row, type Table, type TableDefinition, type Value } from "../src/table.ts";
export { startExtension, type ConfigPlugin, type ExtensionOptions, type LoggerPlugin, type RunningExtension, type StatusLogLine } from "./extension.ts";
