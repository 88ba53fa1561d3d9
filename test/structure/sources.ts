// The source files the structure tests read: every .ts file below src/,
// tables/ and plugins/.
import { readdirSync } from "node:fs";
import { join } from "node:path";

export const DIRS = ["src", "tables", "plugins"];

export function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) for (const f of sources(p)) out.push(f);
    else if (e.name.endsWith(".ts")) out.push(p);
  }
  return out;
}
