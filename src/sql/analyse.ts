// Step 1 of the query path: find every reference to an osq table in one
// statement and the constraints that reach it (DESIGN "The query path").
//
// The statement is parsed with sql-parser-cst (SQLite dialect). Each SELECT
// is a scope; its FROM clause yields table references, its WHERE conjuncts
// (and ON conjuncts, where the join kind allows) yield constraints:
//   col <op> <constant>        -> literal constraint (the constant is evaluated later)
//   col IN (<constants>)       -> one EQUALS per value
//   col = x OR col = y         -> as IN
//   col LIKE / GLOB <constant> -> LIKE / GLOB
//   a.col = b.col, USING (col) -> join constraint between two references
//   col IN (SELECT ...), col = (SELECT ...) -> subquery constraint
// Only AND-ed terms are used: a term under OR could exclude rows that the
// other branch keeps. A generator may get fewer constraints than the SQL has,
// never more, so every shape we do not understand is simply not pushed down.
import type { Node } from "sql-parser-cst";
import { Op, type OpCode, type Table } from "../table.ts";

export interface LiteralConstraint {
  readonly column: string;
  readonly op: OpCode;
  /** SQL text of a constant expression (no column references), evaluated at plan time. */
  readonly exprSql: string;
}

export interface JoinConstraint {
  readonly column: string;
  readonly source: TableRef;
  readonly sourceColumn: string;
}

export interface SubqueryConstraint {
  readonly column: string;
  readonly sql: string;
  /** The osq table references inside the subquery: they must be filled first. */
  readonly refs: TableRef[];
}

export interface TableRef {
  readonly id: number;
  /** The name the SQL uses (lower-case): the table in the query database. */
  readonly name: string;
  readonly alias: string;
  readonly table: Table;
  readonly literals: LiteralConstraint[];
  readonly joins: JoinConstraint[];
  readonly subqueries: SubqueryConstraint[];
  /** WHERE/inner-ON conjuncts that mention only this reference: they filter it as a join source. */
  readonly ownFilters: string[];
}

export interface Analysis {
  readonly refs: TableRef[];
  /** Every identifier in the statement (lower-case): decides hidden columns and colsUsed. */
  readonly identifiers: ReadonlySet<string>;
  readonly usesStar: boolean;
  readonly kind: string;
}

export type TableLookup = (name: string) => Table | undefined;

interface Scope {
  readonly parent: Scope | null;
  readonly refs: TableRef[];
}

type AnyNode = Node & Record<string, unknown>;

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

function isNode(x: unknown): x is AnyNode {
  return typeof x === "object" && x !== null && typeof (x as { type?: unknown }).type === "string";
}

export function operatorName(op: unknown): string {
  if (typeof op === "string") return op.toUpperCase();
  if (Array.isArray(op)) return op.map((k) => (k as { name: string }).name).join(" ");
  if (isNode(op) && op.type === "keyword") return String(op.name);
  return "";
}

function children(node: AnyNode): unknown[] {
  const out: unknown[] = [];
  for (const [k, v] of Object.entries(node)) {
    if (k === "range" || k === "type") continue;
    if (Array.isArray(v)) for (const item of v) out.push(item);
    else if (typeof v === "object" && v !== null) out.push(v);
  }
  return out;
}

function isSelect(n: unknown): boolean {
  return isNode(n) && (n.type === "select_stmt" || n.type === "compound_select_stmt");
}

export class Analyser {
  private readonly refs: TableRef[] = [];
  private readonly identifiers = new Set<string>();
  private readonly cteNames = new Set<string>();
  private usesStar = false;
  /** Subqueries already visited for a constraint: the generic walk skips them. */
  private readonly visitedSubqueries = new Set<AnyNode>();

  constructor(
    private readonly sql: string,
    private readonly lookup: TableLookup,
    /** Maps a stand-in name back to the table name the SQL used (see maskKeywordTables). */
    private readonly unmask: (name: string) => string = (n) => n,
  ) {}

  analyse(stmt: AnyNode): Analysis {
    this.collectNames(stmt);
    this.visitAny(stmt, null);
    return { refs: this.refs, identifiers: this.identifiers, usesStar: this.usesStar, kind: stmt.type };
  }

  private text(n: AnyNode): string {
    const r = (n as { range?: [number, number] }).range;
    return r ? this.sql.slice(r[0], r[1]) : "";
  }

