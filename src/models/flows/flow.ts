/**
 * The normalizing-flow interface shared by every flow kind, its saved form, the fixed input
 * standardisation and the standard normal base distribution.
 *
 * A flow is an invertible map `x = T(z)` from a standard normal `z ~ N(0, I_d)` to events
 * `x` [N, d], optionally conditioned on a context `c` [N, k]. The density follows from the
 * change of variables:
 *
 * `log p(x | c) = log N(T^-1(x; c); 0, I) + log |det d T^-1(x; c) / dx|`.
 *
 * Every flow here is `T = A o G`: `G` a stack of coupling layers acting on standardised
 * coordinates, `A(u) = m + s * u` the fixed standardisation (mean m, standard deviation s fitted
 * on training data, elementwise). A contributes `-sum_j log s_j` to `log|det dz/dx|`, so
 * `logProb` is the density of `x` in its original units. Optionally A is preceded by a fixed
 * elementwise log on some columns, `x_j -> log(x_j - a_j)` (`Standardisation.logShift`), which
 * adds `-sum_j log(x_j - a_j)` to `log|det dz/dx|`. The context is standardised too
 * (no log-det: it is not transformed, only fed to the conditioners).
 *
 * Direction names follow the generative convention: `forward` is z -> x (sampling),
 * `inverse` is x -> z (density evaluation).
 */
import * as tf from '@tensorflow/tfjs-core';
import seedrandom from 'seedrandom';

/** The flow families implemented. */
export type FlowKind = 'realnvp' | 'spline';

/**
 * Every flow kind, in a fixed order (contract tests loop over it).
 *
 * @example
 * ```ts
 * for (const kind of FLOW_KINDS) createFlow({ kind, dim: 2, layers: 2, hidden: 8, seed: 1 });
 * ```
 */
export const FLOW_KINDS: readonly FlowKind[] = ['realnvp', 'spline'];

/**
 * The fixed affine standardisation of events and context: `u = (x - mean) / std`,
 * `c' = (c - contextMean) / contextStd`. Not trained; saved with the flow.
 */
export interface Standardisation {
  /** [d] */
  readonly mean: readonly number[];
  /** [d], all > 0 */
  readonly std: readonly number[];
  /** [k]; absent: 0 (no shift). */
  readonly contextMean?: readonly number[];
  /** [k], all > 0; absent: 1 (no scaling). */
  readonly contextStd?: readonly number[];
  /**
   * [d]; absent: no log. A column j with a number a_j is mapped to `log(x_j - a_j)` before the
   * affine step (its mean and std then describe the logged column; `log p(x)` gains
   * `-sum_j log(x_j - a_j)`), null leaves it as it is. For long-tailed positive columns (momenta,
   * masses): a Gaussian-based affine flow cannot fit an exponential tail, a log-normal-like one
   * it can. Events must have `x_j > a_j` (elsewhere the density is undefined: NaN).
   */
  readonly logShift?: readonly (number | null)[];
}

/** The architecture shared by the coupling flows. */
export interface CouplingConfig {
  /** Event dimension d >= 1. */
  readonly dim: number;
  /** Context dimension k >= 0 (0: unconditional). */
  readonly contextDim: number;
  /** Number of coupling layers. */
  readonly layers: number;
  /** Width of each conditioner's hidden layers. */
  readonly hidden: number;
  /** Number of hidden layers per conditioner. */
  readonly depth: number;
}

/** RealNVP: affine couplings with log-scale `s = scaleBound * tanh(raw / scaleBound)`. */
export interface RealNvpConfig extends CouplingConfig {
  readonly scaleBound: number;
}

/** Neural spline flow: rational-quadratic couplings on [-bound, bound], identity tails. */
export interface SplineConfig extends CouplingConfig {
  readonly bins: number;
  readonly bound: number;
  readonly minBinWidth: number;
  readonly minBinHeight: number;
  readonly minDerivative: number;
}

