// Step 1 of the query path: find every reference to an osq table in one
// statement and the constraints that reach it (DESIGN "The query path").
//
// The statement is parsed with sql-parser-cst (SQLite dialect). Each SELECT
// is a scope; its FROM clause yields sources, its WHERE conjuncts (and ON
// conjuncts, where the join kind allows) yield constraints:
//   col <op> <constant>        -> literal constraint (the constant is evaluated later)
//   col IN (<constants>)       -> one EQUALS per value
//   col = x OR col = y         -> as IN
//   col LIKE / GLOB <constant> -> LIKE / GLOB
//   a.col = b.col, USING (col) -> join constraint between two sources
//   col IN (SELECT ...), col = (SELECT ...) -> subquery constraint
// Only AND-ed terms are used: a term under OR could exclude rows that the
// other branch keeps. An OR whose every branch constrains one table is kept
// aside as that table's alternatives: the planner may generate the table once
// per branch and take the union, as SQLite's OR optimisation does. A generator may get fewer constraints than the SQL has,
// never more, so every shape we do not understand is simply not pushed down.
//
// A source is an osq table or a derived table: a subquery in FROM, a CTE or a
// config view. SQLite would flatten a derived table into the query and hand
// its virtual tables the outer constraints; osq does the same in two ways.
// A constraint on a derived column that is a plain column of a table inside it
// is forwarded to that table (through UNION branches, nested CTEs and views).
// And a derived table can be the source of a join: it is evaluated by SQLite
// on its materialised inputs before the table joined to it is generated.
// A CTE or view is analysed afresh at each reference, as SQLite inlines it,
// so two references with different constraints never mix them.
import type { CommonTableExpr, CompoundSelectStmt, Expr, FuncCall, Node, SelectStmt, SubSelect, WithClause } from "sql-parser-cst";
import { Op, type OpCode, type Table } from "../table.ts";
import { identifierOf, tokenize } from "./lexer.ts";
import { quoteIdent, ROWID_NAMES } from "./materialise.ts";

export interface LiteralConstraint {
  readonly column: string;
  readonly op: OpCode;
  /** SQL text of a constant expression (no column references), evaluated at plan time. */
  readonly exprSql: string;
}

export interface JoinConstraint {
  readonly column: string;
  readonly source: Source;
  readonly sourceColumn: string;
}

export interface SubqueryConstraint {
  readonly column: string;
  /** Standalone SQL (with the CTEs it can see) whose first column gives the values. */
  readonly sql: string;
  /** The osq table references inside the subquery: they must be filled first. */
  readonly refs: TableRef[];
}

export interface TableRef {
  readonly kind: "table";
  readonly id: number;
  /** The name the SQL uses (lower-case): the table in the query database. */
  readonly name: string;
  readonly alias: string;
  readonly table: Table;
  readonly literals: LiteralConstraint[];
  readonly joins: JoinConstraint[];
  readonly subqueries: SubqueryConstraint[];
  /**
   * OR terms whose every branch constrains this reference: per term, the
   * literal constraints of each branch. SQLite hands a virtual table such a
   * term one branch at a time (its OR optimisation) and takes the union of the
   * rows; the planner may do the same (PlanStep.alternatives).
   */
  readonly alternatives: LiteralConstraint[][][];
  /** WHERE/inner-ON conjuncts that mention only this reference: they filter it as a join source. */
  readonly ownFilters: string[];
}

/** Where a constraint on one column of a derived table can go instead. */
export interface ColumnTarget {
  readonly source: Source;
  readonly column: string;
}

export interface DerivedRef {
  readonly kind: "derived";
  readonly alias: string;
  /** `WITH ... ` prefix (the CTEs visible where it is referenced), or "". */
  readonly withSql: string;
  /** The FROM item that reads it: `(SELECT ...) AS "t"`, `"cte" AS "t"` or `"view" AS "t"`. */
  readonly fromSql: string;
  /** Output column names (lower-case); null when they cannot be known (e.g. `*` over a non-osq table). */
  readonly columns: readonly string[] | null;
  /** Every osq table reference inside it: all must be filled before it is evaluated. */
  readonly refs: readonly TableRef[];
  readonly ownFilters: string[];
  readonly forward: ReadonlyMap<string, readonly ColumnTarget[]>;
}

export type Source = TableRef | DerivedRef;

export interface Analysis {
  readonly refs: TableRef[];
  /** Every identifier in the statement (lower-case): decides hidden columns and colsUsed. */
  readonly identifiers: ReadonlySet<string>;
  readonly usesStar: boolean;
  readonly kind: string;
}

export type TableLookup = (name: string) => Table | undefined;

/** A config view as the engine hands it over: its text and, when the parser read it, its statement. */
export interface ViewDefinition {
  readonly text: string;
  readonly stmt: Node | null;
}

export type ViewLookup = (name: string) => ViewDefinition | undefined;

/** The osq tables a source reads: the table itself, or everything inside a derived one. */
export function sourceRefs(source: Source): readonly TableRef[] {
  return source.kind === "table" ? [source] : source.refs;
}

