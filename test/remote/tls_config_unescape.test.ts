// The node API's config string goes through osquery's unescapeUnicode before
// it is parsed: \uXXXX below 255 becomes that character, "\\" passes whole,
// and a \u without four hex digits voids the text.
import { expect, test } from "bun:test";
import { unescapeUnicode } from "../../plugins/config/tls.ts";

test("unescapeUnicode as osquery's: low code points decoded, others and escaped backslashes kept", () => {
  expect(unescapeUnicode('{"a":"\\u0041\\u00e9"}')).toBe('{"a":"Aé"}');
  expect(unescapeUnicode("{\\u263a}")).toBe("{\\u263a}");
  expect(unescapeUnicode('{"p":"C:\\\\users"}')).toBe('{"p":"C:\\\\users"}');
  expect(unescapeUnicode('{"x":"\\uZZZZ"}')).toBe("");
  // Shorter than six characters: returned as is.
  expect(unescapeUnicode("\\u41")).toBe("\\u41");
});
