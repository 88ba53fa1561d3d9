// The daemon's configuration (INTERFACES §4): sources from the config plugin,
// each parsed and validated, applied in lexical order of their names.
//
// An update is all or nothing: every changed source is parsed into new state
// first, and only when all of them parse is that state swapped in. So a bad
// config on reload keeps the last good one (and the caller logs why), and a
// bad config at start leaves an empty, invalid config rather than half of one.
//
// Each source contributes: `options` (folded into one merged set as sources
// are applied, so the last applied wins, and re-applied to the flags on
// every update), `schedule` (a pack named "main"
// whose queries keep bare names), `packs` (objects, file paths through the
// plugin's genPack, or "*" with a glob), `decorators`, `views`, and the event
// system's `file_paths`/`exclude_paths`/`file_paths_query`/`file_accesses`.
import * as v from "valibot";
import { flags, noEffectNotes } from "../flags/flags.ts";
import { FLAG_BY_NAME, flagSpec } from "../flags/registry.ts";
import { compareBytes, sqlPatternToGlob } from "../linux/glob.ts";
import { errorMessage } from "../logger/glog.ts";
import type { ConfigPlugin } from "../../plugins/config/plugin.ts";
import type { Store, StoreWriter } from "../store/store.ts";
import {
  ContainerSchema,
  JsonObjectSchema,
  RapidjsonMembers,
  StringItemsSchema,
  parseConfigText,
  readAs,
  stripConfigComments,
  type JsonObject,
} from "./config-text.ts";
import { buildPack, isReservedQueryName, machineShard, scheduledName, splayValue, valueToUint64, type Pack, type PackEnv, type ScheduledQuery } from "./packs.ts";
import { EMPTY_DECORATORS, parseDecorators, type DecoratorSpec } from "./decorators.ts";

/** Top-level keys osquery's parsers (or its plugins) read; others are kept but flagged in verbose mode. */
const KNOWN_KEYS = new Set([
  "options", "schedule", "packs", "decorators", "views", "file_paths", "file_paths_query", "exclude_paths",
  "file_accesses", "yara", "prometheus_targets", "auto_table_construction", "events", "feature_vectors",
  "kafka_topics", "logger",
]);

/**
 * Keys osquery reads on Linux for a feature osq does not have: accepted
 * without a warning, and --verbose says why they change nothing here.
 */
const UNUSED_KEYS: ReadonlyMap<string, string> = new Map([
  ["feature_vectors", "only osquery's Windows event log publisher reads it"],
  ["kafka_topics", "osq has no kafka_producer logger"],
  ["logger", "no osq logger plugin reads a config section"],
]);

/**
 * What osquery's yara parser says at verbose level about a `yara` value's
 * shape: signatures is an object of arrays of rule files, signature_urls an
 * array, file_paths an object of categories.
 */
export function yaraNotes(value: unknown): string[] {
  if (!v.is(JsonObjectSchema, value)) return [];
  const notes: string[] = [];
  if (value.signatures !== undefined) {
    if (!v.is(JsonObjectSchema, value.signatures)) notes.push("YARA signatures must contain a dictionary");
    else for (const [group, files] of Object.entries(value.signatures)) if (!Array.isArray(files)) notes.push(`YARA signature group ${group} must be an array`);
  }
  if (value.signature_urls !== undefined && !Array.isArray(value.signature_urls)) notes.push("YARA signature_urls must be an array");
  if (value.file_paths !== undefined && !v.is(JsonObjectSchema, value.file_paths)) notes.push("YARA file_paths key is invalid");
  return notes;
}

/** Keys that, when present, must hold an object or array (osquery warns and skips otherwise). */
const CONTAINER_KEYS = [...KNOWN_KEYS].filter((k) => k !== "schedule" && k !== "packs");

/** Results of queries gone from the schedule are kept this long after their last run (seconds). */
export const RESULTS_EXPIRY = 592200;
/** Where --config_enable_backup keeps each source's text, in the configurations domain. */
const BACKUP_PREFIX = "config_persistence.";
/** How long a query that was running when the process died stays denylisted (seconds). */
export const DENYLIST_DURATION = 86400;