interface CteDef {
  readonly name: string;
  readonly node: CommonTableExpr;
  /** The text the node's ranges point into (the statement or a view body). */
  readonly src: string;
  readonly recursive: boolean;
  /** The environment its body sees: its own WITH clause and the enclosing ones. */
  env: CteEnv | null;
}

interface CteEnv {
  readonly defs: ReadonlyMap<string, CteDef>;
  readonly parent: CteEnv | null;
}

interface Scope {
  readonly parent: Scope | null;
  readonly sources: Source[];
  readonly env: CteEnv | null;
  /** A FROM item that is neither an osq table nor a derived table (sqlite_master, json_each, ...). */
  opaque: boolean;
}

/** What a query yields to the FROM that reads it: column names and where each can be pushed. */
interface Shape {
  readonly columns: string[] | null;
  /** Per output position; null when nothing may be pushed into the query (LIMIT, aggregates, ...). */
  readonly targets: ColumnTarget[][] | null;
}

interface Resolved {
  readonly source: Source;
  readonly column: string;
}

type PendingOn = { expr: Expr; targets: Source[] };

const OPS: Record<string, OpCode> = {
  "=": Op.EQUALS,
  "==": Op.EQUALS,
  ">": Op.GREATER_THAN,
  ">=": Op.GREATER_THAN_OR_EQUALS,
  "<": Op.LESS_THAN,
  "<=": Op.LESS_THAN_OR_EQUALS,
  LIKE: Op.LIKE,
  GLOB: Op.GLOB,
  REGEXP: Op.REGEXP,
  MATCH: Op.MATCH,
};

/** Mirror of an operator when its operands are swapped (`5 < pid` is `pid > 5`). */
const MIRROR: Partial<Record<OpCode, OpCode>> = {
  [Op.GREATER_THAN]: Op.LESS_THAN,
  [Op.LESS_THAN]: Op.GREATER_THAN,
  [Op.GREATER_THAN_OR_EQUALS]: Op.LESS_THAN_OR_EQUALS,
  [Op.LESS_THAN_OR_EQUALS]: Op.GREATER_THAN_OR_EQUALS,
  [Op.EQUALS]: Op.EQUALS,
};

/** Aggregates: a query that uses one (without GROUP BY) cannot take pushed constraints. */
const AGGREGATES = new Set(["count", "sum", "total", "avg", "min", "max", "group_concat", "string_agg", "json_group_array", "json_group_object"]);

function isNode(x: unknown): x is Node {
  return typeof x === "object" && x !== null && typeof (x as { type?: unknown }).type === "string";
}

export function operatorName(op: unknown): string {
  if (typeof op === "string") return op.toUpperCase();
  if (Array.isArray(op)) return op.map((k: unknown) => (isNode(k) && k.type === "keyword" ? k.name : "")).join(" ");
  if (isNode(op) && op.type === "keyword") return op.name;
  return "";
}

export function children(node: Node): Node[] {
  const out: Node[] = [];
  for (const [k, v] of Object.entries(node)) {
    if (k === "range" || k === "type") continue;
    if (Array.isArray(v)) {
      for (const x of v) if (isNode(x)) out.push(x);
    } else if (isNode(v)) out.push(v);
  }
  return out;
}

/** `f(*)`: a call whose only argument is a bare star (count(*)). */
function isStarArgument(call: FuncCall): boolean {
  const args = call.args?.expr;
  return args?.type === "func_args" && args.args.items.length === 1 && args.args.items[0]?.type === "all_columns";
}

function isSelect(n: unknown): n is SelectStmt | CompoundSelectStmt {
  return isNode(n) && (n.type === "select_stmt" || n.type === "compound_select_stmt");
}

/** A parenthesised query (`(SELECT ...)`, also `((SELECT ...))`) or null. */
function subSelectOf(n: Node): SubSelect | null {
  if (isSelect(n)) return n;
  if (n.type === "paren_expr" && isNode(n.expr)) return subSelectOf(n.expr);
  return null;
}

/** True when `pred` holds for a node of the expression, not looking inside nested queries. */
function anyInExpr(node: Node, pred: (n: Node) => boolean): boolean {
  if (pred(node)) return true;
  if (isSelect(node)) return false;
  return children(node).some((c) => anyInExpr(c, pred));
}

function isAggregateCall(n: Node): boolean {
  return n.type === "func_call" && n.name.type === "identifier" && AGGREGATES.has(n.name.name.toLowerCase());
}

function isWindowCall(n: Node): boolean {
  return n.type === "func_call" && n.over !== undefined;
}

/** The leftmost SELECT of a compound: its WITH clause and the compound's own scope. */
function leftmost(q: SubSelect): SelectStmt | null {
  if (q.type === "select_stmt") return q;
  if (q.type === "compound_select_stmt") return leftmost(q.left);
  return isNode(q.expr) ? leftmost(q.expr) : null;
}

function withClauseOf(s: SelectStmt): WithClause | undefined {
  for (const c of s.clauses) if (c.type === "with_clause") return c;
  return undefined;
}

