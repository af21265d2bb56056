/**
 * The trainer on Node: {@link NODE_TRAIN_IO} (the JSONL log, checkpoints written atomically, the
 * progress bar on stderr) and {@link train}, trainer.ts's `train` with it by default. trainer.ts
 * itself does no file IO (it runs in a browser).
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import cliProgress from 'cli-progress';
import { InputError } from '../stats/errors.js';
import { writeFileAtomic } from '../stats/io.js';
import type { Analysis } from './analysis.js';
import type { Dataset } from './data.js';
import type { Summary } from './summary.js';
import { train as trainWith, type TrainHook, type TrainIo, type TrainOptions, type TrainResult } from './trainer.js';

/** The progress bar on stderr. */
function progressHook(label: string, total: number, start: number): TrainHook {
  const bar = new cliProgress.SingleBar({ stream: process.stderr, format: `${label} [{bar}] {value}/{total} steps | loss {loss} | val {val}`, hideCursor: true }, cliProgress.Presets.shades_classic);
  bar.start(total, start, { loss: '-', val: '-' });
  let lastVal = '-';
  return {
    name: 'progress',
    afterStep(ctx) {
      const v = ctx.record.validationLoss ?? ctx.record.validation;
      if (v !== undefined) lastVal = v.toPrecision(5);
      bar.update(ctx.step, { loss: ctx.record.loss.toPrecision(5), val: lastVal });
    },
    end: () => bar.stop(),
  };
}

/** The trainer's files and terminal on Node (see `TrainIo`). */
export const NODE_TRAIN_IO: TrainIo = {
  join,
  readText(file) {
    if (!existsSync(file)) return undefined;
    try {
      return readFileSync(file, 'utf8');
    } catch (e) {
      throw new InputError('io', file, `is not a readable checkpoint (${(e as Error).message})`);
    }
  },
  writeAtomic: (file, text) => writeFileAtomic(file, text),
  truncate(file) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, '');
  },
  append: (file, text) => appendFileSync(file, text),
  progress: progressHook,
};

/**
 * Trains `summary` (trainer.ts `train`) with {@link NODE_TRAIN_IO} unless `options.io` is given.
 *
 * @example
 * ```ts
 * const result = await train(mlp, analysis, trainData, {
 *   objective: 'inferno', steps: 2000, batchSize: 500, seed: 1,
 *   optimizer: { kind: 'adam', schedule: { kind: 'constant', learningRate: 1e-3 } },
 *   checkpoint: { dir: 'runs/x/checkpoint', every: 100 }, resume: true, jsonl: 'runs/x/train.jsonl',
 * });
 * ```
 */
export function train(summary: Summary, analysis: Analysis, datasets: Readonly<Record<string, Dataset>>, options: TrainOptions): Promise<TrainResult> {
  return trainWith(summary, analysis, datasets, { io: NODE_TRAIN_IO, ...options });
}
