/**
 * INFERNO's 3D synthetic problem (de Castro & Dorigo, arXiv:1806.04743, section 4; the signal
 * sits at (0, 0) as in the authors' code `code/synthetic_3D_example.py` of
 * github.com/pablodecm/paper-inferno and every reimplementation — the paper's text says (1, 1)):
 *
 * - signal:     `(x0, x1) ~ N((0, 0), I)`,               `x2 ~ Exp(rate 2)`;
 * - background: `(x0, x1) ~ N((r, 0), diag(5, 9))`,      `x2 ~ Exp(rate lambda)`;
 *
 * nominal `r = 2.0`, `lambda = 3.0`, expected yields `s = 50`, `b = 1000`. The densities are
 *
 * `f_s(x) = exp(-(x0^2 + x1^2)/2) / (2 pi) * 2 exp(-2 x2)`,
 * `f_b(x | r, lambda) = exp(-(x0 - r)^2/10 - x1^2/18) / (2 pi sqrt 45) * lambda exp(-lambda x2)`.
 *
 * Sampling: every event consumes three uniforms of a seeded ARC4 stream (seedrandom) in the same
 * order whatever `r` and `lambda` are — `u1, u2` give a Box-Muller pair `(z0, z1)` and `u3` the
 * standard exponential `e = -ln(1 - u3)` — and the event is `(r + sqrt5 z0, 3 z1, e / lambda)`
 * (background) or `(z0, z1, e / 2)` (signal). So the nuisance transforms applied to nominal
 * events ({@link shiftR}, {@link rescaleLambda}) give the events simulated at the shifted values
 * from the same seed, up to float32 rounding: INFERNO's way of making the nuisances
 * differentiable (the shape of the background follows the parameter sample by sample).
 */
import * as tf from '@tensorflow/tfjs-core';
import seedrandom from 'seedrandom';
import { dataset, type Dataset } from '../../src/models/data.js';
import { InputError } from '../../src/stats/errors.js';

/** The two processes of the INFERNO problem. */
export type InfernoProcess = 'signal' | 'background';

/** Nominal parameters and expected yields of the INFERNO problem. */
export const INFERNO_NOMINAL = { r: 2.0, lambda: 3.0, s: 50, b: 1000 } as const;

/** Signal: mean and variances of (x0, x1), exponential rate of x2. */
export const INFERNO_SIGNAL = { mean: [0, 0], variance: [1, 1], rate: 2 } as const;

/** Background: variances of (x0, x1) (the mean is (r, 0), the rate of x2 is lambda). */
export const INFERNO_BACKGROUND_VARIANCE = [5, 9] as const;

/** Options of {@link simulateInferno}. */
export interface InfernoSimulationOptions {
  readonly process: InfernoProcess;
  /** Number of events. */
  readonly n: number;
  /** Seed of the ARC4 stream; the process is mixed in, so signal and background of one seed are independent. */
  readonly seed: number | string;
  /** Background mean of x0; default 2.0 (background only). */
  readonly r?: number;
  /** Background exponential rate of x2; default 3.0 (background only). */
  readonly lambda?: number;
}

/**
 * Simulates `n` events [n, 3] of one process of the INFERNO problem (see the module comment);
 * the same options give the same bytes.
 *
 * @throws InputError naming the option when `n` is not a positive integer, `lambda` is not
 *   positive, `r` is not finite, or `r`/`lambda` are given for the signal.
 * @example
 * ```ts
 * const bkg = simulateInferno({ process: 'background', n: 1000, seed: 1 });          // r = 2, lambda = 3
 * const up = simulateInferno({ process: 'background', n: 1000, seed: 1, r: 2.2 });   // bkg with x0 + 0.2
 * bkg.dim; // 3
 * ```
 */
export function simulateInferno(options: InfernoSimulationOptions): Dataset {
  const { process, n } = options;
  const where = (key: string) => `simulateInferno options.${key}`;
  if (process !== 'signal' && process !== 'background') throw new InputError('argument', where('process'), `must be "signal" or "background", got ${JSON.stringify(process)}`);
  if (!Number.isInteger(n) || n < 1) throw new InputError('argument', where('n'), `must be a positive integer, got ${n}`);
  if (process === 'signal' && (options.r !== undefined || options.lambda !== undefined)) {
    throw new InputError('argument', where(options.r !== undefined ? 'r' : 'lambda'), 'is a background parameter; the signal is fully specified');
  }
  const r = options.r ?? INFERNO_NOMINAL.r;
  const lambda = options.lambda ?? INFERNO_NOMINAL.lambda;
  if (!Number.isFinite(r)) throw new InputError('argument', where('r'), `must be finite, got ${r}`);
  if (!(lambda > 0) || !Number.isFinite(lambda)) throw new InputError('argument', where('lambda'), `must be positive and finite, got ${lambda}`);
  const signal = process === 'signal';
  const mean0 = signal ? INFERNO_SIGNAL.mean[0] : r;
  const sd0 = Math.sqrt(signal ? INFERNO_SIGNAL.variance[0] : INFERNO_BACKGROUND_VARIANCE[0]);
  const sd1 = Math.sqrt(signal ? INFERNO_SIGNAL.variance[1] : INFERNO_BACKGROUND_VARIANCE[1]);
  const rate = signal ? INFERNO_SIGNAL.rate : lambda;
  const rng = seedrandom(`inferno/${process}/${String(options.seed)}`);
  const x = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    const u1 = 1 - rng(); // (0, 1]
    const u2 = rng();
    const u3 = 1 - rng();
    const radius = Math.sqrt(-2 * Math.log(u1));
    const e = -Math.log(u3); // standard exponential
    x[3 * i] = mean0 + sd0 * radius * Math.cos(2 * Math.PI * u2);
    x[3 * i + 1] = sd1 * radius * Math.sin(2 * Math.PI * u2);
    x[3 * i + 2] = e / rate;
  }
  return dataset(x, 3, undefined, `simulateInferno (${process})`);
}