export class Analyser {
  private readonly refs: TableRef[] = [];
  private readonly identifiers = new Set<string>();
  /** Every alias the statement gives (lower-case): a double-quoted name matching one is not a string. */
  private readonly aliases = new Set<string>();
  private usesStar = false;
  /** Subqueries already visited for a constraint: the generic walk skips them. */
  private readonly visitedSubqueries = new Set<Node>();
  /** WITH clauses already turned into environments, so that compound branches share one. */
  private readonly envs = new Map<WithClause, CteEnv>();
  /** CTEs and views being expanded: a reference back to one is recursion, left opaque. */
  private readonly expanding = new Set<CteDef | string>();
  /** CTEs whose body referred back to themselves: nothing is pushed into a recursive CTE. */
  private readonly recursiveDefs = new Set<CteDef>();
  /** The text the current node ranges point into: the statement, or a view body being expanded. */
  private sql: string;

  constructor(
    sql: string,
    private readonly lookup: TableLookup,
    /** Maps a stand-in name back to the table name the SQL used (see maskKeywordTables). */
    private readonly unmask: (name: string) => string = (n) => n,
    private readonly views: ViewLookup = () => undefined,
  ) {
    this.sql = sql;
  }

  analyse(stmt: Node): Analysis {
    this.collectNames(stmt);
    this.visitAny(stmt, null);
    return { refs: this.refs, identifiers: this.identifiers, usesStar: this.usesStar, kind: stmt.type };
  }

  private text(n: Node): string {
    const r = n.range;
    return r ? this.sql.slice(r[0], r[1]) : "";
  }

  private name(id: { name: string }): string {
    return this.unmask(id.name).toLowerCase();
  }

  /**
   * Records identifiers and stars anywhere in the statement. `count(*)` reads
   * no column; a NATURAL join compares columns the SQL never names, so it
   * counts as a star.
   */
  private collectNames(node: Node): void {
    if (node.type === "identifier") this.identifiers.add(node.name.toLowerCase());
    if (node.type === "alias") this.aliases.add(node.alias.name.toLowerCase());
    if (node.type === "all_columns") this.usesStar = true;
    if (node.type === "join_expr" && /NATURAL/.test(operatorName(node.operator))) this.usesStar = true;
    const skip = node.type === "func_call" && isStarArgument(node) ? node.args : undefined;
    for (const c of children(node)) if (c !== skip) this.collectNames(c);
  }

  /** Walks any node, opening a scope for every query found. */
  private visitAny(node: Node, scope: Scope | null): void {
    if (this.visitedSubqueries.has(node)) return;
    if (isSelect(node)) {
      this.visitQuery(node, scope, scope?.env ?? null);
      return;
    }
    for (const c of children(node)) this.visitAny(c, scope);
  }

  private visitQuery(q: SubSelect, parent: Scope | null, env: CteEnv | null): Shape {
    if (q.type === "paren_expr") return isNode(q.expr) ? this.visitQuery(q.expr, parent, env) : { columns: null, targets: null };
    if (q.type === "select_stmt") return this.visitSelect(q, parent, env);
    // The leftmost branch's WITH clause covers the whole compound.
    const first = leftmost(q);
    const w = first ? withClauseOf(first) : undefined;
    const shared = w ? this.envFor(w, env) : env;
    const left = this.visitQuery(q.left, parent, shared);
    const right = this.visitQuery(q.right, parent, shared);
    const op = operatorName(q.operator);
    // The compound's ORDER BY / LIMIT are parsed into its last branch.
    const limited = q.right.type === "select_stmt" && q.right.clauses.some((c) => c.type === "limit_clause" || c.type === "offset_clause");
    if (!op.startsWith("UNION") || limited || !left.targets || !right.targets) {
      return { columns: left.columns, targets: null };
    }
    // UNION: a row of the result with col = v comes from a branch row with col = v.
    const targets = left.targets.map((t, i) => [...t, ...(right.targets?.[i] ?? [])]);
    return { columns: left.columns, targets };
  }

  private envFor(w: WithClause, parent: CteEnv | null): CteEnv {
    const known = this.envs.get(w);
    if (known) return known;
    const defs = new Map<string, CteDef>();
    const env: CteEnv = { defs, parent };
    const recursive = w.recursiveKw !== undefined;
    for (const node of w.tables.items) defs.set(node.table.name.toLowerCase(), { name: node.table.name.toLowerCase(), node, src: this.sql, recursive, env });
    this.envs.set(w, env);
    return env;
  }

  private visitSelect(select: SelectStmt, parent: Scope | null, outerEnv: CteEnv | null): Shape {
    const w = withClauseOf(select);
    const env = w ? this.envFor(w, outerEnv) : outerEnv;
    const scope: Scope = { parent, sources: [], env, opaque: false };
    let from;
    for (const c of select.clauses) if (c.type === "from_clause") from = c;
    // FROM builds this scope's sources first so that the other clauses can
    // resolve columns against them. WITH bodies are analysed where referenced.
    const pendingOn: PendingOn[] = [];
    if (from) this.visitFrom(from.expr, scope, pendingOn);
    for (const c of select.clauses) {
      if (c === from || c.type === "with_clause") continue;
      if (c.type === "where_clause") {
        this.applyConjuncts(c.expr, scope, scope.sources);
        this.visitAny(c.expr, scope);
      } else {
        this.visitAny(c, scope);
      }
    }
    for (const { expr, targets } of pendingOn) {
      this.applyConjuncts(expr, scope, targets);
      this.visitAny(expr, scope);
    }
    return this.shapeOf(select, scope);
  }

