// osquery's log rotation for the results and snapshots logs (logger_rotate):
// before a write, a file that reached logger_rotate_size moves to `x.1`; the
// older ones shift up, `x.1` being compressed with zstd on its way to `x.2.zst`;
// files past logger_rotate_max_files are deleted.
import { existsSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";

/** How many rotated files stay uncompressed (just `x.1`). */
const UNCOMPRESSED = 1;

export function rotatedName(path: string, offset: number): string {
  return `${path}.${offset}${offset > UNCOMPRESSED ? ".zst" : ""}`;
}

export function shouldRotate(path: string, rotateSize: number): boolean {
  try {
    return statSync(path).size >= rotateSize;
  } catch {
    // No log file yet: nothing to rotate; the append that follows creates it.
    return false;
  }
}

function compress(source: string, dest: string): void {
  writeFileSync(dest, Bun.zstdCompressSync(readFileSync(source)));
  unlinkSync(source);
}

/** Rotates `path`, keeping at most `maxFiles` files in the rotation (x.1 … x.N). */
export function rotate(path: string, maxFiles: number): void {
  if (!existsSync(path)) throw new Error("Path under rotation does not exist");
  const moves = [rotatedName(path, 1)];
  while (existsSync(moves[moves.length - 1]!)) moves.push(rotatedName(path, moves.length + 1));
  for (let i = moves.length - 1; i > 0; i--) {
    if (i === UNCOMPRESSED) compress(moves[i - 1]!, moves[i]!);
    else renameSync(moves[i - 1]!, moves[i]!);
  }
  for (let i = moves.length - 1; i >= maxFiles && i > 0; i--) {
    try {
      unlinkSync(moves[i]!);
    } catch {
      // already gone
    }
  }
  renameSync(path, moves[0]!);
}
