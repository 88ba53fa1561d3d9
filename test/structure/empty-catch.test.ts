// No catch in osq's own code swallows an error without a word: each one
// either does something (logs the reason at verbose level, returns a value
// the caller acts on) or carries a comment saying why nothing is lost. An
// empty `catch {}` / `catch (e) {}` / `.catch(() => {})` is neither.
//
// src/sql/ is held to the same rule; its findings are listed with file and
// line so they can be fixed where they are.
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { ROOT } from "../helpers.ts";
import { DIRS, sources } from "./sources.ts";


// A catch clause or a .catch() handler whose body holds only whitespace.
const EMPTY_CATCH = /\bcatch\s*(?:\(\s*[\w$]*\s*(?::\s*[\w$]+\s*)?\))?\s*\{\s*\}|\.catch\(\s*(?:\(\s*[\w$]*\s*(?::\s*[\w$]+\s*)?\)|[\w$]+)\s*=>\s*(?:\{\s*\}|undefined|null|void 0)\s*\)/g;

/** "file:line" of every empty catch in `text`. */
function emptyCatches(file: string, text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(EMPTY_CATCH)) {
    const line = text.slice(0, m.index).split("\n").length;
    out.push(`${file}:${line}`);
  }
  return out;
}

test("the detector finds empty catches and lets commented or handled ones be", () => {
  const bad = ["try { f(); } catch {}", "try { f(); } catch (e) {\n  \n}", "p.catch(() => {});", "p.catch((e: unknown) => {})", "p.catch(() => undefined)"];
  for (const b of bad) expect(emptyCatches("x.ts", b)).toEqual(["x.ts:1"]);
  const good = [
    "try { f(); } catch {\n  // a missing file is the normal case\n}",
    "try { f(); } catch (e) { verbose(FILE, String(e)); }",
    "p.catch((e: unknown) => log(e));",
    "try { f(); } catch { return null; }",
  ];
  for (const g of good) expect(emptyCatches("x.ts", g)).toEqual([]);
});

test("no empty catch in src/, tables/ or plugins/", () => {
  const found: string[] = [];
  for (const dir of DIRS) {
    for (const file of sources(join(ROOT, dir))) found.push(...emptyCatches(relative(ROOT, file), readFileSync(file, "utf8")));
  }
  expect(found).toEqual([]);
});