  /** The output columns of a SELECT and, where safe, the source column each one is. */
  private shapeOf(select: SelectStmt, scope: Scope): Shape {
    let columnsClause;
    let groupBy;
    let blocked = false;
    for (const c of select.clauses) {
      if (c.type === "select_clause") columnsClause = c;
      else if (c.type === "group_by_clause") groupBy = c;
      // LIMIT keeps the first rows of the whole query, a window sees them all:
      // filtering first would change which rows those are.
      else if (c.type === "limit_clause" || c.type === "offset_clause" || c.type === "window_clause" || c.type === "having_clause") blocked = true;
    }
    const items = columnsClause?.columns?.items ?? [];
    if (items.some((i) => anyInExpr(i, isWindowCall))) blocked = true;
    const aggregated = !groupBy && items.some((i) => anyInExpr(i, isAggregateCall));
    if (aggregated) blocked = true;
    // With GROUP BY, a group's key column is the same in all its rows, so a
    // constraint on that column keeps or drops whole groups.
    const groupKeys = groupBy ? new Set(groupBy.columns.items.map((g) => this.resolveKey(g, scope))) : null;
    const columns: string[] = [];
    const targets: ColumnTarget[][] = [];
    let known = true;
    const push = (name: string, target: Resolved | null) => {
      columns.push(name);
      const ok = target && !blocked && (!groupKeys || groupKeys.has(`${sourceKey(target.source)}.${target.column}`));
      targets.push(ok ? [target] : []);
    };
    for (const item of items) {
      if (item.type === "all_columns") {
        if (scope.opaque) known = false;
        for (const s of scope.sources) {
          const cols = starColumns(s);
          if (!cols) known = false;
          for (const c of cols ?? []) push(c, { source: s, column: c });
        }
      } else if (item.type === "member_expr" && item.property.type === "all_columns") {
        const q = item.object.type === "identifier" ? this.name(item.object) : "";
        const s = scope.sources.find((x) => x.alias === q);
        const cols = s ? starColumns(s) : null;
        if (!s || !cols) known = false;
        for (const c of cols ?? []) push(c, { source: s!, column: c });
      } else if (item.type === "alias") {
        push(item.alias.name.toLowerCase(), this.resolveColumn(item.expr, scope));
      } else if (item.type === "identifier") {
        push(item.name.toLowerCase(), this.resolveColumn(item, scope));
      } else if (item.type === "member_expr" && item.property.type === "identifier") {
        push(item.property.name.toLowerCase(), this.resolveColumn(item, scope));
      } else {
        push(this.text(item).toLowerCase(), null);
      }
    }
    return { columns: known ? columns : null, targets: known ? targets : null };
  }

  private resolveKey(node: Node, scope: Scope): string {
    const r = this.resolveColumn(node, scope);
    return r ? `${sourceKey(r.source)}.${r.column}` : "";
  }

  /** Adds the sources of a FROM expression to `scope`; returns the ones it introduced. */
  private visitFrom(expr: Node, scope: Scope, pendingOn: PendingOn[]): Source[] {
    switch (expr.type) {
      case "identifier":
        return this.addNamed(this.name(expr), this.name(expr), scope);
      case "alias": {
        const inner = expr.expr;
        const alias = expr.alias.name.toLowerCase();
        if (inner.type === "identifier") return this.addNamed(this.name(inner), alias, scope);
        const sub = subSelectOf(inner);
        if (sub) return this.addSubquery(sub, alias, scope);
        this.visitAny(inner, scope);
        scope.opaque = true;
        return [];
      }
      case "join_expr": {
        const left = this.visitFrom(expr.left, scope, pendingOn);
        const right = this.visitFrom(expr.right, scope, pendingOn);
        const kind = operatorName(expr.operator);
        const outer = /LEFT|RIGHT|FULL|OUTER/.test(kind);
        const rightOnly = /LEFT/.test(kind) && !/RIGHT|FULL/.test(kind);
        const spec = expr.specification;
        if (spec?.type === "join_on_specification") {
          // ON terms constrain only the side whose rows they decide: both for an
          // inner join, the right side of a LEFT join, neither for RIGHT/FULL.
          if (!outer || rightOnly) pendingOn.push({ expr: spec.expr, targets: rightOnly ? right : [...left, ...right] });
          else this.visitAny(spec.expr, scope);
        } else if (spec?.type === "join_using_specification" && !(outer && !rightOnly)) {
          for (const id of spec.expr.expr.items) this.applyUsing(id.name.toLowerCase(), left, right, rightOnly);
        }
        return [...left, ...right];
      }
      case "paren_expr": {
        const sub = subSelectOf(expr);
        if (sub) return this.addSubquery(sub, "", scope);
        return isNode(expr.expr) ? this.visitFrom(expr.expr, scope, pendingOn) : [];
      }
      default:
        this.visitAny(expr, scope);
        scope.opaque = true;
        return [];
    }
  }

