/**
 * `diffinfer apply`: runs a trained analysis's summary (its bundle) on events from a CSV or
 * Parquet file and writes, per event, the hard bin index of the learned channels (column `bin`,
 * as evaluation bins them) and the summary outputs (`score`, or `logit_0` ... `logit_{K-1}`), as
 * CSV. Events are evaluated in chunks, so memory stays at the input, the outputs and one chunk
 * of network activations. `bin` is the summary's bin (numpy's edge rule, or the first largest
 * logit); `export` and `evaluate` may merge a bin with no expected events into its neighbour
 * (`mergeDegenerateBins`, listed in the export's notes), which merges those bins' events too.
 */
import { binningBins, hardBins } from '../src/models/analysis.js';
import { loadBundleSummary, readBundle } from '../src/models/bundle.js';
import { dataset } from '../src/models/data.js';
import { summaryOutputs } from '../src/models/fill.js';
import { InputError } from '../src/stats/errors.js';
import { readEvents, writeCsv } from './io/events.js';

export interface ApplyOptions {
  /** The bundle folder. */
  readonly bundle: string;
  readonly input: string;
  readonly output: string;
  /** Events per network call; default 50 000. */
  readonly chunk?: number;
}

/**
 * Applies the bundle in `options.bundle` to `options.input`, writing `options.output`.
 *
 * @throws InputError naming the file for a bundle that cannot be read, an input without the
 *   bundle's features, or an input with no events.
 * @example
 * ```ts
 * await applyBundle({ bundle: 'runs/ex/inferno', input: 'events.parquet', output: 'bins.csv' });
 * ```
 */
export async function applyBundle(options: ApplyOptions): Promise<{ events: number; bins: number }> {
  const bundle = readBundle(options.bundle);
  const summary = await loadBundleSummary(options.bundle, bundle);
  try {
    const table = await readEvents(options.input, bundle.features);
    if (table.n === 0) throw new InputError('io', options.input, 'holds no events');
    const outputs = summaryOutputs(summary, dataset(table.rows, table.names.length, undefined, options.input), undefined, options.chunk);
    const k = summary.output.kind === 'score' ? 1 : summary.output.bins;
    const nBins = binningBins(bundle.binning, k)!;
    const bins = hardBins(bundle.binning, nBins, outputs, table.n);
    const header = ['bin', ...(k === 1 ? ['score'] : Array.from({ length: k }, (_, j) => `logit_${j}`))];
    const row = new Float64Array(1 + k);
    writeCsv(options.output, header, table.n, (i) => {
      row[0] = bins[i];
      for (let j = 0; j < k; j++) row[1 + j] = outputs[i * k + j];
      return row;
    });
    return { events: table.n, bins: nBins };
  } finally {
    summary.dispose();
  }
}
