// Types for libyara-wasm (libyara 4 compiled to WebAssembly with an embind
// wrapper), which ships none: only what src/yara/engine.ts uses.
declare module "libyara-wasm" {
  interface EmVector<T> {
    size(): number;
    get(i: number): T;
  }
  interface ResolvedMatch {
    readonly location: number;
    readonly matchLength: number;
    readonly stringIdentifier: string;
  }
  interface MatchedRule {
    readonly ruleName: string;
    readonly resolvedMatches: EmVector<ResolvedMatch>;
  }
  interface CompileError {
    readonly message: string;
    readonly lineNumber: number;
    readonly warning: boolean;
  }
  interface RunResult {
    readonly matchedRules: EmVector<MatchedRule>;
    readonly compileErrors: EmVector<CompileError>;
  }
  interface LibYara {
    run(data: Uint8Array | string, rules: string): RunResult;
  }
  /** Emscripten's module overrides: where the engine's stdout and stderr lines go. */
  interface ModuleOverrides {
    print?(text: string): void;
    printErr?(text: string): void;
  }
  export default function load(overrides?: ModuleOverrides): Promise<LibYara>;
}
