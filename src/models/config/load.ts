/**
 * Reads an analysis config file: YAML (`.yaml`, `.yml`) or JSON (`.json`), parsed and validated
 * (schema.ts); relative file names in it are relative to the config's folder.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import YAML from 'yaml';
import { InputError } from '../../stats/errors.js';
import { parseAnalysisConfig } from './compile.js';
import type { AnalysisConfig } from './schema.js';

/** A config read from a file, and the folder its file names are relative to. */
export interface LoadedConfig {
  readonly config: AnalysisConfig;
  /** The config as written (what a bundle stores). */
  readonly raw: unknown;
  readonly baseDir: string;
  readonly path: string;
}

/**
 * Reads and validates a config file.
 *
 * @throws InputError naming the file for a file that cannot be read or parsed (with the line of a
 *   YAML or JSON syntax error), and the config path of the first invalid entry.
 * @example
 * ```ts
 * const { config, baseDir } = loadAnalysisConfig('examples/ttbar-like/analysis.yaml');
 * ```
 */
export function loadAnalysisConfig(path: string): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new InputError('io', path, 'cannot be read');
  }
  let raw: unknown;
  if (path.endsWith('.json')) {
    try {
      raw = JSON.parse(text);
    } catch (e) {
      throw new InputError('json', path, `is not valid JSON (${(e as Error).message})`);
    }
  } else if (path.endsWith('.yaml') || path.endsWith('.yml')) {
    const doc = YAML.parseDocument(text, { prettyErrors: false });
    if (doc.errors.length > 0) {
      const e = doc.errors[0];
      throw new InputError('json', `${path}${e.linePos ? ` line ${e.linePos[0].line}` : ''}`, `is not valid YAML (${e.message.split('\n')[0]})`);
    }
    raw = doc.toJS();
  } else {
    throw new InputError('io', path, 'is not a config file: its name must end in .yaml, .yml or .json');
  }
  let config: AnalysisConfig;
  try {
    config = parseAnalysisConfig(raw);
  } catch (e) {
    if (e instanceof InputError) throw new InputError(e.kind, `${path}: ${e.where}`, e.problem);
    throw e;
  }
  return { config, raw, baseDir: dirname(resolve(path)), path };
}