export interface FileCategories {
  /** category → globs as osquery stores them: `%` turned into `*`, absolute, the fixed prefix canonicalised. */
  readonly filePaths: ReadonlyMap<string, readonly string[]>;
  /** category → patterns as written (osquery keeps them raw). */
  readonly excludePaths: ReadonlyMap<string, readonly string[]>;
  readonly filePathsQuery: ReadonlyMap<string, readonly string[]>;
  readonly fileAccesses: readonly string[];
}

/** What osquery's config parsers take from one object: a source, or an active pack. */
interface ParserParts {
  readonly options: JsonObject;
  readonly decorators: DecoratorSpec;
  /** null when the object has no `views` (an object or array); osquery's views parser then keeps what it had. */
  readonly views: Map<string, string> | null;
  readonly files: FileCategories;
}

/** What one source contributed. */
interface SourceState extends ParserParts {
  readonly hash: string;
  readonly packs: Pack[];
  /**
   * The parsers' share of each pack that was active when added, under
   * osquery's name for it: <source><pack_delimiter><pack>.
   */
  readonly packParts: readonly (readonly [string, ParserParts])[];
  /** Every top-level key, for consumers such as the event system or extensions. */
  readonly doc: JsonObject;
}

/** Keys a pack object may carry for the config parsers (anything but its queries and checks). */
const PACK_PARSER_KEYS = ["options", "decorators", "views", "file_paths", "file_paths_query", "exclude_paths", "file_accesses"];

export interface ConfigLog {
  info(m: string): void;
  warn(m: string): void;
  error(m: string): void;
  verbose(m: string): void;
}

export interface ConfigEnv {
  readonly plugin: ConfigPlugin;
  readonly store: Store;
  readonly log: ConfigLog;
  readonly hostname: string;
  readonly version: string;
  /** Unix time in seconds. */
  now(): number;
  /** Whether a discovery query returns at least one row (false on error). */
  returnsRows(sql: string): Promise<boolean>;
  /** Called with each changed source's decorators after a successful update. */
  onDecorators?(source: string, spec: DecoratorSpec | null): Promise<void>;
  /** Called after options were applied to the flags. */
  onOptions?(names: readonly string[]): void;
  /** Draws the splay for a new interval; tests inject a fixed one. */
  random?(): number;
}

export interface ScheduledEntry {
  /** The name results are logged and stored under. */
  readonly name: string;
  readonly query: ScheduledQuery;
  readonly pack: Pack;
  readonly denylisted: boolean;
}

/**
 * A config option's value as flag text, or null when it has none (osquery warns).
 * Read by hand rather than by a schema: it is osquery's own conversion
 * (rapidjson's GetInt/GetUint64, a double's bits), not a shape check.
 */
export function optionText(value: unknown): string | null {
  if (typeof value === "string") return value;
  if (typeof value === "boolean") return value ? "true" : "false";
  // osquery's options parser: GetInt for a 32-bit int, GetUint64 (wrapped, or a double's bits) otherwise.
  if (typeof value === "number") return Number.isSafeInteger(value) && value >= -(2 ** 31) && value < 2 ** 31 ? String(value) : String(valueToUint64(value));
  if (typeof value === "object" && value !== null) return JSON.stringify(value);
  return null;
}

/**
 * A file_paths entry as osquery's parser stores it (replaceGlobWildcards):
 * `%` → `*` (so `%%` is `**`), made absolute against the working directory,
 * and the part before the first wildcard canonicalised.
 */
export function filePathGlob(pattern: string): string {
  return sqlPatternToGlob(pattern, process.cwd(), true);
}

/**
 * category → its string items, as osquery's file_paths parser reads them:
 * a value that is not an object gives no categories, and a category that is
 * not an array and items that are not strings are skipped without a word.
 */
const CategoriesSchema = v.pipe(
  JsonObjectSchema,
  v.transform((obj) => {
    const out = new Map<string, string[]>();
    for (const [category, list] of Object.entries(obj)) {
      const items = readAs(StringItemsSchema, list, null);
      if (items) out.set(category, items);
    }
    return out;
  }),
);

