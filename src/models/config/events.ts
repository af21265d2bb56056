/**
 * Event files: CSV (a header row of column names, then one event per line, comma-separated
 * numbers) and Parquet (numeric columns, read with hyparquet). {@link fileColumns} lists a
 * file's columns without reading its events; {@link readColumns} reads the columns asked for
 * into one Float32Array each. Node IO (the config loader and `diffinfer apply` use it).
 */
import { readFileSync } from 'node:fs';
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema, type AsyncBuffer, type FileMetaData } from 'hyparquet';
import { InputError } from '../../stats/errors.js';

/** Columns of events read from a file. */
export interface ColumnTable {
  readonly n: number;
  readonly columns: Readonly<Record<string, Float32Array>>;
}

/** The file kinds read. */
export function eventFileKind(path: string): 'csv' | 'parquet' | undefined {
  if (path.endsWith('.csv')) return 'csv';
  if (path.endsWith('.parquet')) return 'parquet';
  return undefined;
}

function kindOf(path: string): 'csv' | 'parquet' {
  const k = eventFileKind(path);
  if (!k) throw new InputError('io', path, 'is not an event file: its name must end in .csv or .parquet');
  return k;
}

async function openParquet(path: string): Promise<{ file: AsyncBuffer; metadata: FileMetaData }> {
  let file: AsyncBuffer;
  try {
    file = await asyncBufferFromFile(path);
  } catch {
    throw new InputError('io', path, 'cannot be read');
  }
  try {
    return { file, metadata: await parquetMetadataAsync(file) };
  } catch (e) {
    throw new InputError('io', path, `is not a Parquet file (${(e as Error).message})`);
  }
}

function csvText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new InputError('io', path, 'cannot be read');
  }
}

function csvHeader(path: string, text: string): { columns: string[]; body: number } {
  const end = text.indexOf('\n');
  const header = (end < 0 ? text : text.slice(0, end)).replace(/\r$/, '');
  if (header.trim() === '') throw new InputError('io', path, 'is empty (expected a header row of column names)');
  return { columns: header.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1')), body: end < 0 ? text.length : end + 1 };
}

/**
 * The column names of an event file.
 *
 * @throws InputError naming the file when it cannot be read or is not CSV/Parquet.
 * @example
 * ```ts
 * await fileColumns('ttbar.parquet'); // ['pt', 'eta', 'w', ...]
 * ```
 */
export async function fileColumns(path: string): Promise<string[]> {
  if (kindOf(path) === 'csv') return csvHeader(path, csvText(path)).columns;
  const { metadata } = await openParquet(path);
  return parquetSchema(metadata).children.map((c) => c.element.name);
}

/**
 * Reads columns `names` of an event file.
 *
 * @throws InputError naming the file (and line or row) when a column is missing or a value is
 *   not a finite number.
 * @example
 * ```ts
 * const t = await readColumns('events.parquet', ['x0', 'x1']);
 * t.columns.x0[0];
 * ```
 */
export async function readColumns(path: string, names: readonly string[]): Promise<ColumnTable> {
  return kindOf(path) === 'csv' ? readCsvColumns(path, names) : readParquetColumns(path, names);
}

function readCsvColumns(path: string, names: readonly string[]): ColumnTable {
  const text = csvText(path);
  const { columns, body } = csvHeader(path, text);
  const index = names.map((name) => {
    const i = columns.indexOf(name);
    if (i < 0) throw new InputError('io', `${path} header`, `has no column "${name}" (columns: ${columns.join(', ')})`);
    return i;
  });
  let count = 0;
  for (let i = body; i < text.length; i++) if (text.charCodeAt(i) === 10) count++;
  if (text.length > body && text.charCodeAt(text.length - 1) !== 10) count++;
  const out = names.map(() => new Float32Array(count));
  let n = 0;
  let lineNo = 1;
  let pos = body;
  while (pos < text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    const line = text.slice(pos, end).replace(/\r$/, '');
    pos = end + 1;
    lineNo++;
    if (line.trim() === '') continue;
    const cells = line.split(',');
    if (cells.length !== columns.length) throw new InputError('io', `${path} line ${lineNo}`, `has ${cells.length} values, the header has ${columns.length}`);
    for (let j = 0; j < index.length; j++) {
      const v = Number(cells[index[j]]);
      if (!Number.isFinite(v) || cells[index[j]].trim() === '') throw new InputError('io', `${path} line ${lineNo}`, `column "${names[j]}" is ${JSON.stringify(cells[index[j]])}, not a finite number`);
      out[j][n] = v;
    }
    n++;
  }
  const columnsOut: Record<string, Float32Array> = {};
  names.forEach((name, j) => (columnsOut[name] = n === count ? out[j] : out[j].slice(0, n)));
  return { n, columns: columnsOut };
}

async function readParquetColumns(path: string, names: readonly string[]): Promise<ColumnTable> {
  const { file, metadata } = await openParquet(path);
  const available = parquetSchema(metadata).children.map((c) => c.element.name);
  for (const name of names) {
    if (!available.includes(name)) throw new InputError('io', path, `has no column "${name}" (columns: ${available.join(', ')})`);
  }
  const n = Number(metadata.num_rows);
  const out: Record<string, Float32Array> = {};
  for (const name of names) out[name] = new Float32Array(n);
  if (names.length > 0 && n > 0) {
    await parquetRead({
      file,
      metadata,
      columns: [...new Set(names)],
      onChunk: ({ columnName, columnData, rowStart, rowEnd }) => {
        const col = out[columnName];
        for (let r = rowStart; r < rowEnd && r < n; r++) {
          const v = Number(columnData[r - rowStart] as number | bigint);
          if (!Number.isFinite(v)) throw new InputError('io', `${path} row ${r}`, `column "${columnName}" is ${String(columnData[r - rowStart])}, not a finite number`);
          col[r] = v;
        }
      },
    });
  }
  return { n, columns: out };
}
