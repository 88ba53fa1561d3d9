// TEMPORARY STUB written by the integrator so the engine builds; the SQL
// functions engineer replaces this whole file with the real registerFunctions.
import type { Database } from "bun:sqlite";
export function registerFunctions(_db: Database): void {}
