/**
 * The MLP summary's directory on disk (Node only; mlp.ts itself does no file IO): `saveMlp`
 * writes `model.json`, `weights.bin` and `diffinfer.json` (each atomically), `loadMlp` reads
 * them back.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../stats/errors.js';
import { writeFileAtomic } from '../stats/io.js';
import { MLP_FILE_NAMES, mlpFromFiles, type MlpSidecar, type MlpSummary } from './mlp.js';

/**
 * Writes the model to `dir` (`model.json`, `weights.bin`, `diffinfer.json`; see
 * `MlpSummary.files`), each file atomically.
 *
 * @example
 * ```ts
 * await saveMlp(mlp, 'out/inferno/seed-0/summary');
 * ```
 */
export async function saveMlp(mlp: MlpSummary, dir: string): Promise<void> {
  const files = await mlp.files();
  for (const name of MLP_FILE_NAMES) writeFileAtomic(join(dir, name), files[name]);
}

/**
 * Loads a model saved by {@link saveMlp}: returns the restored summary and the parsed sidecar
 * (`diffinfer.json`).
 *
 * @throws InputError naming the file when a file is missing or malformed.
 * @example
 * ```ts
 * const { mlp, sidecar } = await loadMlp('runs/start/inferno/seed-0/summary');
 * sidecar.inputNames; // ['x0', 'x1', 'x2']
 * ```
 */
export async function loadMlp(dir: string): Promise<{ mlp: MlpSummary; sidecar: MlpSidecar }> {
  return mlpFromFiles(
    (name) => {
      try {
        return readFileSync(join(dir, name));
      } catch {
        throw new InputError('io', join(dir, name), 'cannot be read (is this a directory written by diffinfer?)');
      }
    },
    (name) => (name === '' ? dir : join(dir, name)),
  );
}
