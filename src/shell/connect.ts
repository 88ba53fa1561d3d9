// `.connect PATH` / `.disconnect` and `--connect PATH` (INTERFACES §3): while
// connected, the shell sends each statement to the extension manager at PATH
// (another osqueryi, or an osqueryd's /var/osquery/osquery.em) with Thrift
// `query` and takes the column order from `getQueryColumns`, as osquery's
// shell does for debugging a running agent. Meta-commands stay local.
import type { QueryResult, ResultColumn } from "../sql/execute.ts";
import { QueryError } from "../sql/errors.ts";
import type { SqlValue } from "../sql/materialise.ts";
import { writeStdout } from "../io.ts";

/** osquery's print_bold: bold on a terminal, each piece on its own. */
function printBold(...pieces: string[]): void {
  const tty = process.stdin.isTTY === true;
  writeStdout(pieces.map((p) => (tty ? `\x1b[1m${p}\x1b[0m` : p)).join(""));
}

export function announceConnect(path: string): void {
  printBold("Connected to extension socket ", path, " for debugging\n");
}

export function announceDisconnect(path: string): void {
  printBold("Disconnected from extension socket ", path, "\n");
}

/** The prompt prefix osquery's shell shows while connected. */
export const CONNECTED_PROMPT = "[*]";

/**
 * Runs `sql` on the extension manager at `path`. A status other than 0 is
 * the query's error, with the manager's message and code; a socket that does
 * not answer is osquery's "Extension call failed: ...".
 */
export async function remoteQuery(path: string, sql: string, timeoutMs: number): Promise<QueryResult> {
  const { connectExtensionClient, ThriftError } = await import("../extensions/thrift.ts");
  let client;
  try {
    client = await connectExtensionClient(path, { timeoutMs });
    const rows = await client.query(sql);
    if (rows.status.code !== 0) throw new QueryError(rows.status.message, rows.status.code);
    const types = await client.getQueryColumns(sql);
    if (types.status.code !== 0) throw new QueryError(types.status.message, types.status.code);
    // Each getQueryColumns row is one column: { name: declared type }, in the statement's order.
    const columns: ResultColumn[] = types.response.flatMap((r) => Object.entries(r).slice(0, 1).map(([name, type]) => ({ name, type })));
    const values: SqlValue[][] = rows.response.map((r) => columns.map((c) => r[c.name] ?? null));
    return { columns, rows: values, tables: [] };
  } catch (e) {
    if (e instanceof ThriftError) throw new QueryError(`Extension call failed: ${e.message}`);
    throw e;
  } finally {
    client?.close();
  }
}
