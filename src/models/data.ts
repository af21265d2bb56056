/**
 * Event data for training: named datasets of events (row-major float32) with optional per-event
 * weights, and a seeded batch sampler whose state can be saved and restored exactly.
 */
import seedrandom from 'seedrandom';
import { InputError } from '../stats/errors.js';

/**
 * Events [n, dim], row-major, with optional per-event weights [n] (default 1) and named
 * alternative weights [n] (e.g. `"isr:up"`, the event weights of a weight systematic).
 */
export interface Dataset {
  readonly x: Float32Array;
  readonly n: number;
  readonly dim: number;
  readonly weights?: Float32Array;
  readonly weightSets?: Readonly<Record<string, Float32Array>>;
}

/** The name of the nominal weights of a dataset. */
export const NOMINAL_WEIGHTS = 'nominal';

/**
 * The weights `name` of a dataset (`"nominal"`: its weights, or undefined when every event
 * weighs 1).
 *
 * @throws RangeError when the dataset has no such weights (a bug of the caller: analyses check names).
 * @example
 * ```ts
 * weightsOf(d, 'isr:up'); // Float32Array [n]
 * ```
 */
export function weightsOf(d: Dataset, name: string = NOMINAL_WEIGHTS): Float32Array | undefined {
  if (name === NOMINAL_WEIGHTS) return d.weights;
  const w = d.weightSets?.[name];
  if (!w) throw new RangeError(`weightsOf: the dataset has no weights "${name}" (has ${[NOMINAL_WEIGHTS, ...Object.keys(d.weightSets ?? {})].join(', ')})`);
  return w;
}

/** The float64 sum of weights `name` of a dataset (its event count for unit weights). */
export function sumOfWeights(d: Dataset, name: string = NOMINAL_WEIGHTS): number {
  const w = weightsOf(d, name);
  if (!w) return d.n;
  let s = 0;
  for (let i = 0; i < w.length; i++) s += w[i];
  return s;
}

/**
 * Makes a dataset from rows, checking sizes and finiteness.
 *
 * @example
 * ```ts
 * const d = dataset(Float32Array.from([0, 1, 2, 3]), 2); // two events in 2D
 * ```
 */
export function dataset(x: Float32Array, dim: number, weights?: Float32Array, where = 'dataset', weightSets?: Readonly<Record<string, Float32Array>>): Dataset {
  if (!Number.isInteger(dim) || dim < 1) throw new InputError('argument', where, `dim must be a positive integer, got ${dim}`);
  if (x.length === 0 || x.length % dim !== 0) throw new InputError('argument', where, `has ${x.length} values, not a positive multiple of dim ${dim}`);
  const n = x.length / dim;
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i])) throw new InputError('argument', where, `event ${Math.floor(i / dim)} column ${i % dim} is ${x[i]}`);
  }
  if (weights) {
    if (weights.length !== n) throw new InputError('argument', where, `has ${weights.length} weights for ${n} events`);
    for (let i = 0; i < n; i++) if (!Number.isFinite(weights[i])) throw new InputError('argument', where, `weight of event ${i} is ${weights[i]}`);
  }
  for (const [name, w] of Object.entries(weightSets ?? {})) {
    if (w.length !== n) throw new InputError('argument', `${where} weights "${name}"`, `has ${w.length} values for ${n} events`);
    for (let i = 0; i < n; i++) if (!Number.isFinite(w[i])) throw new InputError('argument', `${where} weights "${name}"`, `weight of event ${i} is ${w[i]}`);
  }
  return { x, n, dim, ...(weights ? { weights } : {}), ...(weightSets && Object.keys(weightSets).length > 0 ? { weightSets } : {}) };
}

/** The state of a {@link BatchSampler}, JSON-serializable. */
export type SamplerState = seedrandom.State.Arc4;

/**
 * Draws batches of event indices with replacement from a seeded generator (seedrandom's
 * ARC4); `state()` and `BatchSampler.restore` continue the exact sequence.
 */
export class BatchSampler {
  private readonly rng: seedrandom.StatefulPRNG<seedrandom.State.Arc4>;

  private constructor(rng: seedrandom.StatefulPRNG<seedrandom.State.Arc4>) {
    this.rng = rng;
  }

  /** A sampler seeded with `seed`. */
  static seeded(seed: number | string): BatchSampler {
    return new BatchSampler(seedrandom(String(seed), { state: true }));
  }

  /** A sampler continuing from a saved state. */
  static restore(state: SamplerState): BatchSampler {
    return new BatchSampler(seedrandom('', { state }));
  }

  state(): SamplerState {
    return this.rng.state();
  }

  /** `size` indices in [0, n). */
  indices(n: number, size: number): Int32Array {
    const out = new Int32Array(size);
    for (let i = 0; i < size; i++) out[i] = Math.floor(this.rng() * n);
    return out;
  }
}

/** The rows `idx` of a dataset, row-major [idx.length, dim]. */
export function gatherRows(d: Dataset, idx: ArrayLike<number>): Float32Array {
  const out = new Float32Array(idx.length * d.dim);
  for (let i = 0; i < idx.length; i++) out.set(d.x.subarray(idx[i] * d.dim, (idx[i] + 1) * d.dim), i * d.dim);
  return out;
}