/** One weight tensor in a saved flow: row-major float32 values as JSON numbers. */
export interface FlowWeightJSON {
  /** A label for humans, e.g. `coupling[2].dense[1].kernel`; loading checks it. */
  readonly name: string;
  readonly shape: readonly number[];
  readonly values: readonly number[];
}

/** Fields of every saved flow. */
interface FlowJSONBase {
  readonly format: 'diffinfer-flow';
  readonly version: 1;
  /** null: never fitted (identity). */
  readonly standardisation: Standardisation | null;
  readonly weights: readonly FlowWeightJSON[];
}

/**
 * A flow as plain JSON-serialisable data: configuration, standardisation and weights. float32
 * values survive `JSON.stringify`/`JSON.parse` exactly (a JS number prints the shortest decimal
 * that reads back as the same double, and a float32 is a double).
 */
export type FlowJSON = (FlowJSONBase & { readonly kind: 'realnvp'; readonly config: RealNvpConfig }) | (FlowJSONBase & { readonly kind: 'spline'; readonly config: SplineConfig });

/** Options of `Flow.sample`. */
export interface SampleOptions {
  /** Seed of the base draws: the same seed gives the same bytes (on one backend). */
  readonly seed: number;
  /** [n, k] or [1, k] (broadcast to n rows); required when `contextDim > 0`. */
  readonly context?: tf.Tensor2D;
}

/**
 * A normalizing flow with a standard normal base distribution.
 *
 * Shapes: x, z [N, d]; context [N, contextDim]; log-densities and log-determinants [N].
 * Every method returns new tensors owned by the caller and leaves no intermediate tensors.
 *
 * @example
 * ```ts
 * const flow = createRealNvp({ dim: 2, layers: 4, hidden: 32, seed: 1 });
 * trainFlow(flow, data, { epochs: 30, batchSize: 256, learningRate: 5e-3, seed: 2 });
 * const logp = flow.logProb(x);            // [N]
 * const xs = flow.sample(1000, { seed: 3 }); // [1000, 2]
 * ```
 */
export interface Flow {
  readonly kind: FlowKind;
  /** Event dimension d >= 1. */
  readonly dim: number;
  /** Context dimension; 0 = unconditional. */
  readonly contextDim: number;
  /** The fixed input standardisation, or undefined before it is fitted (identity). */
  readonly standardisation: Standardisation | undefined;
  /** Replaces the standardisation (`trainFlow` fits it from the training data). */
  setStandardisation(standardisation: Standardisation): void;
  /** `log p(x | context)` [N] for x [N, d], context [N, contextDim]. */
  logProb(x: tf.Tensor2D, context?: tf.Tensor2D): tf.Tensor1D;
  /** n samples [n, d]: `forward` of seeded standard normal draws. */
  sample(n: number, options: SampleOptions): tf.Tensor2D;
  /** z -> x with `log|det dx/dz|` [N]. */
  forward(z: tf.Tensor2D, context?: tf.Tensor2D): { x: tf.Tensor2D; logDet: tf.Tensor1D };
  /** x -> z with `log|det dz/dx|` [N]. */
  inverse(x: tf.Tensor2D, context?: tf.Tensor2D): { z: tf.Tensor2D; logDet: tf.Tensor1D };
  /** The trained weights (conditioner kernels and biases), in the saved order. */
  trainableVariables(): tf.Variable[];
  /** Configuration, standardisation and weights as plain data (`flowFromJSON` inverts it). */
  toJSON(): FlowJSON;
  /** Releases the weights; the flow cannot be used afterwards. */
  dispose(): void;
}

/**
 * The base density: `log N(z; 0, I_d) = -0.5 sum_j z_j^2 - (d / 2) log(2 pi)` per row, z [N, d] -> [N].
 *
 * @example
 * ```ts
 * standardNormalLogProb(tf.zeros([1, 2])); // [-log(2 pi)] = [-1.8379]
 * ```
 */
export function standardNormalLogProb(z: tf.Tensor2D): tf.Tensor1D {
  const d = z.shape[1];
  return tf.tidy(() => tf.sub(tf.mul(tf.sum(tf.square(z), 1), -0.5), 0.5 * d * Math.log(2 * Math.PI)) as tf.Tensor1D);
}