function categoryLists(value: unknown): Map<string, string[]> {
  return readAs(CategoriesSchema, value, new Map<string, string[]>());
}

/** A view's SQL; osquery's views parser skips one that is not a non-empty string, quietly. */
const ViewSqlSchema = v.pipe(v.string(), v.nonEmpty());

/**
 * `views` as osquery's views parser reads it: an object or an array replaces
 * the set of views (an array with none), anything else leaves it as it was.
 */
const ViewsSchema = v.pipe(
  ContainerSchema,
  v.transform((value) => {
    const views = new Map<string, string>();
    if (v.is(JsonObjectSchema, value)) for (const [name, sql] of Object.entries(value)) if (v.is(ViewSqlSchema, sql)) views.set(name, sql);
    return views;
  }),
);

/** A pack given by name: a path, or a glob for "*", that the config plugin resolves. */
const PackPathSchema = v.string();

/** A top-level key that is absent, null, or a container; osquery warns about any other value. */
const ContainerKeySchema = v.nullish(ContainerSchema);

export class Config {
  private sources = new Map<string, SourceState>();
  /**
   * Every option any source ever gave, merged in the order sources were
   * (re)applied: osquery's options parser keeps one merged object and folds
   * each changed source into it, so a source applied later wins even when
   * it sorts first, and an option a source drops stays set.
   */
  private readonly mergedOptions = new RapidjsonMembers<unknown>();
  private denylist = new Map<string, number>();
  /** Denylisted queries whose skipping was logged already. */
  private readonly deniedLogged = new Set<string>();
  private currentViews: ReadonlyMap<string, string> = new Map();
  /** Only a failure of the first refresh falls back to the backup (osquery's is_first_time_refresh). */
  private firstRefresh = true;
  valid = false;

  constructor(private readonly env: ConfigEnv) {}

  /**
   * Restores the denylist and denylists a query that was running when the last
   * process died (osquery's Schedule constructor).
   */
  async restoreDenylist(): Promise<void> {
    const { store, log } = this.env;
    const now = this.env.now();
    const parts = (store.get("configurations", "failed_queries") ?? "").split(":");
    if (parts.length >= 2 && parts.length % 2 === 0) {
      for (let i = 0; i < parts.length; i += 2) {
        const expire = Number(parts[i + 1]);
        if (expire > 0 && now < expire) this.denylist.set(parts[i]!, expire);
      }
    }
    const failed = store.get("configurations", "executing_query") ?? "";
    if (failed !== "") {
      log.warn(`Scheduled query may have failed: ${failed}`);
      // osquery denylists only while its watchdog is on: with --disable_watchdog the query runs again.
      const denylisting = !flags.bool("disable_watchdog");
      if (denylisting) this.denylist.set(failed, now + DENYLIST_DURATION);
      // The denylisting holds in memory either way; unsaved, the next start denylists it again.
      await store
        .write((w) => {
          w.put("configurations", "executing_query", "");
          if (denylisting) this.saveDenylist(w);
        })
        .catch((e: unknown) => log.error(`Cannot save the denylist: ${errorMessage(e)}`));
    }
  }

  private saveDenylist(w: StoreWriter): void {
    const content = [...this.denylist].map(([name, expire]) => `${name}:${expire}`).join(":");
    w.put("configurations", "failed_queries", content);
  }

  /**
   * Asks the plugin for the sources and applies them; returns an error text or
   * null. With --config_enable_backup, a plugin that fails on the first
   * refresh is stood in for by the sources the last good update saved; the
   * plugin's error is still returned, so the caller reports it.
   */
  async refresh(): Promise<string | null> {
    const r = await this.env.plugin.genConfig();
    const first = this.firstRefresh;
    this.firstRefresh = false;
    if (r.ok) return this.update(r.sources);
    if (first && flags.bool("config_enable_backup")) {
      this.env.log.info("Restoring backed up config from the database");
      const error = await this.update(this.backup());
      if (error) this.env.log.warn(`Cannot apply the backed up config: ${error}`);
    }
    return r.error;
  }

