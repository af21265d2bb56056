/**
 * Pseudo-experiments ("toys") of a HistFactory model: exact Poisson, normal and gamma variates
 * from a seeded uniform source, and data sets drawn the way pyhf's `model.make_pdf(pars).sample()`
 * draws them:
 *
 * - main data: `n_b ~ Poisson(lambda_b(pars))` in every main bin;
 * - auxiliary data, per constraint term in aux-data order: `a ~ N(theta, sigma)` for a normal
 *   constraint (normsys, histosys, lumi, staterror), `a ~ Poisson(theta * tau)` for a Poisson one
 *   (shapesys).
 *
 * Seeding: toy `i` of a stream draws from its own generator,
 * `seedrandom("diffinfer-toy:<seed>:<stream>:<i>")` (ARC4, the package's default), so a toy
 * depends only on (seed, stream identity, i) — never on the order toys are computed in, on how
 * they are split into blocks, on the number of workers or shards. The same Node/V8 version gives
 * the same bytes on any machine (V8's `Math.log`/`exp`/`cos` are fdlibm ports).
 *
 * Browser-safe: no `node:` imports.
 */
import seedrandom from 'seedrandom';
import { InputError, NumericalError } from '../errors.js';
import { logGamma } from '../math/special.js';
import type { HistFactoryModel, ModelData } from '../model/model.js';

/** A source of uniform variates in [0, 1). */
export type UniformSource = () => number;

/**
 * Checks that `seed` is a non-negative safe integer (the seeds diffinfer accepts); InputError
 * naming `where` otherwise.
 *
 * @example
 * ```ts
 * checkSeed(7); // ok
 * checkSeed(-1); // InputError "seed: must be a non-negative integer, got -1"
 * ```
 */
export function checkSeed(seed: number, where = 'seed'): void {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new InputError('argument', where, `must be a non-negative integer, got ${seed}`);
}

/**
 * The uniform source of toy `index` of stream `stream` under `seed`.
 *
 * @example
 * ```ts
 * const u = toyUniforms(7, 'background', 0);
 * u(); // the same number on every run, machine and worker
 * ```
 */
export function toyUniforms(seed: number, stream: string, index: number): UniformSource {
  checkSeed(seed);
  if (!Number.isSafeInteger(index) || index < 0) throw new InputError('argument', 'toy index', `must be a non-negative integer, got ${index}`);
  return seedrandom(`diffinfer-toy:${seed}:${stream}:${index}`);
}

/** lambda below which {@link poissonVariate} inverts the CDF; PTRS above. */
export const POISSON_INVERSION_LIMIT = 10;

/**
 * An exact Poisson(lambda) variate.
 *
 * - `lambda < 10`: inversion by sequential search, `k = min{k : U <= F(k)}` with
 *   `F(k) = sum_{j<=k} e^{-lambda} lambda^j / j!` (one uniform; at most ~40 steps here);
 * - `lambda >= 10`: Hörmann's transformed rejection with squeeze, PTRS ("The transformed
 *   rejection method for generating Poisson random variables", Insurance: Mathematics and
 *   Economics 12 (1993) 39), the method of numpy's `random.poisson` for large lambda: with
 *   `b = 0.931 + 2.53 sqrt(lambda)`, `a = -0.059 + 0.02483 b`, a candidate
 *   `k = floor((2a/us + b) U + lambda + 0.43)` from `U ~ U(-1/2, 1/2)`, `us = 1/2 - |U|`, is
 *   accepted at once when `us >= 0.07` and `V <= 0.9277 - 3.6224/(b - 2)`, else when
 *   `log(V alpha / (a/us^2 + b)) <= -lambda + k log(lambda) - log(k!)` (`1/alpha = 1.1239 +
 *   1.1328/(b - 3.4)`); about 1.1-1.2 candidate pairs per variate.
 *
 * @throws NumericalError when lambda is negative or not finite.
 * @example
 * ```ts
 * poissonVariate(3.5, toyUniforms(0, 'demo', 0)); // a count with mean 3.5
 * ```
 */
