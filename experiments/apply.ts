/**
 * `diffinfer apply`: runs a saved summary on events from a CSV or Parquet file and writes, per
 * event, the hard bin index (column `bin`, as in training's evaluation) and the summary outputs
 * (`score`, or `logit_0` ... `logit_{K-1}`), as CSV. Events are evaluated in chunks, so memory
 * stays at the input, the outputs and one chunk of network activations.
 */
import { InputError } from '../src/stats/errors.js';
import { hardBins, loadMlp, summaryOutputs, type Binning, dataset } from '../src/models/index.js';
import { readEvents, writeCsv } from './io/events.js';

export interface ApplyOptions {
  readonly model: string;
  readonly input: string;
  readonly output: string;
  /** Events per network call; default 50 000. */
  readonly chunk?: number;
}

/**
 * Applies the model in `options.model` to `options.input`, writing `options.output`.
 *
 * @example
 * ```ts
 * await applyModel({ model: 'out/inferno/seed-0', input: 'events.parquet', output: 'bins.csv' });
 * ```
 */
export async function applyModel(options: ApplyOptions): Promise<{ events: number; bins: number }> {
  const { mlp, sidecar } = await loadMlp(options.model);
  try {
    const binning = sidecar.extra?.binning as Binning | undefined;
    if (!binning) throw new InputError('io', `${options.model}/diffinfer.json`, 'has no binning in "extra" (was it saved by diffinfer inferno/neos?)');
    const table = await readEvents(options.input, sidecar.inputNames);
    if (table.n === 0) throw new InputError('io', options.input, 'holds no events');
    const outputs = summaryOutputs(mlp, dataset(table.rows, table.names.length, undefined, options.input), undefined, options.chunk);
    const k = mlp.output.kind === 'score' ? 1 : mlp.output.bins;
    const nBins = binning.kind === 'kde' ? binning.edges.length - 1 : k;
    const bins = hardBins(binning, nBins, outputs, table.n);
    const header = ['bin', ...(k === 1 ? ['score'] : Array.from({ length: k }, (_, j) => `logit_${j}`))];
    const row = new Float64Array(1 + k);
    writeCsv(options.output, header, table.n, (i) => {
      row[0] = bins[i];
      for (let j = 0; j < k; j++) row[1 + j] = outputs[i * k + j];
      return row;
    });
    return { events: table.n, bins: nBins };
  } finally {
    mlp.dispose();
  }
}