  /** A name in FROM: a CTE in scope, else an osq table, else a config view. */
  private addNamed(name: string, alias: string, scope: Scope): Source[] {
    const def = findCte(scope.env, name);
    if (def) return this.addCte(def, alias, scope);
    const table = this.lookup(name);
    if (table) {
      const ref: TableRef = { kind: "table", id: this.refs.length, name, alias, table, literals: [], joins: [], subqueries: [], alternatives: [], ownFilters: [] };
      this.refs.push(ref);
      scope.sources.push(ref);
      return [ref];
    }
    const view = this.views(name);
    if (view) return this.addView(name, view, alias, scope);
    scope.opaque = true;
    return [];
  }

  private addSubquery(sub: SubSelect, alias: string, scope: Scope): Source[] {
    const before = this.refs.length;
    // A subquery in FROM cannot see this scope's other FROM items.
    const parentScope = scope.parent;
    const shape = this.visitQuery(sub, parentScope, scope.env);
    const derived = this.derived(alias, withPrefix(scope.env), `(${this.text(sub)}) AS ${quoteIdent(alias || "subquery")}`, shape, before);
    scope.sources.push(derived);
    return [derived];
  }

  private addCte(def: CteDef, alias: string, scope: Scope): Source[] {
    if (this.expanding.has(def)) {
      this.recursiveDefs.add(def);
      scope.opaque = true;
      return [];
    }
    const body = subSelectOf(def.node.expr);
    if (!body) {
      scope.opaque = true;
      return [];
    }
    const before = this.refs.length;
    const saved = this.sql;
    this.expanding.add(def);
    this.sql = def.src;
    let shape: Shape;
    try {
      shape = this.visitQuery(body, null, def.env);
    } finally {
      this.sql = saved;
      this.expanding.delete(def);
    }
    const listed = def.node.columns?.expr.items.map((i) => i.name.toLowerCase()) ?? null;
    if (listed) shape = { columns: listed, targets: shape.targets };
    if (this.recursiveDefs.has(def)) shape = { columns: shape.columns, targets: null };
    const derived = this.derived(alias, withPrefix(scope.env), `${quoteIdent(def.name)} AS ${quoteIdent(alias)}`, shape, before);
    scope.sources.push(derived);
    return [derived];
  }

  private addView(name: string, view: ViewDefinition, alias: string, scope: Scope): Source[] {
    if (this.expanding.has(name)) {
      scope.opaque = true;
      return [];
    }
    const before = this.refs.length;
    let shape: Shape = { columns: null, targets: null };
    if (view.stmt && isSelect(view.stmt)) {
      const saved = this.sql;
      this.expanding.add(name);
      this.sql = view.text;
      try {
        this.collectNames(view.stmt);
        shape = this.visitQuery(view.stmt, null, null);
      } finally {
        this.sql = saved;
        this.expanding.delete(name);
      }
    } else {
      // A view the parser cannot read: its tables are filled whole, and SQLite runs it as written.
      this.usesStar = true;
      for (const t of tokenize(view.text)) {
        const word = identifierOf(t);
        const table = word === null ? undefined : this.lookup(word);
        if (word !== null && table && !this.refs.some((r, i) => i >= before && r.name === word)) {
          this.refs.push({ kind: "table", id: this.refs.length, name: word, alias: word, table, literals: [], joins: [], subqueries: [], alternatives: [], ownFilters: [] });
        }
        if (word !== null) this.identifiers.add(word);
      }
    }
    const derived = this.derived(alias, "", `${quoteIdent(name)} AS ${quoteIdent(alias)}`, shape, before);
    scope.sources.push(derived);
    return [derived];
  }

  private derived(alias: string, withSql: string, fromSql: string, shape: Shape, firstRef: number): DerivedRef {
    const forward = new Map<string, ColumnTarget[]>();
    shape.columns?.forEach((c, i) => {
      if (!forward.has(c)) forward.set(c, shape.targets?.[i] ?? []);
    });
    return { kind: "derived", alias, withSql, fromSql, columns: shape.columns, refs: this.refs.slice(firstRef), ownFilters: [], forward };
  }

  private applyUsing(column: string, left: Source[], right: Source[], rightOnly: boolean): void {
    const l = left.find((s) => sourceHasColumn(s, column));
    const r = right.find((s) => sourceHasColumn(s, column));
    if (!l || !r) return;
    pushJoin(r, column, l, column);
    if (!rightOnly) pushJoin(l, column, r, column);
  }