  /** Records identifiers, stars and CTE names anywhere in the statement. */
  private collectNames(node: unknown): void {
    if (Array.isArray(node)) {
      for (const c of node) this.collectNames(c);
      return;
    }
    if (!isNode(node)) return;
    if (node.type === "identifier") this.identifiers.add(String(node.name).toLowerCase());
    if (node.type === "all_columns") this.usesStar = true;
    if (node.type === "common_table_expr") {
      const t = node.table as AnyNode;
      if (isNode(t) && t.type === "identifier") this.cteNames.add(String(t.name).toLowerCase());
    }
    for (const c of children(node)) this.collectNames(c);
  }

  /** Walks any node, opening a scope for every SELECT found. */
  private visitAny(node: unknown, scope: Scope | null): void {
    if (Array.isArray(node)) {
      for (const c of node) this.visitAny(c, scope);
      return;
    }
    if (!isNode(node) || this.visitedSubqueries.has(node)) return;
    if (node.type === "select_stmt") {
      this.visitSelect(node, scope);
      return;
    }
    for (const c of children(node)) this.visitAny(c, scope);
  }

  private visitSelect(select: AnyNode, parent: Scope | null): Scope {
    const scope: Scope = { parent, refs: [] };
    const clauses = (select.clauses as AnyNode[]) ?? [];
    const from = clauses.find((c) => c.type === "from_clause");
    // WITH bodies are scopes of their own; FROM builds this scope's refs first
    // so that the other clauses can resolve columns against them.
    const pendingOn: { expr: AnyNode; targets: TableRef[] }[] = [];
    if (from) this.visitFrom(from.expr as AnyNode, scope, pendingOn);
    for (const c of clauses) {
      if (c === from) continue;
      if (c.type === "where_clause") {
        this.applyConjuncts(c.expr as AnyNode, scope, scope.refs);
        this.visitAny(c.expr, scope);
      } else {
        this.visitAny(c, scope);
      }
    }
    for (const { expr, targets } of pendingOn) {
      this.applyConjuncts(expr, scope, targets);
      this.visitAny(expr, scope);
    }
    return scope;
  }

  /** Adds the refs of a FROM expression to `scope`; returns the refs it introduced. */
  private visitFrom(expr: AnyNode, scope: Scope, pendingOn: { expr: AnyNode; targets: TableRef[] }[]): TableRef[] {
    if (!isNode(expr)) return [];
    switch (expr.type) {
      case "identifier":
        return this.addRef(this.unmask(String(expr.name)), this.unmask(String(expr.name)), scope);
      case "alias": {
        const inner = expr.expr as AnyNode;
        const alias = String((expr.alias as AnyNode).name);
        if (isNode(inner) && inner.type === "identifier") return this.addRef(this.unmask(String(inner.name)), alias, scope);
        this.visitAny(inner, scope);
        return [];
      }
      case "join_expr": {
        const left = this.visitFrom(expr.left as AnyNode, scope, pendingOn);
        const right = this.visitFrom(expr.right as AnyNode, scope, pendingOn);
        const kind = operatorName(expr.operator);
        const outer = /LEFT|RIGHT|FULL|OUTER/.test(kind);
        const rightOnly = /LEFT/.test(kind) && !/RIGHT|FULL/.test(kind);
        const spec = expr.specification as AnyNode | undefined;
        if (isNode(spec) && spec.type === "join_on_specification") {
          // ON terms constrain only the side whose rows they decide: both for an
          // inner join, the right side of a LEFT join, neither for RIGHT/FULL.
          if (!outer || rightOnly) pendingOn.push({ expr: spec.expr as AnyNode, targets: rightOnly ? right : [...left, ...right] });
          else this.visitAny(spec.expr, scope);
        } else if (isNode(spec) && spec.type === "join_using_specification" && !(outer && !rightOnly)) {
          const list = ((spec.expr as AnyNode).expr as AnyNode).items as AnyNode[];
          for (const id of list) this.applyUsing(String(id.name).toLowerCase(), left, right, rightOnly);
        }
        return [...left, ...right];
      }
      case "paren_expr":
        this.visitAny(expr.expr, scope);
        return [];
      default:
        this.visitAny(expr, scope);
        return [];
    }
  }

  private addRef(name: string, alias: string, scope: Scope): TableRef[] {
    const lower = name.toLowerCase();
    if (this.cteNames.has(lower)) return [];
    const table = this.lookup(lower);
    if (!table) return [];
    const ref: TableRef = {
      id: this.refs.length,
      name: lower,
      alias: alias.toLowerCase(),
      table,
      literals: [],
      joins: [],
      subqueries: [],
      ownFilters: [],
    };
    this.refs.push(ref);
    scope.refs.push(ref);
    return [ref];
  }