  /** The sources saved by the last good update under config_persistence.<source>. */
  private backup(): Map<string, string> {
    const { store } = this.env;
    const sources = new Map<string, string>();
    for (const key of store.keys("configurations", BACKUP_PREFIX)) {
      const text = store.get("configurations", key);
      if (text !== undefined) sources.set(key.slice(BACKUP_PREFIX.length), text);
    }
    return sources;
  }

  /** Replaces the backup with `raw`; a backup the store refuses stays as it was. */
  private async saveBackup(raw: ReadonlyMap<string, string>): Promise<void> {
    const { store, log } = this.env;
    const stale = store.keys("configurations", BACKUP_PREFIX).filter((k) => !raw.has(k.slice(BACKUP_PREFIX.length)));
    await store
      .write((w) => {
        for (const k of stale) w.del("configurations", k);
        for (const [name, text] of raw) w.put("configurations", BACKUP_PREFIX + name, text);
      })
      .catch((e: unknown) => log.warn(`Cannot back up the config: ${errorMessage(e)}`));
  }

  /** Applies a full set of sources (name → JSON text). All or nothing. */
  async update(raw: ReadonlyMap<string, string>): Promise<string | null> {
    // osquery purges before applying the sources, against the schedule it had so far.
    // Expiry is housekeeping: a store that refuses it now is asked again on the next update.
    await this.purge().catch((e: unknown) => this.env.log.verbose(`Cannot expire old query results: ${errorMessage(e)}`));
    const names = [...raw.keys()].sort(compareBytes);
    // A source the plugin no longer returns keeps its state: osquery only ever
    // updates the sources it is given. Map order is the order sources were
    // last applied, which is the order of osquery's pack list.
    const next = new Map(this.sources);
    const changed: string[] = [];
    const splays: [string, string][] = [];
    for (const name of names) {
      const text = raw.get(name)!;
      const hash = new Bun.CryptoHasher("sha1").update(text).digest("hex");
      const old = this.sources.get(name);
      // Unchanged: keep its packs, their stats and discovery caches, and its place.
      if (old && old.hash === hash) continue;
      const parsed = await this.parseSource(name, text, hash, splays);
      if (typeof parsed === "string") return parsed;
      next.delete(name);
      next.set(name, parsed);
      changed.push(name);
    }
    // The splays are saved before the swap: when the store refuses them, the
    // update fails as a whole and the next refresh parses the sources again.
    if (splays.length > 0) {
      try {
        await this.env.store.write((w) => {
          for (const [k, val] of splays) w.put("configurations", k, val);
        });
      } catch (e) {
        return `Cannot save the schedule's splayed intervals: ${errorMessage(e)}`;
      }
    }
    this.sources = next;
    this.valid = true;
    // A source's packs reach the parsers before the source itself does.
    for (const name of changed) {
      const state = next.get(name)!;
      for (const parts of [...state.packParts.map(([, p]) => p), state]) {
        for (const [k, val] of Object.entries(parts.options)) this.mergedOptions.set(k, val);
      }
    }
    this.applyOptions();
    for (const name of changed) {
      const state = next.get(name)!;
      for (const parts of [...state.packParts.map(([, p]) => p), state]) if (parts.views) this.currentViews = parts.views;
    }
    for (const name of changed) {
      const state = next.get(name)!;
      for (const [packSource, parts] of state.packParts) await this.env.onDecorators?.(packSource, parts.decorators);
      await this.env.onDecorators?.(name, state.decorators);
    }
    if (flags.bool("config_enable_backup")) await this.saveBackup(raw);
    return null;
  }