  /** Resolves a column reference to a source in scope (inner scopes first). */
  private resolveColumn(node: Node, scope: Scope): Resolved | null {
    let qualifier: string | null = null;
    let column: string;
    if (node.type === "identifier") column = node.name.toLowerCase();
    else if (node.type === "member_expr" && node.object.type === "identifier" && node.property.type === "identifier") {
      qualifier = this.name(node.object);
      column = node.property.name.toLowerCase();
    } else return null;
    for (let s: Scope | null = scope; s; s = s.parent) {
      if (qualifier !== null) {
        const source = s.sources.find((r) => r.alias === qualifier);
        if (source) return sourceHasColumn(source, column) || (source.kind === "derived" && source.columns === null) ? { source, column } : null;
      } else {
        const matches = s.sources.filter((r) => sourceHasColumn(r, column));
        if (matches.length === 1) return { source: matches[0]!, column };
        if (matches.length > 1) return null;
      }
    }
    return null;
  }

  /** True when the expression references no column and holds no subquery: a constant. */
  private isConstant(node: Node): boolean {
    if (node.type === "identifier" || node.type === "member_expr" || isSelect(node) || node.type === "all_columns") return false;
    if (node.type === "func_call") return node.args ? this.isConstant(node.args) : true;
    return children(node).every((c) => this.isConstant(c));
  }

  /**
   * SQLite (with its default, which osquery keeps) reads a double-quoted name
   * that matches no column as a string: `path = "/etc/hosts"`. Only a name
   * that surely matches nothing in reach counts: not a column of any source
   * in scope, no source whose columns are unknown, no alias, not a rowid.
   */
  private isQuotedString(node: Node, scope: Scope): boolean {
    if (node.type !== "identifier" || !node.text.startsWith('"')) return false;
    const name = node.name.toLowerCase();
    if (this.aliases.has(name) || ROWID_NAMES.has(name)) return false;
    for (let s: Scope | null = scope; s; s = s.parent) {
      if (s.opaque) return false;
      if (s.sources.some((src) => sourceHasColumn(src, name) || (src.kind === "derived" && src.columns === null))) return false;
    }
    return true;
  }

  /** A value a constraint can carry: a constant expression or a double-quoted string. */
  private isValue(node: Node, scope: Scope): boolean {
    return this.isConstant(node) || this.isQuotedString(node, scope);
  }

  /** Every column reference inside an expression, resolved; false when one does not resolve. */
  private sourcesIn(node: Node, scope: Scope, out: Set<Source>): boolean {
    if (isSelect(node)) return false;
    if (this.isQuotedString(node, scope)) return true;
    if (node.type === "identifier" || node.type === "member_expr") {
      const r = this.resolveColumn(node, scope);
      if (!r) return false;
      out.add(r.source);
      return true;
    }
    if (node.type === "func_call") return node.args ? this.sourcesIn(node.args, scope, out) : true;
    return children(node).every((c) => this.sourcesIn(c, scope, out));
  }

  private applyConjuncts(expr: Node, scope: Scope, targets: readonly Source[]): void {
    for (const term of conjuncts(expr)) {
      this.applyTerm(term, scope, targets);
      const used = new Set<Source>();
      if (this.sourcesIn(term, scope, used) && used.size === 1) {
        const [source] = used;
        if (targets.includes(source!)) source!.ownFilters.push(this.text(term));
      }
    }
  }

  private applyTerm(term: Node, scope: Scope, targets: readonly Source[]): void {
    const inTargets = (r: Resolved | null): r is Resolved => !!r && targets.includes(r.source);
    if (term.type === "paren_expr") return isNode(term.expr) ? this.applyTerm(term.expr, scope, targets) : undefined;
    if (term.type !== "binary_expr") return;
    const opName = operatorName(term.operator);
    const { left, right } = term;
    if (opName === "OR") {
      if (!this.applyOrAsIn(term, scope, targets)) this.applyOrAsAlternatives(term, scope, targets);
      return;
    }
    if (opName === "IN") {
      const col = this.resolveColumn(left, scope);
      if (!inTargets(col) || right.type !== "paren_expr") return;
      const sub = subSelectOf(right);
      if (sub) {
        this.pushSubquery(col, sub, scope);
      } else if (isNode(right.expr)) {
        const inner = right.expr;
        const items: Node[] = inner.type === "list_expr" ? inner.items : [inner];
        if (!items.every((i) => this.isValue(i, scope))) return;
        for (const i of items) pushLiteral(col.source, col.column, Op.EQUALS, this.text(i));
      }
      return;
    }
    const op = OPS[opName];
    if (op === undefined) return;
    // col = (SELECT ...) behaves as an IN-subquery for the generator.
    for (const [c, other] of [[left, right], [right, left]] as const) {
      const sub = op === Op.EQUALS && other.type === "paren_expr" ? subSelectOf(other) : null;
      if (sub) {
        const col = this.resolveColumn(c, scope);
        if (inTargets(col)) this.pushSubquery(col, sub, scope);
        return;
      }
    }
    const l = this.resolveColumn(left, scope);
    const r = this.resolveColumn(right, scope);
    if (l && r) {
      if (op === Op.EQUALS && l.source !== r.source) {
        if (targets.includes(l.source)) pushJoin(l.source, l.column, r.source, r.column);
        if (targets.includes(r.source)) pushJoin(r.source, r.column, l.source, l.column);
      }
      return;
    }
    if (l && this.isValue(right, scope)) {
      if (inTargets(l)) pushLiteral(l.source, l.column, op, this.text(right));
    } else if (r && this.isValue(left, scope) && MIRROR[op] !== undefined) {
      if (inTargets(r)) pushLiteral(r.source, r.column, MIRROR[op]!, this.text(left));
    }
  }

