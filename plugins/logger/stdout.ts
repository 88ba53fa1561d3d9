// The stdout logger plugin: result and snapshot lines as they are, status lines
// as `severity=N location=file:line message=text`. Like osquery's, it takes
// over from glog's stderr copy of status lines.
import type { StatusLine, StatusLog } from "../../src/logger/status.ts";
import type { LoggerPlugin } from "./plugin.ts";
import { writeStdout } from "../../src/io.ts";

export class StdoutLoggerPlugin implements LoggerPlugin {
  readonly name = "stdout";

  constructor(
    private readonly status: StatusLog,
    private readonly write: (text: string) => void = writeStdout,
  ) {}

  setUp(): string | null {
    return null;
  }

  init(_binary: string, buffered: readonly StatusLine[]): void {
    this.status.suppressStderr(true);
    this.logStatus(buffered);
  }

  logString(line: string): void {
    this.write(line + "\n");
  }

  logSnapshot(line: string): void {
    this.write(line + "\n");
  }

  logStatus(lines: readonly StatusLine[]): void {
    let out = "";
    for (const l of lines) out += `severity=${l.severity} location=${l.filename}:${l.line} message=${l.message}\n`;
    if (out) this.write(out);
  }
}