  private async parseSource(source: string, text: string, hash: string, splays: [string, string][]): Promise<SourceState | string> {
    const { log } = this.env;
    const parsed = parseConfigText(text);
    if (!parsed.ok) return parsed.error;
    const doc = parsed.doc;
    for (const key of Object.keys(doc)) {
      const unused = UNUSED_KEYS.get(key);
      if (!KNOWN_KEYS.has(key)) log.verbose(`Config ${source}: key "${key}" is not used by osq`);
      else if (unused) log.verbose(`Config ${source}: key "${key}" is accepted but does nothing here: ${unused}`);
    }
    for (const note of yaraNotes(doc.yara)) log.verbose(note);
    const packEnv = this.packEnv(splays);
    const built: [Pack, JsonObject][] = [];
    if (v.is(JsonObjectSchema, doc.schedule)) built.push([buildPack("main", source, { queries: doc.schedule }, packEnv), {}]);
    // osquery's updateSource ignores a packs value, or a pack, of any other shape without a word.
    if (v.is(JsonObjectSchema, doc.packs)) {
      for (const [name, value] of Object.entries(doc.packs)) {
        if (v.is(JsonObjectSchema, value)) built.push([buildPack(name, source, value, packEnv), value]);
        else if (v.is(PackPathSchema, value)) for (const item of await this.genPack(name, source, value, packEnv)) built.push(item);
      }
    }
    // osquery's addPack asks each pack whether it should run (discovery counts
    // in its stats) and, if so, hands the pack object to every config parser.
    const now = this.env.now();
    const refresh = flags.num("pack_refresh_interval");
    const delimiter = flags.get("pack_delimiter");
    const packParts: [string, ParserParts][] = [];
    for (const [pack, obj] of built) {
      const active = await pack.shouldExecute(now, refresh, (sql) => this.env.returnsRows(sql));
      if (active && PACK_PARSER_KEYS.some((k) => k in obj)) {
        const name = `${source}${delimiter}${pack.name}`;
        packParts.push([name, this.parserParts(obj, name)]);
      }
    }
    return { hash, packs: built.map(([pack]) => pack), packParts, doc, ...this.parserParts(doc, source) };
  }

  /** The config parsers' reading of one object (a source's document or a pack). */
  private parserParts(doc: JsonObject, source: string): ParserParts {
    const { log } = this.env;
    for (const key of CONTAINER_KEYS) {
      if (!v.is(ContainerKeySchema, doc[key])) log.warn(`Error config ${key} should be an array or object`);
    }
    const views = readAs(ViewsSchema, doc.views, null);
    const warn = (m: string) => log.warn(m);
    const filePaths = new Map<string, string[]>();
    for (const [category, list] of categoryLists(doc.file_paths)) {
      // An empty pattern is skipped, and a category without patterns is not added.
      const globs = list.filter((p) => p !== "").map(filePathGlob);
      if (globs.length > 0) filePaths.set(category, globs);
    }
    const excludePaths = categoryLists(doc.exclude_paths);
    for (const category of excludePaths.keys()) {
      if (!filePaths.has(category)) warn(`Config exclude_paths category ${category} is not a file_paths category`);
    }
    // osquery's parser reads file_accesses and exclude_paths only from a source that has something to watch.
    const watches = v.is(ContainerSchema, doc.file_paths) || v.is(ContainerSchema, doc.file_paths_query);
    const files: FileCategories = {
      filePaths,
      excludePaths: watches ? excludePaths : new Map(),
      filePathsQuery: categoryLists(doc.file_paths_query),
      fileAccesses: watches ? readAs(StringItemsSchema, doc.file_accesses, []) : [],
    };
    const options = readAs(JsonObjectSchema, doc.options, {});
    const decorators = doc.decorators === undefined ? EMPTY_DECORATORS : parseDecorators(doc.decorators, source, warn);
    return { options, decorators, views, files };
  }

  /** A pack given as a string: the plugin resolves it (a path, or "*" with a glob of pack files). */
  private async genPack(name: string, source: string, value: string, env: PackEnv): Promise<[Pack, JsonObject][]> {
    const { log } = this.env;
    const r = await this.env.plugin.genPack(name, value);
    if (!r.ok || r.text === "") {
      log.warn(`Error reading the query pack named: ${name}${r.ok ? "" : `: ${r.error}`}`);
      return [];
    }
    let doc: unknown;
    try {
      doc = JSON.parse(stripConfigComments(r.text));
    } catch (e) {
      log.verbose(`Pack ${name} is not JSON: ${errorMessage(e)}`);
      doc = null;
    }
    if (!v.is(JsonObjectSchema, doc)) {
      log.warn(`Error parsing the "${name}" pack JSON`);
      return [];
    }
    if (name !== "*") return [[buildPack(name, source, doc, env), doc]];
    const packs: [Pack, JsonObject][] = [];
    for (const [stem, body] of Object.entries(doc)) {
      if (v.is(JsonObjectSchema, body)) packs.push([buildPack(stem, source, body, env), body]);
      else log.warn(`Error parsing pack: ${stem}: the value should be an object`);
    }
    return packs;
  }