/**
 * `count` independent standard normal draws from seedrandom (Box–Muller in float64, rounded
 * to float32): the same seed gives the same values on every platform.
 *
 * @example
 * ```ts
 * const z = tf.tensor2d(seededNormal(2 * 100, 7), [100, 2]);
 * ```
 */
export function seededNormal(count: number, seed: number): Float32Array {
  const rng = seedrandom(`diffinfer-normal:${seed}`);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i += 2) {
    const u1 = 1 - rng(); // (0, 1]
    const u2 = rng();
    const r = Math.sqrt(-2 * Math.log(u1));
    out[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < count) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return out;
}

/**
 * Fits the standardisation of events (and context) in float64: column means and standard
 * deviations (divisor N). A constant event column has no density and is an error; a constant
 * context column gets std 1. With `logShift` the moments are those of `log(x_j - a_j)` on the
 * log columns (see {@link Standardisation.logShift}); an event not above its shift is an error.
 *
 * @example
 * ```ts
 * flow.setStandardisation(fitStandardisation(data));
 * ```
 */
export function fitStandardisation(x: tf.Tensor2D, context?: tf.Tensor2D, logShift?: readonly (number | null)[]): Standardisation {
  if (x.rank !== 2 || x.shape[0] < 2) throw new RangeError(`fitStandardisation: x must have shape [N, d] with N >= 2, got [${x.shape}]`);
  if (logShift !== undefined) validateStandardisation({ mean: new Array<number>(x.shape[1]).fill(0), std: new Array<number>(x.shape[1]).fill(1), logShift }, x.shape[1], 0, 'fitStandardisation');
  const moments = (t: tf.Tensor2D, name: string, constantIsError: boolean, shift?: readonly (number | null)[]) => {
    const [n, d] = t.shape;
    const v = Float64Array.from(t.dataSync());
    if (shift) {
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < d; j++) {
          const a = shift[j];
          if (a === null) continue;
          if (!(v[i * d + j] > a)) throw new RangeError(`fitStandardisation: ${name}[${i}, ${j}] = ${v[i * d + j]} is not above its logShift ${a}`);
          v[i * d + j] = Math.log(v[i * d + j] - a);
        }
      }
    }
    const mean = new Array<number>(d).fill(0);
    const m2 = new Array<number>(d).fill(0);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) {
        const value = v[i * d + j];
        if (!Number.isFinite(value)) throw new RangeError(`fitStandardisation: ${name}[${i}, ${j}] is not finite (${value})`);
        mean[j] += value;
      }
    }
    for (let j = 0; j < d; j++) mean[j] /= n;
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) m2[j] += (v[i * d + j] - mean[j]) ** 2;
    const std = m2.map((s, j) => {
      const sd = Math.sqrt(s / n);
      if (sd > 1e-12 * Math.max(1, Math.abs(mean[j]))) return sd;
      if (constantIsError) throw new RangeError(`fitStandardisation: column ${j} of ${name} is constant (${mean[j]}); a flow needs a spread in every dimension`);
      return 1;
    });
    return { mean, std };
  };
  const xs = logShift ? { ...moments(x, 'x', true, logShift), logShift: [...logShift] } : moments(x, 'x', true);
  if (!context) return xs;
  if (context.rank !== 2 || context.shape[0] !== x.shape[0]) throw new RangeError(`fitStandardisation: context must have shape [${x.shape[0]}, k], got [${context.shape}]`);
  const cs = moments(context, 'context', false);
  return { ...xs, contextMean: cs.mean, contextStd: cs.std };
}

/**
 * Checks a standardisation against the dimensions; `where` names the caller in the RangeError.
 *
 * @example
 * ```ts
 * validateStandardisation({ mean: [0], std: [2] }, 1, 0, 'createRealNvp');
 * ```
 */
