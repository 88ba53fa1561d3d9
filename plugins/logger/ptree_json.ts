// How osquery's AWS loggers rewrite each line before sending it: the line
// goes through a Boost property tree to gain a trailing "log_type" key
// (osquery/utils/aws/aws_util.cpp, appendLogTypeToJson). A property tree holds
// every value as text, so what reaches Kinesis and Firehose is not the line
// the other loggers write: numbers, true, false and null become strings
// ("unixTime":"1700000000"), an empty array or object becomes "", and Boost's
// writer escapes "/" as "\/" and control characters as \u00XX. Pipelines
// built on osquery's Kinesis output parse exactly that, so it is reproduced
// here rather than corrected.

/** A property tree node: text, or children (an array's children have empty keys). */
interface PNode {
  data: string;
  children: [string, PNode][];
}

class ParseError extends Error {
  override readonly name = "ParseError";
}

/** A JSON reader that keeps each number's text as written, as Boost's does. */
class Reader {
  private i = 0;
  constructor(private readonly s: string) {}

  document(): PNode {
    this.space();
    const c = this.s[this.i];
    if (c !== "{" && c !== "[") throw new ParseError("expected an object or an array");
    const node = this.value();
    this.space();
    if (this.i !== this.s.length) throw new ParseError(`unexpected text at offset ${this.i}`);
    return node;
  }

  private space(): void {
    while (this.i < this.s.length && " \t\n\r".includes(this.s[this.i]!)) this.i++;
  }

  private value(): PNode {
    this.space();
    const c = this.s[this.i];
    if (c === "{") return this.container("}", true);
    if (c === "[") return this.container("]", false);
    if (c === '"') return { data: this.string(), children: [] };
    for (const word of ["true", "false", "null"]) {
      if (this.s.startsWith(word, this.i)) {
        this.i += word.length;
        return { data: word, children: [] };
      }
    }
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(this.s.slice(this.i, this.i + 400));
    if (!m) throw new ParseError(`unexpected character at offset ${this.i}`);
    this.i += m[0].length;
    return { data: m[0], children: [] };
  }

  private container(close: string, keyed: boolean): PNode {
    this.i++;
    const node: PNode = { data: "", children: [] };
    this.space();
    if (this.s[this.i] === close) {
      this.i++;
      return node;
    }
    for (;;) {
      this.space();
      let key = "";
      if (keyed) {
        if (this.s[this.i] !== '"') throw new ParseError(`expected a key at offset ${this.i}`);
        key = this.string();
        this.space();
        if (this.s[this.i++] !== ":") throw new ParseError(`expected ":" at offset ${this.i - 1}`);
      }
      node.children.push([key, this.value()]);
      this.space();
      const c = this.s[this.i++];
      if (c === close) return node;
      if (c !== ",") throw new ParseError(`expected "," or "${close}" at offset ${this.i - 1}`);
    }
  }

  private string(): string {
    const start = this.i;
    this.i++;
    while (this.i < this.s.length) {
      const c = this.s[this.i];
      if (c === "\\") this.i += 2;
      else if (c === '"') break;
      else this.i++;
    }
    if (this.i >= this.s.length) throw new ParseError("unterminated string");
    this.i++;
    // JSON.parse decodes one string literal exactly as the standard says.
    return JSON.parse(this.s.slice(start, this.i)) as string;
  }
}

/** Boost's create_escapes: ASCII punctuation and letters pass, bytes of other UTF-8 characters too. */
function escape(s: string): string {
  let out = "";
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += "\\\\";
    else if (c === 0x2f) out += "\\/";
    else if (c >= 0x20) out += ch;
    else if (c === 0x08) out += "\\b";
    else if (c === 0x0c) out += "\\f";
    else if (c === 0x0a) out += "\\n";
    else if (c === 0x0d) out += "\\r";
    else if (c === 0x09) out += "\\t";
    else out += "\\u" + c.toString(16).toUpperCase().padStart(4, "0");
  }
  return out;
}

function write(node: PNode): string {
  if (node.children.length === 0) return `"${escape(node.data)}"`;
  if (node.children.every(([k]) => k === "")) return `[${node.children.map(([, c]) => write(c)).join(",")}]`;
  return `{${node.children.map(([k, c]) => `"${escape(k)}":${write(c)}`).join(",")}}`;
}

/**
 * `line` with "log_type" set to `logType`, written as osquery's AWS loggers
 * write it; throws when the line is not a JSON object or array.
 */
export function withLogType(line: string, logType: string): string {
  const root = new Reader(line).document();
  const existing = root.children.find(([k]) => k === "log_type");
  // ptree's put() replaces the value of an existing key in place, else appends.
  if (existing) existing[1].data = logType;
  else root.children.push(["log_type", { data: logType, children: [] }]);
  return write(root);
}