  private packEnv(splays: [string, string][]): PackEnv {
    const { store, log } = this.env;
    // osquery forces a splay percent of 1 or less to 10 (the flag itself changes).
    if (flags.num("schedule_splay_percent") <= 1) flags.set("schedule_splay_percent", "10", flags.source("schedule_splay_percent"));
    const percent = flags.num("schedule_splay_percent");
    const staged = new Map<string, string>();
    return {
      version: this.env.version,
      machineShard: machineShard(this.env.hostname),
      defaultInterval: flags.num("schedule_default_interval"),
      splay: (name, interval) => {
        const key = `interval.${name}`;
        const saved = staged.get(key) ?? store.get("configurations", key);
        const [lastInterval, lastSplay] = (saved ?? "").split(":").map(Number);
        if (saved !== undefined && lastInterval === interval && (lastSplay ?? 0) > 0) return lastSplay!;
        const splay = splayValue(interval, percent, this.env.random);
        staged.set(key, `${interval}:${splay}`);
        splays.push([key, `${interval}:${splay}`]);
        return splay;
      },
      warn: (m) => log.warn(m),
      verbose: (m) => log.verbose(m),
    };
  }

  /** Re-applies every merged option to the flags. */
  private applyOptions(): void {
    const { log } = this.env;
    const applied: string[] = [];
    for (const [name, value] of this.mergedOptions.entries()) {
      const text = optionText(value);
      if (text === null) {
        log.warn(`Cannot parse unknown value type for option: ${name}`);
        continue;
      }
      if (text === "" || name === "") continue;
      if (name.startsWith("custom_")) {
        flags.setCustom(name, text);
        applied.push(name);
        continue;
      }
      if (!flagSpec(name)) {
        log.warn(`Cannot set unknown or invalid flag: ${name}`);
        continue;
      }
      // osquery checks the CLI-only mark on the name as given, which an alias lacks.
      if (FLAG_BY_NAME.get(name)?.kind === "cli") {
        log.warn(`The CLI only flag --${name} cannot be set from the config: set it in the flagfile or on the command line`);
        continue;
      }
      const err = flags.set(name, text, "config");
      if (err) log.warn(`Cannot set option ${name}: ${err}`);
      else applied.push(name);
    }
    for (const note of noEffectNotes(applied)) log.verbose(note);
    this.env.onOptions?.(applied);
  }

  /**
   * Drops stored results of queries that left the schedule and have not run
   * for a week (osquery's Config::purge). Names are compared as they are
   * stored (pack_<pack>_<query>); osquery's own keys (query., cache.,
   * config_views., ...epoch, ...counter) are never results. A timestamp that
   * is not a number is deleted, so the next purge starts the clock again.
   */
  private async purge(): Promise<void> {
    const { store } = this.env;
    const now = this.env.now();
    const delimiter = flags.get("pack_delimiter");
    const scheduled = new Set<string>();
    for (const p of this.packs()) for (const q of p.queries) scheduled.add(scheduledName(p.name, q.name, delimiter));
    const writes: ((w: StoreWriter) => void)[] = [];
    for (const key of store.keys("queries")) {
      if (isReservedQueryName(key) || scheduled.has(key)) continue;
      const stampKey = `timestamp.${key}`;
      const stamp = store.get("configurations", stampKey);
      if (stamp === undefined || stamp === "") {
        writes.push((w) => w.put("configurations", stampKey, String(now)));
        continue;
      }
      if (!/^\d+$/.test(stamp)) {
        writes.push((w) => w.del("configurations", stampKey));
        continue;
      }
      if (Number(stamp) < now - RESULTS_EXPIRY) {
        this.env.log.verbose(`Expiring results for scheduled query: ${key}`);
        writes.push((w) => {
          for (const k of [key, `${key}epoch`]) w.del("queries", k);
          for (const k of [`interval.${key}`, stampKey]) w.del("configurations", k);
        });
      }
    }
    if (writes.length > 0) await store.write((w) => writes.forEach((f) => f(w)));
  }