  private applyUsing(column: string, left: TableRef[], right: TableRef[], rightOnly: boolean): void {
    const l = left.find((r) => hasColumn(r.table, column));
    const r = right.find((x) => hasColumn(x.table, column));
    if (!l || !r) return;
    r.joins.push({ column, source: l, sourceColumn: column });
    if (!rightOnly) l.joins.push({ column, source: r, sourceColumn: column });
  }

  /** Resolves a column reference to a table ref in scope (inner scopes first). */
  private resolveColumn(node: AnyNode, scope: Scope): { ref: TableRef; column: string } | null {
    let qualifier: string | null = null;
    let column: string;
    if (node.type === "identifier") column = String(node.name).toLowerCase();
    else if (node.type === "member_expr" && isNode(node.object) && isNode(node.property) && node.object.type === "identifier" && node.property.type === "identifier") {
      qualifier = this.unmask(String(node.object.name)).toLowerCase();
      column = String(node.property.name).toLowerCase();
    } else return null;
    for (let s: Scope | null = scope; s; s = s.parent) {
      if (qualifier !== null) {
        const ref = s.refs.find((r) => r.alias === qualifier);
        if (ref) return hasColumn(ref.table, column) ? { ref, column } : null;
      } else {
        const matches = s.refs.filter((r) => hasColumn(r.table, column));
        if (matches.length === 1) return { ref: matches[0]!, column };
        if (matches.length > 1) return null;
      }
    }
    return null;
  }

  /** True when the expression references no column and holds no subquery: a constant. */
  private isConstant(node: unknown): boolean {
    if (Array.isArray(node)) return node.every((c) => this.isConstant(c));
    if (!isNode(node)) return true;
    if (node.type === "identifier" || node.type === "member_expr" || isSelect(node) || node.type === "all_columns") return false;
    if (node.type === "func_call") return this.isConstant(node.args);
    return children(node).every((c) => this.isConstant(c));
  }

  /** Every column reference inside an expression, resolved; null when one does not resolve. */
  private refsIn(node: unknown, scope: Scope, out: Set<TableRef>): boolean {
    if (Array.isArray(node)) return node.every((c) => this.refsIn(c, scope, out));
    if (!isNode(node)) return true;
    if (isSelect(node)) return false;
    if (node.type === "identifier" || node.type === "member_expr") {
      const r = this.resolveColumn(node, scope);
      if (!r) return false;
      out.add(r.ref);
      return true;
    }
    if (node.type === "func_call") return this.refsIn((node as AnyNode).args, scope, out);
    return children(node).every((c) => this.refsIn(c, scope, out));
  }

  private applyConjuncts(expr: AnyNode, scope: Scope, targets: readonly TableRef[]): void {
    for (const term of conjuncts(expr)) {
      this.applyTerm(term, scope, targets);
      const used = new Set<TableRef>();
      if (this.refsIn(term, scope, used) && used.size === 1) {
        const [ref] = used;
        if (targets.includes(ref!)) ref!.ownFilters.push(this.text(term));
      }
    }
  }

