// Which processes a per-process table reads, as osquery's getProcList decides:
// the pids named by `pid = ...` / `pid IN (...)` that exist under /proc, or
// every pid when there is no such constraint. osquery keeps them in a
// std::set<std::string>, so rows come in the pids' text order (1, 10, 100, 2).
import { existsSync } from "node:fs";
import type { QueryContext } from "../table.ts";
import { PROC, listPids } from "./proc.ts";

export function pidsFromContext(ctx: QueryContext, column = "pid"): number[] {
  const wanted = ctx.equals(column);
  if (wanted.length === 0) return textOrder(listPids());
  const out: number[] = [];
  for (const v of wanted) {
    // Only plain decimal pids name a /proc entry ("1.0" or "01" do not).
    if (!/^[1-9][0-9]*$/.test(v)) continue;
    if (existsSync(`${PROC}/${v}`)) out.push(Number(v));
  }
  return textOrder([...new Set(out)]);
}

function textOrder(pids: number[]): number[] {
  return pids.map(String).sort().map(Number);
}
