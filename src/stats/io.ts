/** File output that is whole or absent: write a temporary file beside the target, then rename. */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Writes `contents` to `path` atomically: a reader sees the old file or the complete new one,
 * never a partial write. Creates the parent directory.
 *
 * @example
 * ```ts
 * writeFileAtomic('results/fit.json', JSON.stringify(result));
 * ```
 */
export function writeFileAtomic(path: string, contents: string | Uint8Array): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    writeFileSync(tmp, contents);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
