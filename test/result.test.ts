import { describe, expect, test } from "bun:test";
import { attempt, err, ok, valueOr } from "../src/result.ts";

describe("Result", () => {
  test("ok and err carry the value or the reason", () => {
    expect(ok(3)).toEqual({ ok: true, value: 3 });
    expect(err("EACCES")).toEqual({ ok: false, error: "EACCES" });
  });

  test("attempt turns a throw into the error, keeping an Error as it was thrown", () => {
    const boom = new RangeError("boom");
    const r = attempt(() => {
      throw boom;
    });
    expect(r.ok ? null : r.error).toBe(boom);
    const s = attempt(() => {
      throw "text";
    });
    expect(s.ok ? null : s.error.message).toBe("text");
    expect(attempt(() => 7)).toEqual({ ok: true, value: 7 });
  });

  test("valueOr", () => {
    expect(valueOr(ok("a"), null)).toBe("a");
    expect(valueOr(err(new Error("x")), null)).toBeNull();
  });
});