export function validateStandardisation(s: Standardisation, dim: number, contextDim: number, where: string): void {
  const check = (values: readonly number[] | undefined, length: number, name: string, positive: boolean) => {
    if (values === undefined) return;
    if (!Array.isArray(values) || values.length !== length) throw new RangeError(`${where}: standardisation.${name} must have ${length} entries, got ${Array.isArray(values) ? values.length : typeof values}`);
    values.forEach((v, j) => {
      if (typeof v !== 'number' || !Number.isFinite(v) || (positive && !(v > 0))) {
        throw new RangeError(`${where}: standardisation.${name}[${j}] must be a finite${positive ? ' positive' : ''} number, got ${v}`);
      }
    });
  };
  if (s.mean === undefined || s.std === undefined) throw new RangeError(`${where}: standardisation needs mean and std`);
  check(s.mean, dim, 'mean', false);
  check(s.std, dim, 'std', true);
  check(s.contextMean, contextDim, 'contextMean', false);
  check(s.contextStd, contextDim, 'contextStd', true);
  if (s.logShift !== undefined) {
    if (!Array.isArray(s.logShift) || s.logShift.length !== dim) throw new RangeError(`${where}: standardisation.logShift must have ${dim} entries, got ${Array.isArray(s.logShift) ? s.logShift.length : typeof s.logShift}`);
    s.logShift.forEach((v, j) => {
      if (v !== null && (typeof v !== 'number' || !Number.isFinite(v))) throw new RangeError(`${where}: standardisation.logShift[${j}] must be a finite number or null, got ${v}`);
    });
  }
}

/**
 * Checks `x` is a float32 [N, dim] tensor; `where` is e.g. `realnvp.logProb: x`.
 *
 * @example
 * ```ts
 * checkEvents(x, 2, 'trainFlow: data'); // RangeError "trainFlow: data must have shape [N, 2], got [5,3]"
 * ```
 */
export function checkEvents(x: tf.Tensor, dim: number, where: string): void {
  if (!(x instanceof tf.Tensor)) throw new RangeError(`${where} must be a tf.Tensor2D [N, ${dim}]`);
  if (x.rank !== 2 || x.shape[1] !== dim) throw new RangeError(`${where} must have shape [N, ${dim}], got [${x.shape}]`);
  if (x.dtype !== 'float32') throw new RangeError(`${where} must be float32, got ${x.dtype}`);
}

/**
 * Checks the context against a flow's `contextDim` and `n` rows (`[1, k]` is accepted when
 * `broadcast`); returns it, or undefined for an unconditional flow.
 *
 * @example
 * ```ts
 * const c = checkContext(context, flow.contextDim, x.shape[0], 'realnvp.logProb');
 * ```
 */
export function checkContext(context: tf.Tensor2D | undefined, contextDim: number, n: number, where: string, broadcast = false): tf.Tensor2D | undefined {
  if (contextDim === 0) {
    if (context !== undefined) throw new RangeError(`${where}: the flow is unconditional (contextDim 0) but a context was given`);
    return undefined;
  }
  if (context === undefined) throw new RangeError(`${where}: the flow is conditional (contextDim ${contextDim}); a context [${n}, ${contextDim}] is required`);
  if (!(context instanceof tf.Tensor) || context.rank !== 2 || context.shape[1] !== contextDim || (context.shape[0] !== n && !(broadcast && context.shape[0] === 1))) {
    throw new RangeError(`${where}: context must have shape [${n}, ${contextDim}]${broadcast ? ` or [1, ${contextDim}]` : ''}, got [${context instanceof tf.Tensor ? context.shape : typeof context}]`);
  }
  return context;
}

/**
 * Throws a RangeError unless `value` is an integer >= min; `where` is e.g. `createRealNvp: layers`.
 *
 * @example
 * ```ts
 * const layers = checkInteger(options.layers, 1, 'createRealNvp: layers');
 * ```
 */
export function checkInteger(value: unknown, min: number, where: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw new RangeError(`${where} must be an integer >= ${min}, got ${String(value)}`);
  return value;
}