export function poissonVariate(lambda: number, uniform: UniformSource): number {
  if (!(lambda >= 0) || lambda === Infinity) throw new NumericalError(`Poisson variate: the rate must be finite and non-negative, got ${lambda}`);
  if (lambda === 0) return 0;
  if (lambda < POISSON_INVERSION_LIMIT) {
    const u = uniform();
    let p = Math.exp(-lambda);
    let cdf = p;
    let k = 0;
    while (u > cdf) {
      k++;
      p *= lambda / k;
      cdf += p;
      // the rounded CDF can stop short of u within ~1e-16 of 1: the tail left is below 1e-17
      if (k > lambda && p <= 1e-17 * cdf) break;
    }
    return k;
  }
  const slam = Math.sqrt(lambda);
  const logLam = Math.log(lambda);
  const b = 0.931 + 2.53 * slam;
  const a = -0.059 + 0.02483 * b;
  const invAlpha = 1.1239 + 1.1328 / (b - 3.4);
  const vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const U = uniform() - 0.5;
    const V = uniform();
    const us = 0.5 - Math.abs(U);
    const k = Math.floor(((2 * a) / us + b) * U + lambda + 0.43);
    if (us >= 0.07 && V <= vr) return k;
    if (k < 0 || (us < 0.013 && V > us)) continue;
    if (Math.log(V) + Math.log(invAlpha) - Math.log(a / (us * us) + b) <= -lambda + k * logLam - logGamma(k + 1)) return k;
  }
}

/**
 * A standard normal variate by the Box–Muller transform, `sqrt(-2 log(1 - U1)) cos(2 pi U2)`
 * (two uniforms; the sine partner is not used, so every variate costs the same draws).
 *
 * @example
 * ```ts
 * normalVariate(toyUniforms(0, 'demo', 0)); // ~ N(0, 1)
 * ```
 */
