/**
 * Gaussian blobs with diagonal covariance: `x ~ N(mean, diag(std^2))` in d dimensions, from a
 * seeded ARC4 stream (seedrandom) with Box-Muller pairs. Every event consumes `2 ceil(d / 2)`
 * uniforms whatever the mean and widths are, so blobs simulated from one seed with different
 * means are the same standard-normal draws shifted (common random numbers, as the neos demo
 * draws its blobs from one key).
 */
import seedrandom from 'seedrandom';
import { dataset, type Dataset } from '../../src/models/data.js';
import { InputError } from '../../src/stats/errors.js';

/** Options of {@link simulateGaussian}. */
export interface GaussianSimulationOptions {
  /** Mean per dimension [d]. */
  readonly mean: readonly number[];
  /** Standard deviation per dimension [d]; default 1. */
  readonly std?: readonly number[];
  /** Number of events. */
  readonly n: number;
  readonly seed: number | string;
}

/**
 * Simulates `n` events [n, d] of a Gaussian with diagonal covariance; the same options give the
 * same bytes.
 *
 * @throws InputError naming the option when `n` is not a positive integer, the mean is empty or
 *   not finite, or a width is not positive.
 * @example
 * ```ts
 * const sig = simulateGaussian({ mean: [-1, 1], n: 10_000, seed: 0 }); // a unit blob at (-1, 1)
 * ```
 */
export function simulateGaussian(options: GaussianSimulationOptions): Dataset {
  const { mean, n } = options;
  const d = mean.length;
  const std = options.std ?? new Array<number>(d).fill(1);
  const where = (key: string) => `simulateGaussian options.${key}`;
  if (!Number.isInteger(n) || n < 1) throw new InputError('argument', where('n'), `must be a positive integer, got ${n}`);
  if (d === 0) throw new InputError('argument', where('mean'), 'is empty');
  mean.forEach((m, j) => {
    if (!Number.isFinite(m)) throw new InputError('argument', where(`mean[${j}]`), `must be finite, got ${m}`);
  });
  if (std.length !== d) throw new InputError('argument', where('std'), `has ${std.length} entries, the mean has ${d}`);
  std.forEach((s, j) => {
    if (!(s > 0) || !Number.isFinite(s)) throw new InputError('argument', where(`std[${j}]`), `must be positive and finite, got ${s}`);
  });
  const rng = seedrandom(`gaussian/${String(options.seed)}`);
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j += 2) {
      const radius = Math.sqrt(-2 * Math.log(1 - rng()));
      const angle = 2 * Math.PI * rng();
      x[i * d + j] = mean[j] + std[j] * radius * Math.cos(angle);
      if (j + 1 < d) x[i * d + j + 1] = mean[j + 1] + std[j + 1] * radius * Math.sin(angle);
    }
  }
  return dataset(x, d, undefined, 'simulateGaussian');
}
