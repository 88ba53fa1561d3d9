// Config views (config key `views`). osquery creates each one in its database
// when it reads the config; osq creates the ones a query uses in that query's
// database, and hands their parsed bodies to the analyser, which expands each
// reference inline as SQLite does (so constraints reach the tables inside).
import { Database } from "bun:sqlite";
import type { parse as parseSql } from "sql-parser-cst";
import { verbose } from "../logger/glog.ts";
import { isTableName } from "../registry.ts";
import { maskKeywordTables, unmaskTree, type ViewDefinition, type ViewLookup } from "./analyse.ts";
import { identifierOf, tokenize } from "./lexer.ts";
import { quoteIdent } from "./materialise.ts";

/** The config views a query names, directly or through other views. */
export function usedViews(words: readonly (string | null)[], all: ReadonlyMap<string, string>): Map<string, string> {
  const used = new Map<string, string>();
  if (all.size === 0) return used;
  const lower = new Map([...all].map(([name, body]) => [name.toLowerCase(), body]));
  const pending = words.filter((w): w is string => w !== null);
  while (pending.length > 0) {
    const w = pending.pop()!;
    const body = lower.get(w);
    if (body === undefined || used.has(w)) continue;
    used.set(w, body);
    for (const t of tokenize(body)) {
      const id = identifierOf(t);
      if (id !== null) pending.push(id);
    }
  }
  return used;
}

/**
 * Creates the views in the query database, as osquery does when it reads the
 * config. One that SQLite refuses is left out, so the query fails with
 * `no such table` as in osquery, and the reason is returned as the status
 * line osquery logs for it. A view named like an osq table fails as it would
 * in osquery, where the table exists first; a body with a second statement is
 * refused, since CREATE VIEW would run it outside the write gate.
 */
export function createViews(db: Database, views: ReadonlyMap<string, string>): string[] {
  const errors: string[] = [];
  for (const [name, body] of views) {
    if (isTableName(name.toLowerCase())) {
      errors.push(`Error creating view (${name}): table ${name} already exists`);
      continue;
    }
    const tokens = tokenize(body);
    const firstEnd = tokens.findIndex((t) => t.kind === "semicolon");
    if (firstEnd >= 0 && tokens.slice(firstEnd).some((t) => t.kind !== "semicolon")) {
      errors.push(`Error creating view (${name}): not authorized`);
      continue;
    }
    try {
      // prepare() compiles one statement only, whatever follows it.
      db.prepare(`CREATE VIEW ${quoteIdent(name)} AS ${body}`).run();
    } catch (e) {
      errors.push(`Error creating view (${name}): ${(e as Error).message}`);
    }
  }
  return errors;
}

/** What creating the config's views reports, checked on a scratch database (the daemon logs it when a config loads). */
export function checkViews(views: ReadonlyMap<string, string>): string[] {
  const db = new Database(":memory:");
  try {
    return createViews(db, views);
  } finally {
    db.close();
  }
}

/** The views that exist in the query database, parsed for the analyser (null when the parser cannot read one). */
export function parsedViews(db: Database, views: ReadonlyMap<string, string>, parse: typeof parseSql): ViewLookup {
  const created = new Set(db.prepare("SELECT name FROM sqlite_master WHERE type = 'view'").values().map((r) => String(r[0]).toLowerCase()));
  const cache = new Map<string, ViewDefinition>();
  return (name) => {
    const body = views.get(name);
    if (body === undefined || !created.has(name)) return undefined;
    let def = cache.get(name);
    if (!def) {
      const masked = maskKeywordTables(body, tokenize(body));
      let stmt = null;
      try {
        stmt = parse(masked.text, { dialect: "sqlite", includeRange: true }).statements[0] ?? null;
        if (stmt) unmaskTree(stmt, masked.unmask);
      } catch (e) {
        verbose("views.ts", `view ${name} is filled without constraints: the parser cannot read it (${(e as Error).message.split("\n")[0]})`);
      }
      def = { text: body, stmt };
      cache.set(name, def);
    }
    return def;
  };
}
