/**
 * Analysis configs on Node: {@link NODE_ANALYSIS_FILES} reads event files (CSV, Parquet:
 * events.ts) and workspaces for compile.ts, and {@link compileAnalysis} is compile.ts's with it
 * by default (what the config barrel exports). compile.ts itself reads no file (it runs in a
 * browser on simulated configs).
 */
import { readFileSync } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { InputError } from '../../stats/errors.js';
import { compileAnalysis as compileWith, type AnalysisFiles, type CompiledAnalysis, type CompileOptions, type FileEvents } from './compile.js';
import type { AnalysisConfig } from './schema.js';
import { fileColumns, readColumns } from './events.js';

/** The events of a file set (see `AnalysisFiles.readFileSet`), each file's name in messages. */
async function readFileSet(files: readonly string[], baseDir: string, needs: ReadonlyMap<string, string>, where: string): Promise<FileEvents> {
  const parts: Array<{ n: number; columns: Readonly<Record<string, Float32Array>> }> = [];
  for (const f of files) {
    const path = isAbsolute(f) ? f : join(baseDir, f);
    let available: string[];
    try {
      available = await fileColumns(path);
    } catch (e) {
      if (e instanceof InputError) throw new InputError(e.kind, where, `${basename(f)}: ${e.problem}`);
      throw e;
    }
    for (const [col, w] of needs) {
      if (!available.includes(col)) throw new InputError('argument', w, `column "${col}" not in ${basename(f)} (columns: ${available.join(', ')})`);
    }
    try {
      parts.push(await readColumns(path, [...needs.keys()]));
    } catch (e) {
      // a value that is not a finite number: the config entry that reads the column, and the file's place
      const col = e instanceof InputError ? /column "(.*?)"/.exec(e.problem)?.[1] : undefined;
      if (e instanceof InputError && col !== undefined && needs.has(col)) throw new InputError(e.kind, needs.get(col)!, `${basename(f)}${e.where.slice(path.length)}: ${e.problem}`);
      throw e;
    }
  }
  const n = parts.reduce((t, p) => t + p.n, 0);
  const columns: Record<string, Float32Array> = {};
  for (const col of needs.keys()) {
    if (parts.length === 1) columns[col] = parts[0].columns[col];
    else {
      const out = new Float32Array(n);
      let o = 0;
      for (const p of parts) (out.set(p.columns[col], o), (o += p.n));
      columns[col] = out;
    }
  }
  return { n, columns, label: files.map((f) => basename(f)).join(', '), key: files.join('|') };
}

/** compile.ts's files on Node. */
export const NODE_ANALYSIS_FILES: AnalysisFiles = {
  readFileSet,
  readText: (file, baseDir) => readFileSync(isAbsolute(file) ? file : resolve(baseDir, file), 'utf8'),
};

/**
 * Compiles a config (compile.ts `compileAnalysis`), reading its files with
 * {@link NODE_ANALYSIS_FILES} unless `options.files` is given.
 *
 * @example
 * ```ts
 * const compiled = await compileAnalysis(parseAnalysisConfig(YAML.parse(text)), { baseDir: 'examples/ttH', splits: ['train', 'validation'] });
 * ```
 */
export function compileAnalysis(input: AnalysisConfig | unknown, options: CompileOptions = {}): Promise<CompiledAnalysis> {
  return compileWith(input, { files: NODE_ANALYSIS_FILES, ...options });
}
