/**
 * Event files for `diffinfer apply`: CSV (a header row of column names, then one event per
 * line, comma-separated numbers) and Parquet (numeric columns, read with hyparquet). The
 * columns a model needs are picked by name, in the model's order, into one row-major
 * Float32Array.
 */
import { closeSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema } from 'hyparquet';
import { InputError } from '../../src/stats/errors.js';

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
 *   not a finite number.
 * @example
 * ```ts
 * const t = await readEvents('events.parquet', ['x0', 'x1', 'x2']);
 * ```
 */
export async function readEvents(path: string, names: readonly string[]): Promise<EventTable> {
  if (path.endsWith('.csv')) return readCsv(path, names);
  if (path.endsWith('.parquet')) return readParquet(path, names);
  throw new InputError('argument', `--input ${path}`, 'must end in .csv or .parquet');
}

function readCsv(path: string, names: readonly string[]): EventTable {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new InputError('io', path, 'cannot be read');
  }
  let pos = 0;
  const nextLine = (): string | undefined => {
    if (pos >= text.length) return undefined;
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    const line = text.slice(pos, end).replace(/\r$/, '');
    pos = end + 1;
    return line;
  };
  const header = nextLine();
  if (header === undefined || header.trim() === '') throw new InputError('io', path, 'is empty (expected a header row of column names)');
  const columns = header.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
  const index = names.map((name) => {
    const i = columns.indexOf(name);
    if (i < 0) throw new InputError('io', `${path} header`, `has no column "${name}" (columns: ${columns.join(', ')})`);
    return i;
  });
  // count lines first to allocate once
  let count = 0;
  for (let i = pos; i < text.length; i++) if (text.charCodeAt(i) === 10) count++;
  if (text.length > 0 && text.charCodeAt(text.length - 1) !== 10) count++;
  const rows = new Float32Array(count * names.length);
  let n = 0;
  let lineNo = 1;
  for (let line = nextLine(); line !== undefined; line = nextLine()) {
    lineNo++;
    if (line.trim() === '') continue;
    const cells = line.split(',');
    if (cells.length !== columns.length) throw new InputError('io', `${path} line ${lineNo}`, `has ${cells.length} values, the header has ${columns.length}`);
    for (let j = 0; j < index.length; j++) {
      const v = Number(cells[index[j]]);
      if (!Number.isFinite(v)) throw new InputError('io', `${path} line ${lineNo}`, `column "${names[j]}" is ${JSON.stringify(cells[index[j]])}, not a finite number`);
      rows[n * names.length + j] = v;
    }
    n++;
  }
  return { names, n, rows: n * names.length === rows.length ? rows : rows.slice(0, n * names.length) };
}

async function readParquet(path: string, names: readonly string[]): Promise<EventTable> {
  let file;
  try {
    file = await asyncBufferFromFile(path);
  } catch {
    throw new InputError('io', path, 'cannot be read');
  }
  let metadata;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (e) {
    throw new InputError('io', path, `is not a Parquet file (${(e as Error).message})`);
  }
  const available = parquetSchema(metadata).children.map((c) => c.element.name);
  for (const name of names) {
    if (!available.includes(name)) throw new InputError('io', path, `has no column "${name}" (columns: ${available.join(', ')})`);
  }
  const n = Number(metadata.num_rows);
  const rows = new Float32Array(n * names.length);
  await parquetRead({
    file,
    metadata,
    columns: [...names],
    onChunk: ({ columnName, columnData, rowStart, rowEnd }) => {
      const j = names.indexOf(columnName);
      for (let r = rowStart; r < rowEnd && r < n; r++) {
        const v = Number(columnData[r - rowStart] as number | bigint);
        if (!Number.isFinite(v)) throw new InputError('io', `${path} row ${r}`, `column "${columnName}" is ${String(columnData[r - rowStart])}, not a finite number`);
        rows[r * names.length + j] = v;
      }
    },
  });
  return { names, n, rows };
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
