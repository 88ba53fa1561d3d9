// The engine module in process: what osq reads from YARA source that the wasm
// engine does not report (each rule's tags and first string, past the braces
// of comments, text, regular expressions and hex strings), and what loading
// the engine leaves behind.
import { expect, test } from "bun:test";
import { loadYara, ruleInfo } from "../../../src/yara/engine.ts";

test("tags and first strings of every rule, whatever braces their bodies hold", () => {
  const source = String.raw`
import "pe"
/* rule commented : out { } */
global private rule g : gt { condition: true }
rule a : t1 t2 {
  meta:
    note = "strings: $fake { }"
  strings:
    $re = /ab{2,3}[}]/ nocase
    $hex = { 4D 5A [2-4] ( 90 | 91 ) }
    $txt = "a \" } quoted"
  condition:
    $re and #hex > filesize / 2 // } in a comment
}
rule b { strings: $ = "x" condition: all of them }
rule c : only { condition: pe.number_of_sections > 1 and "x" matches /}/ }
`;
  expect(Object.fromEntries(ruleInfo(source))).toEqual({
    g: { tags: ["gt"] },
    a: { tags: ["t1", "t2"], firstString: "$re" },
    b: { tags: [], firstString: "$" },
    c: { tags: ["only"] },
  });
});

test("loading the engine leaves the process's uncaughtException and unhandledRejection listeners as they were", async () => {
  const events = ["uncaughtException", "unhandledRejection"] as const;
  const before = events.map((ev) => process.listeners(ev).length);
  expect(await loadYara()).not.toBeNull();
  expect(events.map((ev) => process.listeners(ev).length)).toEqual(before);
});
