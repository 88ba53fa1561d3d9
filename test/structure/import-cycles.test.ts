// No import cycles among osq's own modules (src/, tables/, plugins/). A cycle
// makes load order decide which side sees the other half-initialised.
//
// Static imports and dynamic import() both count: a cycle hidden behind an
// import() is still a cycle (osquery_registry once imported the registry that
// way). No exclusion is needed today: the lazy loaders (tables/modules.ts, the
// role entries in src/main.ts) sit at the top of the graph and nothing they
// load imports them back. Bun macro imports (`with { type: "macro" }`, as in
// src/registry.ts) run at bundle time, not at run time; scanImports omits them.
import { expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { ROOT } from "../helpers.ts";
import { DIRS, sources } from "./sources.ts";


/** Imports of a file resolved to files of the tree; packages and builtins are left out. */
function imports(file: string, transpiler: Bun.Transpiler): string[] {
  const code = readFileSync(file, "utf8");
  const out: string[] = [];
  for (const imp of transpiler.scanImports(code)) {
    if (imp.kind !== "import-statement" && imp.kind !== "dynamic-import") continue;
    if (!imp.path.startsWith(".")) continue;
    const target = resolve(dirname(file), imp.path);
    if (existsSync(target)) out.push(target);
  }
  return out;
}

/** Every cycle found by a depth-first walk, each as the chain of files that closes it. */
function findCycles(graph: Map<string, string[]>): string[][] {
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (n: string) => {
    state.set(n, "open");
    stack.push(n);
    for (const m of graph.get(n) ?? []) {
      const s = state.get(m);
      if (s === "open") cycles.push([...stack.slice(stack.indexOf(m)), m]);
      else if (s === undefined) visit(m);
    }
    stack.pop();
    state.set(n, "done");
  };
  for (const n of graph.keys()) if (!state.has(n)) visit(n);
  return cycles;
}

test("the walk finds a cycle when there is one", () => {
  const g = new Map([["a", ["b"]], ["b", ["c"]], ["c", ["a"]], ["d", ["a"]]]);
  expect(findCycles(g)).toEqual([["a", "b", "c", "a"]]);
});

test("no import cycle in src/, tables/, plugins/", () => {
  // scanImports reports type-only imports too unless told they are erased: "ts" loader with trimUnusedImports.
  const transpiler = new Bun.Transpiler({ loader: "ts", trimUnusedImports: true });
  const files = DIRS.flatMap((d) => sources(join(ROOT, d)));
  expect(files.length).toBeGreaterThan(100);
  const graph = new Map(files.map((f) => [f, imports(f, transpiler)]));
  const cycles = findCycles(graph).map((c) => c.map((f) => relative(ROOT, f)).join(" -> "));
  expect(cycles).toEqual([]);
});
