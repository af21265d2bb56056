/**
 * Event files for `diffinfer apply`: the columns a model needs, picked by name in the model's
 * order from a CSV or Parquet file (read by src/models/config/events.ts) into one row-major
 * Float32Array; and CSV writing.
 */
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { readColumns } from '../../src/models/config/events.js';

/** Events read for a model: rows [n, names.length], row-major. */
export interface EventTable {
  readonly names: readonly string[];
  readonly n: number;
  readonly rows: Float32Array;
}

/**
 * Reads the columns `names` of a `.csv` or `.parquet` file.
 *
 * @throws InputError naming the file (and line or column) when a column is missing or a value is
 *   not a finite number, or the file is neither CSV nor Parquet.
 * @example
 * ```ts
 * const t = await readEvents('events.parquet', ['x0', 'x1', 'x2']);
 * ```
 */
export async function readEvents(path: string, names: readonly string[]): Promise<EventTable> {
  const t = await readColumns(path, names);
  const d = names.length;
  const rows = new Float32Array(t.n * d);
  names.forEach((name, j) => {
    const c = t.columns[name];
    for (let i = 0; i < t.n; i++) rows[i * d + j] = c[i];
  });
  return { names, n: t.n, rows };
}

/**
 * Writes a CSV file atomically (a temporary file, then a rename), streaming rows so that a
 * million events do not build one giant string.
 *
 * @example
 * ```ts
 * writeCsv('out.csv', ['bin', 'score'], 2, (i) => [i, 0.5]);
 * ```
 */
export function writeCsv(path: string, header: readonly string[], n: number, row: (i: number) => ArrayLike<number>): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'w');
    writeSync(fd, `${header.join(',')}\n`);
    const chunk: string[] = [];
    for (let i = 0; i < n; i++) {
      chunk.push(Array.from(row(i), (v) => (Number.isInteger(v) ? String(v) : v.toPrecision(7))).join(','));
      if (chunk.length === 10_000 || i === n - 1) {
        writeSync(fd, `${chunk.join('\n')}\n`);
        chunk.length = 0;
      }
    }
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
}