  /**
   * Every pack, in the order osquery's schedule holds them (osquery_packs
   * shows them all): a source's packs are appended each time it is applied.
   */
  packs(): Pack[] {
    return [...this.sources.values()].flatMap((s) => s.packs);
  }

  /**
   * The queries to consider now: packs that should run here (discovery is
   * evaluated, cached), queries named as osquery logs them, and whether each is
   * still denylisted (an expired or opted-out denylisting is removed and
   * logged; the scheduler skips a denylisted one, which is warned about once).
   */
  async scheduledQueries(): Promise<ScheduledEntry[]> {
    const now = this.env.now();
    const refresh = flags.num("pack_refresh_interval");
    const delimiter = flags.get("pack_delimiter");
    const out: ScheduledEntry[] = [];
    let denylistChanged = false;
    for (const pack of this.packs()) {
      if (!(await pack.shouldExecute(now, refresh, (sql) => this.env.returnsRows(sql)))) continue;
      for (const query of pack.queries) {
        const name = scheduledName(pack.name, query.name, delimiter);
        let denylisted = false;
        const expire = this.denylist.get(name);
        if (expire !== undefined) {
          if (now > expire || !query.denylist) {
            this.env.log.info(`Scheduled denylisted query has expired: ${name}`);
            this.denylist.delete(name);
            this.deniedLogged.delete(name);
            denylistChanged = true;
          } else {
            denylisted = true;
            // Once per query until its denylisting ends, as osquery's log_denied_queries_.
            if (!this.deniedLogged.has(name)) {
              this.env.log.warn(`Skipping denylisted scheduled query: ${name}`);
              this.deniedLogged.add(name);
            }
          }
        }
        out.push({ name, query, pack, denylisted });
      }
    }
    // The in-memory denylist is already current; a refused save is retried on the next change.
    if (denylistChanged) {
      await this.env.store
        .write((w) => this.saveDenylist(w))
        .catch((e: unknown) => this.env.log.verbose(`Cannot save the denylist: ${errorMessage(e)}`));
    }
    return out;
  }

  /** Whether `name` is denylisted now (shown by osquery_schedule). */
  isDenylisted(name: string): boolean {
    const expire = this.denylist.get(name);
    return expire !== undefined && this.env.now() <= expire;
  }

  /** The views of the last object applied that had a `views` key: osquery's views parser replaces its whole set each time. */
  views(): Map<string, string> {
    return new Map(this.currentViews);
  }

  /** The event system's paths, per source and per active pack (<source><delimiter><pack>), as osquery keys them. */
  files(): Map<string, FileCategories> {
    return new Map(this.byName().flatMap(([name, s]) => [[name, s.files] as const, ...s.packParts.map(([n, p]) => [n, p.files] as const)]));
  }

  /** A top-level key as each source gave it (for keys parsed by later subsystems). */
  section(key: string): Map<string, unknown> {
    const out = new Map<string, unknown>();
    for (const [name, s] of this.byName()) if (s.doc[key] !== undefined) out.set(name, s.doc[key]);
    return out;
  }

  /** The sources in lexical order of their names. */
  private byName(): [string, SourceState][] {
    return [...this.sources].sort((a, b) => compareBytes(a[0], b[0]));
  }

  /** osquery's config hash: SHA1 over the per-source SHA1s in source order. */
  hash(): string {
    if (!this.valid) return "";
    const all = this.byName().map(([, s]) => s.hash).join("");
    return new Bun.CryptoHasher("sha1").update(all).digest("hex");
  }
}
