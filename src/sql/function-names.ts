// The names registerFunctions() defines. Kept apart from functions.ts so a
// query can be checked for them without loading the functions themselves:
// `select 1` never needs them (a test keeps this list equal to what is registered).
export const OSQUERY_FUNCTION_NAMES: ReadonlySet<string> = new Set([
  "split", "regex_split", "regex_match", "concat", "concat_ws",
  "inet_aton", "in_cidr_block", "community_id_v1", "community_id_v1_strict",
  "md5", "sha1", "sha256", "to_base64", "conditional_to_base64", "from_base64",
  "log", "cot", "ceil", "floor",
  "version_compare", "carve",
]);