  /** (col = a OR col = b ...) on one column is an IN list; false when the term is not that shape. */
  private applyOrAsIn(term: Node, scope: Scope, targets: readonly Source[]): boolean {
    let target: Resolved | null = null;
    const values: string[] = [];
    for (const d of disjuncts(term)) {
      if (d.type !== "binary_expr" || !["=", "=="].includes(operatorName(d.operator))) return false;
      const [colSide, valSide] = this.orient(d.left, d.right, scope);
      if (!colSide || !valSide) return false;
      if (target && (target.source !== colSide.source || target.column !== colSide.column)) return false;
      target = colSide;
      values.push(this.text(valSide));
    }
    if (target && targets.includes(target.source)) for (const v of values) pushLiteral(target.source, target.column, Op.EQUALS, v);
    return true;
  }

  /**
   * Any other OR whose every branch gives literal constraints to one and the
   * same osq table (`path IN (a, b) OR path = c`, `path = a OR path LIKE b`):
   * each branch's constraints are read as if it stood alone, and recorded as
   * one of the table's alternatives. A branch with a subquery, or one that
   * constrains nothing or another table, leaves the whole term unused.
   */
  private applyOrAsAlternatives(term: Node, scope: Scope, targets: readonly Source[]): void {
    const branches = disjuncts(term);
    if (branches.some((d) => anyInExpr(d, isSelect))) return;
    const mark = new Map(this.refs.map((r) => [r, [r.literals.length, r.joins.length, r.subqueries.length] as const]));
    let owner: TableRef | null = null;
    const alternatives: LiteralConstraint[][] = [];
    for (const d of branches) {
      for (const c of conjuncts(d)) this.applyTerm(c, scope, targets);
      // Take back what the branch added: only its literals are kept, as an alternative.
      let added: LiteralConstraint[] = [];
      let foreign = false;
      for (const r of this.refs) {
        const [l, j, q] = mark.get(r) ?? [0, 0, 0];
        const literals = r.literals.splice(l);
        r.joins.splice(j);
        r.subqueries.splice(q);
        if (literals.length === 0) continue;
        if (owner !== null && owner !== r) foreign = true;
        owner = r;
        added = literals;
      }
      if (foreign || added.length === 0) return;
      alternatives.push(added);
    }
    if (owner) owner.alternatives.push(alternatives);
  }

  private pushSubquery(col: Resolved, sub: SubSelect, scope: Scope): void {
    const prefix = withPrefix(scope.env);
    const text = this.text(sub);
    // Wrapped so that a subquery with a WITH of its own still reads the outer CTEs.
    const sql = prefix ? `${prefix}SELECT * FROM (${text})` : text;
    const refs = this.refsOfSubquery(sub, scope);
    pushSubqueryConstraint(col.source, col.column, { column: col.column, sql, refs });
  }

  /** For `col = value` in either order: the column side and the constant side. */
  private orient(a: Node, b: Node, scope: Scope): [Resolved | null, Node | null] {
    const ca = this.resolveColumn(a, scope);
    if (ca && this.isValue(b, scope)) return [ca, b];
    const cb = this.resolveColumn(b, scope);
    if (cb && this.isValue(a, scope)) return [cb, a];
    return [null, null];
  }

  /** The refs a subquery introduces (visiting it now, so its scopes are built once). */
  private refsOfSubquery(select: SubSelect, scope: Scope): TableRef[] {
    const before = this.refs.length;
    this.visitQuery(select, scope, scope.env);
    this.visitedSubqueries.add(select);
    return this.refs.slice(before);
  }
}

function sourceKey(s: Source): string {
  return s.kind === "table" ? `t${s.id}` : `d:${s.alias}:${s.fromSql}`;
}

function findCte(env: CteEnv | null, name: string): CteDef | undefined {
  for (let e = env; e; e = e.parent) {
    const d = e.defs.get(name);
    if (d) return d;
  }
  return undefined;
}

/** The CTEs visible in `env` as one WITH prefix (outer first; an inner name hides an outer one). */
function withPrefix(env: CteEnv | null): string {
  const levels: CteEnv[] = [];
  for (let e = env; e; e = e.parent) levels.unshift(e);
  const defs = new Map<string, CteDef>();
  for (const level of levels) {
    for (const [name, d] of level.defs) {
      defs.delete(name);
      defs.set(name, d);
    }
  }
  if (defs.size === 0) return "";
  const recursive = [...defs.values()].some((d) => d.recursive);
  const texts = [...defs.values()].map((d) => (d.node.range ? d.src.slice(d.node.range[0], d.node.range[1]) : ""));
  return `WITH ${recursive ? "RECURSIVE " : ""}${texts.join(", ")} `;
}