export function normalVariate(uniform: UniformSource): number {
  const u1 = 1 - uniform(); // (0, 1]
  const u2 = uniform();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/**
 * A Gamma(shape, 1) variate (Marsaglia and Tsang, ACM TOMS 26 (2000) 363): for shape >= 1,
 * `d = shape - 1/3`, `c = 1/sqrt(9d)`, `v = (1 + c z)^3` from a normal z, accepted when
 * `log U < z^2/2 + d - d v + d log v`, value `d v`; for shape < 1 the shape + 1 variate times
 * `U^(1/shape)`. Divide by the rate for Gamma(shape, rate).
 *
 * @example
 * ```ts
 * gammaVariate(4, toyUniforms(0, 'demo', 0)); // mean 4, variance 4
 * ```
 */
export function gammaVariate(shape: number, uniform: UniformSource): number {
  if (!(shape > 0) || shape === Infinity) throw new NumericalError(`Gamma variate: the shape must be positive and finite, got ${shape}`);
  if (shape < 1) return gammaVariate(shape + 1, uniform) * Math.pow(1 - uniform(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const z = normalVariate(uniform);
    const t = 1 + c * z;
    if (t <= 0) continue;
    const v = t * t * t;
    const u = 1 - uniform();
    if (Math.log(u) < 0.5 * z * z + d - d * v + d * Math.log(v)) return d * v;
  }
}

/**
 * Main data drawn from the model at `pars`: `n_b ~ Poisson(lambda_b(pars))`.
 *
 * @example
 * ```ts
 * const main = sampleMainData(model, model.suggestedInit(), toyUniforms(0, 'demo', 0));
 * ```
 *
 * @throws NumericalError naming the bin when an expected rate is negative or not finite.
 */
export function sampleMainData(model: HistFactoryModel, pars: ArrayLike<number>, uniform: UniformSource): Float64Array {
  const lambda = model.expectedActualData(pars);
  const out = new Float64Array(lambda.length);
  for (let b = 0; b < lambda.length; b++) {
    if (!(lambda[b] >= 0) || lambda[b] === Infinity) throw new NumericalError(`toy data: main bin ${b} has expected rate ${lambda[b]} at the generating parameters`);
    out[b] = poissonVariate(lambda[b], uniform);
  }
  return out;
}

/**
 * Auxiliary data drawn from the constraint terms at `pars`, as pyhf samples them:
 * `a ~ N(theta, sigma)` (normal) or `a ~ Poisson(theta tau)` (Poisson), in aux-data order.
 *
 * @example
 * ```ts
 * const aux = sampleAuxData(model, model.suggestedInit(), toyUniforms(0, 'demo', 0));
 * ```
 */
export function sampleAuxData(model: HistFactoryModel, pars: ArrayLike<number>, uniform: UniformSource): Float64Array {
  const terms = model.constraintTerms();
  const out = new Float64Array(terms.length);
  for (let i = 0; i < terms.length; i++) {
    const t = terms[i];
    const theta = pars[t.parameter];
    out[i] = t.kind === 'normal' ? theta + t.width * normalVariate(uniform) : poissonVariate(theta * t.width, uniform);
  }
  return out;
}

/**
 * One pseudo-experiment at `pars` (pyhf's `model.make_pdf(pars).sample()`): main data first,
 * then auxiliary data, from the same uniform source.
 *
 * @example
 * ```ts
 * const toy = sampleToyData(model, fit.parameters, toyUniforms(1, 'background', 17));
 * toy.main; toy.aux; // a ModelData for fit() and the test statistics
 * ```
 */
export function sampleToyData(model: HistFactoryModel, pars: ArrayLike<number>, uniform: UniformSource): ModelData {
  const main = sampleMainData(model, pars, uniform);
  const aux = sampleAuxData(model, pars, uniform);
  return { main, aux };
}

/** Options of {@link samplePriorParameters}. */
export interface PriorSamplingOptions {
  /** Parameters held at `truth` (by index), e.g. those the user fixed; the POI is never drawn. */
  readonly keep?: ReadonlySet<number>;
  /** The auxiliary data the priors are centred on (default the model's nominal auxdata). */
  readonly aux?: ArrayLike<number>;
}

/**
 * True parameter values with every free, constrained nuisance parameter drawn from its prior —
 * the constraint term read as a distribution of theta given the auxiliary measurement `a`:
 *
 * - normal: `theta ~ N(a, sigma)`;
 * - Poisson (shapesys, `Pois(a | theta tau)`): `theta ~ Gamma(shape a, rate tau)`, mean `a/tau`
 *   (1 at the nominal `a = tau`) and variance `a/tau^2` (the relative uncertainty squared);
 *
 * redrawn until inside the parameter's bounds (at most 1000 times, then NumericalError).
 * The POI, unconstrained parameters (normfactor, shapefactor), fixed parameters and those in
 * `keep` stay at `truth`. This is how the HiggsML Uncertainty Challenge draws its
 * pseudo-experiments: the nuisances vary, the auxiliary measurement does not.
 *
 * @example
 * ```ts
 * const truth = samplePriorParameters(model, model.suggestedInit(), toyUniforms(3, 'truth', 0));
 * ```
 */
export function samplePriorParameters(
  model: HistFactoryModel,
  truth: ArrayLike<number>,
  uniform: UniformSource,
  options: PriorSamplingOptions = {},
): Float64Array {
  const out = Float64Array.from(truth);
  if (out.length !== model.nPars) throw new InputError('argument', 'true parameters', `has ${out.length} values, the model has ${model.nPars}`);
  const aux = options.aux ?? model.auxdata;
  const fixed = model.suggestedFixed();
  const { lower, upper } = model.suggestedBounds();
  const terms = model.constraintTerms();
  for (let i = 0; i < terms.length; i++) {
    const t = terms[i];
    const p = t.parameter;
    if (p === model.poiIndex || fixed[p] || options.keep?.has(p)) continue;
    const a = aux[i];
    let value = NaN;
    for (let attempt = 0; attempt < 1000; attempt++) {
      const v = t.kind === 'normal' ? a + t.width * normalVariate(uniform) : a > 0 ? gammaVariate(a, uniform) / t.width : a / t.width;
      if (v >= lower[p] && v <= upper[p]) {
        value = v;
        break;
      }
    }
    if (Number.isNaN(value)) {
      throw new NumericalError(`prior of "${model.parameterNames[p]}" puts (almost) no mass inside its bounds [${lower[p]}, ${upper[p]}]`);
    }
    out[p] = value;
  }
  return out;
}
