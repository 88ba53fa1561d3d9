// The config plugin API (INTERFACES §4): genConfig returns source name → JSON
// text; genPack turns a pack given as a string into JSON text. The filesystem
// plugin is built in; tls and extension plugins implement the same shape.
export type GenConfigResult = { ok: true; sources: Map<string, string> } | { ok: false; error: string };
export type GenPackResult = { ok: true; text: string } | { ok: false; error: string };

export interface ConfigPlugin {
  readonly name: string;
  genConfig(): GenConfigResult | Promise<GenConfigResult>;
  genPack(name: string, value: string): GenPackResult | Promise<GenPackResult>;
}
