// The shell's output modes, byte for byte as osqueryi prints them (INTERFACES §3).
import type { QueryResult } from "../sql/engine.ts";
import { valueText } from "./values.ts";

export type Mode = "pretty" | "json" | "json_pretty" | "line" | "list" | "csv" | "column";

export interface OutputSettings {
  mode: Mode;
  separator: string;
  headers: boolean;
  /** `.nullvalue`: line, column, list and csv. */
  nullValue: string;
  /** `--nullvalue`: pretty and JSON. */
  flagNullValue: string;
  widths: number[];
}

/** Width in code points, as osquery counts UTF-8 characters. */
function width(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function pad(s: string, w: number): string {
  return s + " ".repeat(Math.max(0, w - width(s)));
}

export function renderPretty(r: QueryResult, nullText: string): string {
  if (r.rows.length === 0) return "";
  const names = r.columns.map((c) => c.name);
  const cells = r.rows.map((row) => row.map((v) => valueText(v, nullText)));
  // Loops, not Math.max(...cells): a spread of a million rows overflows the stack.
  const widths = names.map(width);
  for (const c of cells) {
    for (let i = 0; i < widths.length; i++) widths[i] = Math.max(widths[i]!, width(c[i]!));
  }
  const border = "+" + widths.map((w) => "-".repeat(w + 2)).join("+") + "+\n";
  const line = (vals: string[]) => "|" + vals.map((v, i) => ` ${pad(v, widths[i]!)} `).join("|") + "|\n";
  return border + line(names) + border + cells.map(line).join("") + border;
}

/** Rows as objects with sorted keys and string values (osquery's JSON shape). */
function jsonRows(r: QueryResult, nullText: string): Record<string, string>[] {
  const order = r.columns.map((c, i) => [c.name, i] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return r.rows.map((row) => {
    const o: Record<string, string> = {};
    for (const [name, i] of order) o[name] = valueText(row[i]!, nullText);
    return o;
  });
}

export function renderJson(r: QueryResult, nullText: string): string {
  return "[\n" + jsonRows(r, nullText).map((o) => "  " + JSON.stringify(o)).join(",\n") + "\n]\n";
}

/** rapidjson's PrettyWriter layout: four-space indent, `"key": value`. */
export function renderJsonPretty(r: QueryResult, nullText: string): string {
  const rows = jsonRows(r, nullText);
  if (rows.length === 0) return "[]\n";
  // osquery's printer asks rapidjson's PrettyWriter for a two-space indent.
  return JSON.stringify(rows, null, 2) + "\n";
}

export function renderLine(r: QueryResult, nullText: string): string {
  let w = 5;
  for (const c of r.columns) w = Math.max(w, width(c.name));
  return r.rows
    .map((row) => r.columns.map((c, i) => `${" ".repeat(Math.max(0, w - width(c.name)))}${c.name} = ${valueText(row[i]!, nullText)}\n`).join(""))
    .join("\n");
}

export function renderList(r: QueryResult, s: OutputSettings): string {
  let out = s.headers && r.columns.length > 0 ? r.columns.map((c) => c.name).join(s.separator) + "\n" : "";
  for (const row of r.rows) out += row.map((v) => valueText(v, s.nullValue)).join(s.separator) + "\n";
  return out;
}

function csvField(text: string, sep: string): string {
  // Quote on control characters, space, quotes, bytes >= 0x7F or the separator.
  const needs = /[\x00-\x20"'\x7f-\uffff]/.test(text) || (sep.length > 0 && text.includes(sep));
  return needs ? `"${text.replaceAll('"', '""')}"` : text;
}

export function renderCsv(r: QueryResult, s: OutputSettings): string {
  const field = (v: Parameters<typeof valueText>[0]) => (v === null ? s.nullValue : csvField(valueText(v), s.separator));
  let out = s.headers && r.columns.length > 0 ? r.columns.map((c) => csvField(c.name, s.separator)).join(s.separator) + "\n" : "";
  for (const row of r.rows) out += row.map(field).join(s.separator) + "\n";
  return out;
}

export function renderColumn(r: QueryResult, s: OutputSettings): string {
  const first = r.rows[0];
  const widths = r.columns.map((c, i) => {
    const set = s.widths[i];
    if (set !== undefined && set > 0) return set;
    return Math.max(10, width(c.name), first ? width(valueText(first[i]!, s.nullValue)) : 0);
  });
  const fmt = (vals: string[]) => vals.map((v, i) => pad([...v].slice(0, widths[i]).join(""), widths[i]!)).join("  ") + "\n";
  let out = "";
  if (s.headers) {
    out += fmt(r.columns.map((c) => c.name));
    out += fmt(widths.map((w) => "-".repeat(w)));
  }
  for (const row of r.rows) out += fmt(row.map((v) => valueText(v, s.nullValue)));
  return out;
}

export function render(r: QueryResult, s: OutputSettings): string {
  switch (s.mode) {
    case "pretty":
      return renderPretty(r, s.flagNullValue);
    case "json":
      return renderJson(r, s.flagNullValue);
    case "json_pretty":
      return renderJsonPretty(r, s.flagNullValue);
    case "line":
      return renderLine(r, s.nullValue);
    case "list":
      return renderList(r, s);
    case "csv":
      return renderCsv(r, s);
    case "column":
      return renderColumn(r, s);
  }
}
