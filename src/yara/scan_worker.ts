// yara_events' scan thread: reads each file and runs the embedded YARA
// engine over it, so neither a large file nor the engine (which compiles
// its rules again on every scan, see engine.ts) holds the main thread. Rule
// sets arrive once each, by id; scans run one at a time, in order.
import type { YaraRules } from "./engine.ts";
import { scanFile } from "./file_scan.ts";
import type { ScanReply, ScanThreadMessage } from "./scan_protocol.ts";

declare const self: Worker;

const rules = new Map<number, YaraRules>();
let queue: Promise<void> = Promise.resolve();

async function scan(id: number, path: string, ids: readonly number[]): Promise<void> {
  const sets: YaraRules[] = [];
  for (const r of ids) {
    const set = rules.get(r);
    if (!set) {
      postMessage({ id, result: { failed: `rule set ${r} was never sent to the scan thread` } } satisfies ScanReply);
      return;
    }
    sets.push(set);
  }
  let reply: ScanReply;
  try {
    reply = { id, result: await scanFile({ path, sets }) };
  } catch (e) {
    reply = { id, result: { failed: `the scan failed: ${(e as Error).message}` } };
  }
  postMessage(reply);
}

self.onmessage = (e: MessageEvent<ScanThreadMessage>) => {
  const m = e.data;
  if (m.kind === "rules") rules.set(m.id, m.rules);
  else if (m.kind === "forget") rules.clear();
  else queue = queue.then(() => scan(m.id, m.path, m.sets));
};