  private applyTerm(term: AnyNode, scope: Scope, targets: readonly TableRef[]): void {
    const inTargets = (r: { ref: TableRef } | null): r is { ref: TableRef; column: string } => !!r && targets.includes(r.ref);
    if (term.type === "paren_expr") return this.applyTerm(term.expr as AnyNode, scope, targets);
    if (term.type !== "binary_expr") return;
    const opName = operatorName(term.operator);
    const left = term.left as AnyNode;
    const right = term.right as AnyNode;
    if (opName === "OR") {
      // (col = a OR col = b ...) on one column is an IN list.
      const eqs = disjuncts(term).map((d) => (d.type === "binary_expr" && ["=", "=="].includes(operatorName(d.operator)) ? d : null));
      if (eqs.some((e) => e === null)) return;
      let target: { ref: TableRef; column: string } | null = null;
      const values: string[] = [];
      for (const e of eqs as AnyNode[]) {
        const [colSide, valSide] = this.orient(e.left as AnyNode, e.right as AnyNode, scope);
        if (!colSide || !valSide) return;
        if (target && (target.ref !== colSide.ref || target.column !== colSide.column)) return;
        target = colSide;
        values.push(this.text(valSide));
      }
      if (inTargets(target)) for (const v of values) target.ref.literals.push({ column: target.column, op: Op.EQUALS, exprSql: v });
      return;
    }
    if (opName === "IN") {
      const col = this.resolveColumn(left, scope);
      if (!inTargets(col) || !isNode(right) || right.type !== "paren_expr") return;
      const inner = right.expr as AnyNode;
      if (isSelect(inner)) {
        col.ref.subqueries.push({ column: col.column, sql: this.text(inner), refs: this.refsOfSubquery(inner, scope) });
      } else {
        const items = inner.type === "list_expr" ? (inner.items as AnyNode[]) : [inner];
        if (!items.every((i) => this.isConstant(i))) return;
        for (const i of items) col.ref.literals.push({ column: col.column, op: Op.EQUALS, exprSql: this.text(i) });
      }
      return;
    }
    const op = OPS[opName];
    if (op === undefined) return;
    // col = (SELECT ...) behaves as an IN-subquery for the generator.
    for (const [c, other] of [[left, right], [right, left]] as const) {
      if (op === Op.EQUALS && isNode(other) && other.type === "paren_expr" && isSelect(other.expr)) {
        const col = this.resolveColumn(c, scope);
        if (inTargets(col)) col.ref.subqueries.push({ column: col.column, sql: this.text(other.expr as AnyNode), refs: this.refsOfSubquery(other.expr as AnyNode, scope) });
        return;
      }
    }
    const l = this.resolveColumn(left, scope);
    const r = this.resolveColumn(right, scope);
    if (l && r) {
      if (op === Op.EQUALS && l.ref !== r.ref) {
        if (targets.includes(l.ref)) l.ref.joins.push({ column: l.column, source: r.ref, sourceColumn: r.column });
        if (targets.includes(r.ref)) r.ref.joins.push({ column: r.column, source: l.ref, sourceColumn: l.column });
      }
      return;
    }
    if (l && this.isConstant(right)) {
      if (inTargets(l)) l.ref.literals.push({ column: l.column, op, exprSql: this.text(right) });
    } else if (r && this.isConstant(left) && MIRROR[op] !== undefined) {
      if (inTargets(r)) r.ref.literals.push({ column: r.column, op: MIRROR[op]!, exprSql: this.text(left) });
    }
  }

  /** For `col = value` in either order: the column side and the constant side. */
  private orient(a: AnyNode, b: AnyNode, scope: Scope): [{ ref: TableRef; column: string } | null, AnyNode | null] {
    const ca = this.resolveColumn(a, scope);
    if (ca && this.isConstant(b)) return [ca, b];
    const cb = this.resolveColumn(b, scope);
    if (cb && this.isConstant(a)) return [cb, a];
    return [null, null];
  }

  /** The refs a subquery introduces (visiting it now, so its scopes are built once). */
  private refsOfSubquery(select: AnyNode, scope: Scope): TableRef[] {
    const before = this.refs.length;
    this.visitAny(select, scope);
    this.visitedSubqueries.add(select);
    return this.refs.slice(before);
  }

}

export function hasColumn(table: Table, column: string): boolean {
  return table.columns.some((c) => c.name === column || (c.aliases?.includes(column) ?? false));
}

function conjuncts(expr: AnyNode): AnyNode[] {
  if (isNode(expr) && expr.type === "binary_expr" && operatorName(expr.operator) === "AND") {
    return [...conjuncts(expr.left as AnyNode), ...conjuncts(expr.right as AnyNode)];
  }
  if (isNode(expr) && expr.type === "paren_expr" && isNode(expr.expr) && expr.expr.type === "binary_expr" && operatorName(expr.expr.operator) === "AND") {
    return conjuncts(expr.expr as AnyNode);
  }
  return [expr];
}

function disjuncts(expr: AnyNode): AnyNode[] {
  if (isNode(expr) && expr.type === "binary_expr" && operatorName(expr.operator) === "OR") {
    return [...disjuncts(expr.left as AnyNode), ...disjuncts(expr.right as AnyNode)];
  }
  if (isNode(expr) && expr.type === "paren_expr") return disjuncts(expr.expr as AnyNode);
  return [expr];
}

/**
 * Table names that SQLite accepts but sql-parser-cst reads as keywords
 * (`groups`, a window-frame word), each with a stand-in of the same length so
 * every source range still points at the original text.
 */
const KEYWORD_TABLES: ReadonlyMap<string, string> = new Map([["groups", "_grps_"]]);

export interface MaskedSql {
  readonly text: string;
  readonly unmask: (name: string) => string;
}

export function maskKeywordTables(sql: string, words: readonly { kind: string; text: string; start: number; end: number }[]): MaskedSql {
  let text = sql;
  for (const t of words) {
    const stand = t.kind === "word" ? KEYWORD_TABLES.get(t.text.toLowerCase()) : undefined;
    if (stand) text = text.slice(0, t.start) + stand + text.slice(t.end);
  }
  const back = new Map([...KEYWORD_TABLES].map(([k, v]) => [v, k]));
  return { text, unmask: (n) => back.get(n.toLowerCase()) ?? n };
}
