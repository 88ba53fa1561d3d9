// A small SQLite tokenizer: enough to split input into statements the way
// sqlite3_complete() does, and to find identifiers and keywords cheaply
// before (or instead of) a full parse.

export interface Token {
  readonly kind: "word" | "string" | "quoted" | "number" | "punct" | "semicolon";
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

/** Tokenizes SQL, skipping whitespace and comments. An unterminated string or comment runs to the end. */
export function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    if (c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f") {
      i++;
    } else if (c === "-" && sql[i + 1] === "-") {
      const nl = sql.indexOf("\n", i);
      i = nl < 0 ? n : nl + 1;
    } else if (c === "/" && sql[i + 1] === "*") {
      const close = sql.indexOf("*/", i + 2);
      i = close < 0 ? n : close + 2;
    } else if (c === "'" || c === '"' || c === "`" || c === "[") {
      const closeCh = c === "[" ? "]" : c;
      let j = i + 1;
      for (;;) {
        if (j >= n) break;
        if (sql[j] === closeCh) {
          if (closeCh !== "]" && sql[j + 1] === closeCh) {
            j += 2;
            continue;
          }
          break;
        }
        j++;
      }
      const end = Math.min(j + 1, n);
      out.push({ kind: c === "'" ? "string" : "quoted", text: sql.slice(i, end), start: i, end });
      i = end;
    } else if (c === ";") {
      out.push({ kind: "semicolon", text: ";", start: i, end: i + 1 });
      i++;
    } else if (/[A-Za-z_\u0080-\uffff]/.test(c)) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_$\u0080-\uffff]/.test(sql[j]!)) j++;
      out.push({ kind: "word", text: sql.slice(i, j), start: i, end: j });
      i = j;
    } else if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(sql[i + 1] ?? ""))) {
      let j = i + 1;
      while (j < n && /[0-9A-Za-z_.]/.test(sql[j]!)) j++;
      out.push({ kind: "number", text: sql.slice(i, j), start: i, end: j });
      i = j;
    } else {
      out.push({ kind: "punct", text: c, start: i, end: i + 1 });
      i++;
    }
  }
  return out;
}

/** The identifier a word or quoted token names, lower-cased (SQLite names are case-insensitive). */
export function identifierOf(t: Token): string | null {
  if (t.kind === "word") return t.text.toLowerCase();
  if (t.kind === "quoted") {
    const q = t.text[0];
    const body = t.text.slice(1, q === "[" ? -1 : -1);
    return (q === "[" ? body : body.replaceAll(q! + q!, q!)).toLowerCase();
  }
  return null;
}

export interface SplitResult {
  /** Complete statements, each with its trailing semicolon removed and trimmed. */
  readonly statements: string[];
  /** Text after the last complete statement (an incomplete statement, or blank). */
  readonly rest: string;
}

/**
 * Splits input at semicolons outside strings and comments, like the shell's
 * use of sqlite3_complete(). Empty statements (`;;`) are dropped.
 */
export function splitStatements(input: string): SplitResult {
  const statements: string[] = [];
  let from = 0;
  for (const t of tokenize(input)) {
    if (t.kind !== "semicolon") continue;
    const text = input.slice(from, t.start).trim();
    if (text.length > 0 && tokenize(text).length > 0) statements.push(text);
    from = t.end;
  }
  return { statements, rest: input.slice(from) };
}
