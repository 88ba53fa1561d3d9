// Result lines, byte for byte as osquery's rapidjson writes them (INTERFACES §5).
//
// Common fields, in order: name, hostIdentifier, calendarTime, unixTime, epoch,
// counter, numerics, then decorations (an object, or with
// decorations_top_level its keys at top level). Three shapes:
//   batch:    {"diffResults":{"removed":[..],"added":[..]},<common>}
//   snapshot: {"snapshot":[..],"action":"snapshot",<common>}
//   event:    {<common>,"columns":{..},"action":"removed"|"added"|"snapshot"}
// osquery sets each key with "remove if present, then append", and rapidjson's
// removal moves the last member into the freed slot; a top-level decoration
// named like a field therefore reorders the line. JsonMembers reproduces that.
import { jsonString, rowJson, type TypedRow } from "./rows.ts";
import type { DiffResults } from "./diff.ts";
import { RapidjsonMembers } from "./config-text.ts";

export interface QueryLogItem {
  readonly name: string;
  readonly hostIdentifier: string;
  readonly calendarTime: string;
  readonly unixTime: number;
  readonly epoch: string;
  readonly counter: number;
  readonly decorations: ReadonlyMap<string, string>;
  readonly results: DiffResults;
  readonly snapshot: readonly TypedRow[] | null;
}

export interface LineOptions {
  readonly numerics: boolean;
  readonly decorationsTopLevel: boolean;
}

/** An object's members in rapidjson's order, values already JSON text. */
class JsonMembers extends RapidjsonMembers<string> {
  override toString(): string {
    return `{${this.entries().map(([k, val]) => `${jsonString(k)}:${val}`).join(",")}}`;
  }
}

/** asctime() in UTC with osquery's " UTC" suffix: "Mon May  2 22:27:32 2016 UTC". */
export function calendarTime(date: Date): string {
  const days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const p2 = (n: number) => String(n).padStart(2, "0");
  return (
    `${days[date.getUTCDay()]} ${months[date.getUTCMonth()]} ${String(date.getUTCDate()).padStart(2, " ")} ` +
    `${p2(date.getUTCHours())}:${p2(date.getUTCMinutes())}:${p2(date.getUTCSeconds())} ${date.getUTCFullYear()} UTC`
  );
}

function addCommon(obj: JsonMembers, item: QueryLogItem, opts: LineOptions): void {
  obj
    .set("name", jsonString(item.name))
    .set("hostIdentifier", jsonString(item.hostIdentifier))
    .set("calendarTime", jsonString(item.calendarTime))
    .set("unixTime", String(item.unixTime))
    .set("epoch", item.epoch)
    .set("counter", String(item.counter))
    .set("numerics", opts.numerics ? "true" : "false");
  if (item.decorations.size === 0) return;
  if (opts.decorationsTopLevel) {
    for (const [k, val] of item.decorations) obj.set(k, jsonString(val));
  } else {
    const dec = new JsonMembers();
    for (const [k, val] of item.decorations) dec.set(k, jsonString(val));
    obj.set("decorations", dec.toString());
  }
}

function rowsJson(rows: readonly TypedRow[], numerics: boolean): string {
  return `[${rows.map((r) => rowJson(r, numerics)).join(",")}]`;
}

/** logger_event_type=false: one line with both lists. */
export function batchLine(item: QueryLogItem, opts: LineOptions): string {
  const diff = new JsonMembers()
    .set("removed", rowsJson(item.results.removed, opts.numerics))
    .set("added", rowsJson(item.results.added, opts.numerics));
  const obj = new JsonMembers().set("diffResults", diff.toString());
  addCommon(obj, item, opts);
  return obj.toString();
}

/** A snapshot run as one line (written even when empty). */
export function snapshotLine(item: QueryLogItem, opts: LineOptions): string {
  const obj = new JsonMembers().set("snapshot", rowsJson(item.snapshot ?? [], opts.numerics)).set("action", jsonString("snapshot"));
  addCommon(obj, item, opts);
  return obj.toString();
}

/** One line per row: removed rows first, then added (or every snapshot row). Nothing for no rows. */
export function eventLines(item: QueryLogItem, opts: LineOptions): string[] {
  const groups: [string, readonly TypedRow[]][] = item.snapshot
    ? [["snapshot", item.snapshot]]
    : [
        ["removed", item.results.removed],
        ["added", item.results.added],
      ];
  const lines: string[] = [];
  for (const [action, rows] of groups) {
    for (const row of rows) {
      const obj = new JsonMembers();
      addCommon(obj, item, opts);
      obj.set("columns", rowJson(row, opts.numerics)).set("action", jsonString(action));
      lines.push(obj.toString());
    }
  }
  return lines;
}