function starColumns(s: Source): readonly string[] | null {
  if (s.kind === "derived") return s.columns;
  return s.table.columns.filter((c) => !c.hidden).map((c) => c.name);
}

function sourceHasColumn(s: Source, column: string): boolean {
  return s.kind === "table" ? hasColumn(s.table, column) : (s.columns?.includes(column) ?? false);
}

function pushLiteral(source: Source, column: string, op: OpCode, exprSql: string): void {
  if (source.kind === "table") {
    source.literals.push({ column, op, exprSql });
    return;
  }
  for (const t of source.forward.get(column) ?? []) pushLiteral(t.source, t.column, op, exprSql);
}

function pushSubqueryConstraint(source: Source, column: string, s: SubqueryConstraint): void {
  if (source.kind === "table") {
    // A subquery over the table itself cannot feed it.
    if (!s.refs.includes(source)) source.subqueries.push({ ...s, column });
    return;
  }
  for (const t of source.forward.get(column) ?? []) pushSubqueryConstraint(t.source, t.column, s);
}

function pushJoin(dest: Source, column: string, source: Source, sourceColumn: string): void {
  if (dest.kind === "table") {
    // A derived table that contains `dest` cannot be evaluated before it.
    if (!sourceRefs(source).includes(dest)) dest.joins.push({ column, source, sourceColumn });
    return;
  }
  for (const t of dest.forward.get(column) ?? []) pushJoin(t.source, t.column, source, sourceColumn);
}

export function hasColumn(table: Table, column: string): boolean {
  return table.columns.some((c) => c.name === column || (c.aliases?.includes(column) ?? false));
}

function conjuncts(expr: Node): Node[] {
  if (expr.type === "binary_expr" && operatorName(expr.operator) === "AND") {
    return [...conjuncts(expr.left), ...conjuncts(expr.right)];
  }
  if (expr.type === "paren_expr" && isNode(expr.expr) && expr.expr.type === "binary_expr" && operatorName(expr.expr.operator) === "AND") {
    return conjuncts(expr.expr);
  }
  return [expr];
}

function disjuncts(expr: Node): Node[] {
  if (expr.type === "binary_expr" && operatorName(expr.operator) === "OR") {
    return [...disjuncts(expr.left), ...disjuncts(expr.right)];
  }
  if (expr.type === "paren_expr" && isNode(expr.expr)) return disjuncts(expr.expr);
  return [expr];
}

/**
 * Table names that SQLite accepts but sql-parser-cst reads as keywords
 * (`groups`, a window-frame word), each with a stand-in of the same length so
 * every source range still points at the original text.
 */
const KEYWORD_TABLES: ReadonlyMap<string, string> = new Map([["groups", "_grps_"]]);

/**
 * Column names of osquery's tables that sql-parser-cst reads as keywords
 * (chrome_extension_content_scripts.match, the MATCH operator; SET), with
 * same-length stand-ins. Masked only where a column can stand (see
 * isOperandPosition), so `x MATCH 'y'` keeps its operator.
 */
const KEYWORD_COLUMNS: ReadonlyMap<string, string> = new Map([
  ["match", "_mtc_"],
  ["set", "_st"],
]);

/** Words after which an operand (a column) starts, never a binary operator. */
const BEFORE_OPERAND = new Set(["select", "distinct", "all", "where", "and", "or", "not", "by", "on", "when", "then", "else", "having", "as", "case"]);

type Word = { kind: string; text: string; start: number; end: number };

function isOperandPosition(prev: Word | undefined): boolean {
  if (prev === undefined) return true;
  if (prev.kind === "punct") return prev.text !== ")";
  return prev.kind === "word" && BEFORE_OPERAND.has(prev.text.toLowerCase());
}

export interface MaskedSql {
  readonly text: string;
  readonly unmask: (name: string) => string;
}

export function maskKeywordTables(sql: string, words: readonly Word[]): MaskedSql {
  let text = sql;
  words.forEach((t, i) => {
    if (t.kind !== "word") return;
    const word = t.text.toLowerCase();
    const stand = KEYWORD_TABLES.get(word) ?? (isOperandPosition(words[i - 1]) ? KEYWORD_COLUMNS.get(word) : undefined);
    if (stand) text = text.slice(0, t.start) + stand + text.slice(t.end);
  });
  const back = new Map([...KEYWORD_TABLES, ...KEYWORD_COLUMNS].map(([k, v]) => [v, k]));
  return { text, unmask: (n) => back.get(n.toLowerCase()) ?? n };
}

/**
 * Puts the original names back into a tree parsed from masked text, so every
 * later reading of an identifier (columns above all) sees the SQL's own name;
 * ranges are unchanged, the stand-ins having the original's length.
 */
export function unmaskTree(node: Node, unmask: (name: string) => string): void {
  if (node.type === "identifier") {
    const name = unmask(node.name);
    if (name !== node.name) node.name = name;
  }
  for (const c of children(node)) unmaskTree(c, unmask);
}