/**
 * The nuisance `r` as a differentiable transform of background events: `x0 -> x0 + delta`,
 * which maps events of `N((r, 0), diag(5, 9))` to events at `r + delta`. Shapes [N, 3] -> [N, 3].
 *
 * @example
 * ```ts
 * const up = shiftR(0.2);   // nominal r = 2.0 -> 2.2
 * up(tf.tensor2d([[1, 2, 3]])); // [[1.2, 2, 3]]
 * ```
 */
export function shiftR(delta: number): (x: tf.Tensor2D) => tf.Tensor2D {
  if (!Number.isFinite(delta)) throw new InputError('argument', 'shiftR delta', `must be finite, got ${delta}`);
  return (x) => tf.add(x, tf.tensor2d([[delta, 0, 0]])) as tf.Tensor2D;
}

/**
 * The nuisance `lambda` as a differentiable transform of background events:
 * `x2 -> x2 * from / to`, which maps `Exp(rate from)` to `Exp(rate to)` sample by sample
 * (`e / from * from / to = e / to`). Shapes [N, 3] -> [N, 3].
 *
 * @example
 * ```ts
 * const up = rescaleLambda(3, 3.5);   // nominal lambda = 3.0 -> 3.5
 * up(tf.tensor2d([[1, 2, 3.5]]));       // [[1, 2, 3]]
 * ```
 */
export function rescaleLambda(from: number, to: number): (x: tf.Tensor2D) => tf.Tensor2D {
  for (const [name, v] of [['from', from], ['to', to]] as const) {
    if (!(v > 0) || !Number.isFinite(v)) throw new InputError('argument', `rescaleLambda ${name}`, `must be a positive finite rate, got ${v}`);
  }
  return (x) => tf.mul(x, tf.tensor2d([[1, 1, from / to]])) as tf.Tensor2D;
}

/**
 * Log densities of one event in float64: `ln f_s(x)` and `ln f_b(x | r, lambda)` (see the
 * module comment); `-Infinity` for `x2 < 0`.
 *
 * @example
 * ```ts
 * const { signal, background } = infernoLogDensities(0, 0, 0); // ln(2 / (2 pi)), ln(3 / (2 pi sqrt 45)) - 0.4
 * ```
 */
export function infernoLogDensities(x0: number, x1: number, x2: number, r: number = INFERNO_NOMINAL.r, lambda: number = INFERNO_NOMINAL.lambda): { signal: number; background: number } {
  if (x2 < 0) return { signal: -Infinity, background: -Infinity };
  const ln2pi = Math.log(2 * Math.PI);
  const [v0, v1] = INFERNO_BACKGROUND_VARIANCE;
  const signal = -ln2pi - 0.5 * (x0 * x0 + x1 * x1) + Math.log(INFERNO_SIGNAL.rate) - INFERNO_SIGNAL.rate * x2;
  const background = -ln2pi - 0.5 * Math.log(v0 * v1) - ((x0 - r) * (x0 - r)) / (2 * v0) - (x1 * x1) / (2 * v1) + Math.log(lambda) - lambda * x2;
  return { signal, background };
}

/**
 * The log density ratio `ln f_s(x) - ln f_b(x | r, lambda)` of events [N, 3] as a tfjs op
 * (float32) -> [N]:
 * `0.5 ln 45 + ln(2 / lambda) - (x0^2 + x1^2)/2 + (x0 - r)^2/10 + x1^2/18 - (2 - lambda) x2`.
 *
 * @example
 * ```ts
 * const z = infernoLogRatio(tf.tensor2d([[0, 0, 0]])); // [0.5 ln 45 + ln(2/3) - 0.4]
 * ```
 */
export function infernoLogRatio(x: tf.Tensor2D, r: number = INFERNO_NOMINAL.r, lambda: number = INFERNO_NOMINAL.lambda): tf.Tensor1D {
  const [v0, v1] = INFERNO_BACKGROUND_VARIANCE;
  const rate = INFERNO_SIGNAL.rate;
  return tf.tidy(() => {
    const [x0, x1, x2] = tf.split(x, 3, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    const c = 0.5 * Math.log(v0 * v1) + Math.log(rate / lambda);
    const quadS = tf.mul(tf.add(tf.square(x0), tf.square(x1)), -0.5);
    const quadB = tf.add(tf.div(tf.square(tf.sub(x0, r)), 2 * v0), tf.div(tf.square(x1), 2 * v1));
    const z = tf.add(tf.add(quadS, quadB), tf.add(tf.mul(x2, lambda - rate), c));
    return tf.reshape(z, [-1]) as tf.Tensor1D;
  });
}
