// One file scanned with rule sets, as osquery's yr_rules_scan_file does it
// for yara_events: the file read whole (an empty one is scanned too), the
// sets applied in turn and their matches kept in that order. What libyara
// refuses (a directory, a file gone) is a failure and gives no row. Run in
// the scan thread (scan_worker.ts), or in the main thread when no thread
// can start.
import { closeSync, constants, fstatSync, openSync } from "node:fs";
import { readAt } from "../linux/fs.ts";
import { MAX_SCAN_BYTES, scanBuffer, type YaraRuleMatch, type YaraRules } from "./engine.ts";

export interface FileScanRequest {
  readonly path: string;
  readonly sets: readonly YaraRules[];
}

/** The matching rules of every set, or why the file was not scanned. */
export type FileScanResult = { readonly matches: readonly YaraRuleMatch[] } | { readonly failed: string };

/**
 * The file's bytes, or why not. A FIFO or device is refused without waiting
 * on it (libyara's open would block on a FIFO with no writer).
 */
function readWhole(path: string): Uint8Array | string {
  let fd: number;
  try {
    // Non-blocking: opening a FIFO must not wait for a writer.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    return `cannot open it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return "not a regular file";
    if (st.size > MAX_SCAN_BYTES) return `${st.size} bytes is more than the embedded YARA engine takes (${MAX_SCAN_BYTES})`;
    // libyara maps the size it saw in its stat: bytes written later are not scanned.
    return readAt(fd, 0, st.size);
  } catch (e) {
    return `cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`;
  } finally {
    closeSync(fd);
  }
}

export async function scanFile(req: FileScanRequest): Promise<FileScanResult> {
  const data = readWhole(req.path);
  if (typeof data === "string") return { failed: data };
  const matches: YaraRuleMatch[] = [];
  for (const rules of req.sets) {
    const found = await scanBuffer(rules, data);
    if (!found) return { failed: "the YARA engine cannot start" };
    matches.push(...found);
  }
  return { matches };
}
