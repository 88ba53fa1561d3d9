// How a SQLite value becomes text, as osquery shows it: integers in decimal,
// reals as SQLite's "%!.15g" (always with a decimal point), NULL as the caller's
// null text.
import type { SqlValue } from "../sql/materialise.ts";

export function formatReal(x: number): string {
  if (!Number.isFinite(x)) return x > 0 ? "Inf" : x < 0 ? "-Inf" : "NaN";
  let s = x.toPrecision(15);
  let exp = "";
  const e = s.indexOf("e");
  if (e >= 0) {
    exp = s.slice(e);
    s = s.slice(0, e);
  }
  if (s.includes(".")) s = s.replace(/0+$/, "").replace(/\.$/, ".0");
  else s += ".0";
  if (exp) {
    const sign = exp[1] === "-" ? "-" : "+";
    const digits = exp.slice(2).padStart(2, "0");
    exp = `e${sign}${digits}`;
  }
  return s + exp;
}

/**
 * An integer (a bigint: SQLite's integers are read as such) in decimal. By way
 * of a number while that is exact: JSC prints a number about twice as fast
 * as a BigInt, and an output of 10,000 file rows holds 110,000 integers.
 */
export function integerText(v: bigint): string {
  const n = Number(v);
  return Number.isSafeInteger(n) ? String(n) : String(v);
}

export function valueText(v: SqlValue, nullText = ""): string {
  if (typeof v === "string") return v;
  if (typeof v === "bigint") return integerText(v);
  if (v === null) return nullText;
  return formatReal(v);
}
