/**
 * INFERNO's five inference benchmarks on the 3D synthetic problem (de Castro & Dorigo,
 * arXiv:1806.04743, section 4) as analyses, and the paper's Table 2 for reference.
 *
 * | benchmark | s | r | lambda | b |
 * |---|---|---|---|---|
 * | 0 | free | fixed at 2.0 | fixed at 3.0 | fixed at 1000 |
 * | 1 | free | free | fixed at 3.0 | fixed at 1000 |
 * | 2 | free | free | free | fixed at 1000 |
 * | 3 | free | N(2.0, 0.4) | N(3.0, 1.0) | fixed at 1000 |
 * | 4 | free | N(2.0, 0.4) | N(3.0, 1.0) | N(1000, 100) |
 *
 * The template model: the POI `mu` scales the signal template (`s = 50 mu`, so
 * `sigma_s = 50 sigma_mu`); the background carries the shape nuisances `r` and `lambda` as
 * histosys with templates at `r = 2.2 / 1.8` (x0 of the nominal events shifted by +-0.2, as
 * `shiftR`) and `lambda = 3.5 / 2.5` (x2 scaled by 3 / 3.5 and 3 / 2.5, as `rescaleLambda`), in the units
 * `alpha_r = (r - 2) / 0.2` and `alpha_lambda = (lambda - 3) / 0.5` — so `r ~ N(2.0, 0.4)` is
 * `alpha_r ~ N(0, 2)` and `lambda ~ N(3.0, 1.0)` is `alpha_lambda ~ N(0, 2)` (the steps 0.2 and
 * 0.5 are the authors' `template_model.py`); benchmark 4 adds a normalisation `b` (in units of
 * 1000 events) constrained by `N(1, 0.1)`. Interpolation between the templates is pyhf's
 * code4p; at the nominal point its slope `(up - down) / 2` equals the authors'
 * quadratic-inside/linear-outside rule, so Cramér-Rao widths are the same.
 */
import type { AnalysisConfigInput } from '../../src/models/config/schema.js';
import type { MethodName } from '../../src/models/methods.js';
import { InputError } from '../../src/stats/errors.js';
import type { TemplateNuisance, SingleChannelTemplateSpec as TemplateSpec } from '../../src/stats/templates/spec.js';
import { INFERNO_NOMINAL } from '../simulators/inferno.js';

/** The benchmark numbers of the paper. */
export type InfernoBenchmark = 0 | 1 | 2 | 3 | 4;

/** All benchmarks, in order. */
export const INFERNO_BENCHMARKS: readonly InfernoBenchmark[] = [0, 1, 2, 3, 4];

/** How a nuisance is treated in a benchmark, in its physical units. */
export type InfernoTreatment = 'fixed' | 'free' | { readonly mean: number; readonly sigma: number };

/** The treatment of r, lambda and b per benchmark (section 4 of the paper). */
export const INFERNO_BENCHMARK_NUISANCES: Readonly<Record<InfernoBenchmark, { readonly r: InfernoTreatment; readonly lambda: InfernoTreatment; readonly b: InfernoTreatment }>> = {
  0: { r: 'fixed', lambda: 'fixed', b: 'fixed' },
  1: { r: 'free', lambda: 'fixed', b: 'fixed' },
  2: { r: 'free', lambda: 'free', b: 'fixed' },
  3: { r: { mean: 2.0, sigma: 0.4 }, lambda: { mean: 3.0, sigma: 1.0 }, b: 'fixed' },
  4: { r: { mean: 2.0, sigma: 0.4 }, lambda: { mean: 3.0, sigma: 1.0 }, b: { mean: 1000, sigma: 100 } },
};

/** The template steps: the up/down templates sit at nominal +- step (alpha = +-1). */
export const INFERNO_TEMPLATE_STEPS = { r: 0.2, lambda: 0.5 } as const;

/** Bounds of the shape nuisances in alpha units (r in [0, 4], lambda in [-2, 8]). */
export const INFERNO_ALPHA_BOUNDS: readonly [number, number] = [-10, 10];

/** Bounds of the POI mu (s in [0, 500]). */
export const INFERNO_POI_BOUNDS: readonly [number, number] = [0, 10];

/** The dataset names an INFERNO analysis reads. */
export const INFERNO_DATASETS = { signal: 'signal', background: 'background' } as const;

function checkBenchmark(benchmark: number, where: string): asserts benchmark is InfernoBenchmark {
  if (!INFERNO_BENCHMARKS.includes(benchmark as InfernoBenchmark)) throw new InputError('argument', where, `must be one of 0, 1, 2, 3, 4, got ${benchmark}`);
}

function shapeNuisance(name: 'r' | 'lambda', t: InfernoTreatment): TemplateNuisance {
  const step = INFERNO_TEMPLATE_STEPS[name];
  const nominal = INFERNO_NOMINAL[name];
  if (t === 'fixed') return { name, kind: 'shape', constraint: { kind: 'free' }, bounds: INFERNO_ALPHA_BOUNDS, init: 0, fixed: true };
  if (t === 'free') return { name, kind: 'shape', constraint: { kind: 'free' }, bounds: INFERNO_ALPHA_BOUNDS, init: 0 };
  return { name, kind: 'shape', constraint: { kind: 'normal', mean: (t.mean - nominal) / step, sigma: t.sigma / step }, bounds: INFERNO_ALPHA_BOUNDS, init: 0 };
}

/**
 * The template model of a benchmark with `bins` bins: samples `signal` (scaled by `mu`) and
 * `background`; benchmark 0 has no nuisances, benchmarks 1-4 carry the shape nuisances `r` and
 * `lambda` (`fixed: true` where the benchmark fixes them), benchmark 4 the normalisation `b`.
 *
 * @example
 * ```ts
 * infernoTemplateSpec(3, 10).nuisances; // r and lambda, each constrained by N(0, 2)
 * ```
 */
export function infernoTemplateSpec(benchmark: InfernoBenchmark, bins: number): TemplateSpec {
  checkBenchmark(benchmark, 'infernoTemplateSpec benchmark');
  if (!Number.isInteger(bins) || bins < 1) throw new InputError('argument', 'infernoTemplateSpec bins', `must be a positive integer, got ${bins}`);
  const t = INFERNO_BENCHMARK_NUISANCES[benchmark];
  const nuisances: TemplateNuisance[] = [];
  if (benchmark > 0) nuisances.push(shapeNuisance('r', t.r), shapeNuisance('lambda', t.lambda));
  if (t.b !== 'fixed') {
    const b = INFERNO_NOMINAL.b;
    nuisances.push(
      t.b === 'free'
        ? { name: 'b', kind: 'normalisation', constraint: { kind: 'free' } }
        : { name: 'b', kind: 'normalisation', constraint: { kind: 'normal', mean: t.b.mean / b, sigma: t.b.sigma / b } },
    );
  }
  return {
    bins,
    poi: { name: 'mu', bounds: INFERNO_POI_BOUNDS, init: 1 },
    samples: [
      { name: 'signal', signal: true },
      {
        name: 'background',
        ...(benchmark > 0 ? { shapes: ['r', 'lambda'] } : {}),
        ...(t.b !== 'fixed' ? { normalisations: ['b'] } : {}),
      },
    ],
    nuisances,
  };
}

/** The run options an INFERNO config is made of (see {@link INFERNO_DEFAULTS}). */
export interface InfernoConfigOptions {
  readonly bins: number;
  readonly temperature: number;
  readonly hidden: readonly number[];
  readonly trainEvents: number;
  readonly validationEvents: number;
  readonly testEvents: number;
  /** Events per step over both processes (the paper: 2000). */
  readonly batch: number;
  readonly learningRate: number;
  readonly epochs: number;
  readonly patience?: number;
  readonly variationFraction: number;
}

/** Run defaults that follow the paper (arXiv:1806.04743, section 4); the CLI's and the web page's. */
export const INFERNO_DEFAULTS: Omit<InfernoConfigOptions, 'testEvents'> = {
  epochs: 200,
  trainEvents: 100_000,
  validationEvents: 25_000,
  batch: 2000,
  bins: 10,
  temperature: 0.1,
  learningRate: 1e-3,
  hidden: [100, 100],
  variationFraction: 0.25,
};

/** Steps per epoch of an INFERNO run: every training event of both processes once, in batches. */
export function infernoStepsPerEpoch(o: Pick<InfernoConfigOptions, 'trainEvents' | 'batch'>): number {
  return Math.max(1, Math.round((2 * o.trainEvents) / o.batch));
}

type ModifierInput = NonNullable<NonNullable<AnalysisConfigInput['channels'][number]['samples']>[number]['modifiers']>[number];
type ParameterInput = NonNullable<AnalysisConfigInput['measurement']['parameters']>[number];

function parameterOf(name: 'r' | 'lambda', t: InfernoTreatment): ParameterInput {
  const n = shapeNuisance(name, t);
  const c = n.constraint!;
  return {
    name,
    constraint: c.kind === 'free' ? 'free' : { mean: c.mean, sigma: c.sigma },
    bounds: [n.bounds![0], n.bounds![1]],
    init: 0,
    ...(n.fixed ? { fixed: true } : {}),
  };
}

/**
 * A benchmark as an analysis config (src/models/config): samples `signal` (scaled by `mu`,
 * expected 50) and `background` (expected 1000) from the `inferno` simulator (seeds
 * `train-<seed>`, `valid-<seed>` and `inferno-test`), the shape nuisances `r` (a shift of x0 by
 * +-0.2) and `lambda` (x2 scaled by 3 / 3.5 and 3 / 2.5, i.e. lambda = 3.5 and 2.5) as
 * transform histosys with the benchmark's constraints, benchmark 4's normalisation `b` as a
 * constrained normfactor, and the training options of `options`. The same template model as
 * {@link infernoTemplateSpec}.
 *
 * @throws InputError naming the argument for an unknown benchmark or a bad bin count.
 * @example
 * ```ts
 * const compiled = await compileAnalysis(infernoConfig(2, 'inferno', 0, { ...INFERNO_DEFAULTS, testEvents: 1e6 }), { simulators: BUILTIN_SIMULATORS });
 * ```
 */
export function infernoConfig(benchmark: InfernoBenchmark, method: MethodName, seed: number, options: InfernoConfigOptions): AnalysisConfigInput {
  checkBenchmark(benchmark, 'infernoConfig benchmark');
  const bins = options.bins;
  if (!Number.isInteger(bins) || bins < 2) throw new InputError('argument', 'infernoConfig bins', `must be an integer >= 2, got ${bins}`);
  const t = INFERNO_BENCHMARK_NUISANCES[benchmark];
  const { r: stepR, lambda: stepL } = INFERNO_TEMPLATE_STEPS;
  const lambda = INFERNO_NOMINAL.lambda;
  const steps = infernoStepsPerEpoch(options);
  const modifiers: ModifierInput[] = [];
  if (benchmark > 0) {
    modifiers.push(
      { name: 'r', type: 'histosys', transform: { kind: 'shift', columns: ['x0'], up: stepR, down: -stepR } },
      { name: 'lambda', type: 'histosys', transform: { kind: 'scale', columns: ['x2'], up: lambda / (lambda + stepL), down: lambda / (lambda - stepL) } },
    );
  }
  if (t.b !== 'fixed') modifiers.push({ type: 'normfactor', name: 'b' });
  const parameters: ParameterInput[] = [{ name: 'mu', bounds: [INFERNO_POI_BOUNDS[0], INFERNO_POI_BOUNDS[1]], init: 1 }];
  if (benchmark > 0) parameters.push(parameterOf('r', t.r), parameterOf('lambda', t.lambda));
  if (t.b !== 'fixed') {
    const b = INFERNO_NOMINAL.b;
    parameters.push({ name: 'b', constraint: t.b === 'free' ? 'free' : { mean: t.b.mean / b, sigma: t.b.sigma / b } });
  }
  return {
    name: `inferno-b${benchmark}`,
    simulation: {
      train: { events: options.trainEvents, seed: `train-${seed}` },
      validation: { events: options.validationEvents, seed: `valid-${seed}` },
      test: { events: options.testEvents, seed: 'inferno-test' },
    },
    summary: { features: ['x0', 'x1', 'x2'], hidden: [...options.hidden], bins, temperature: options.temperature, bandwidth: 0.5, seed: 1000 + seed },
    channels: [
      {
        name: 'SR',
        samples: [
          { name: INFERNO_DATASETS.signal, simulate: { simulator: 'inferno', process: 'signal' }, expected: INFERNO_NOMINAL.s, modifiers: [{ type: 'normfactor', name: 'mu' }] },
          {
            name: INFERNO_DATASETS.background,
            simulate: { simulator: 'inferno', process: 'background' },
            expected: INFERNO_NOMINAL.b,
            modifiers,
          },
        ],
      },
    ],
    measurement: { poi: 'mu', parameters },
    training: {
      method,
      steps: options.epochs * steps,
      batch: Math.max(1, Math.floor(options.batch / 2)),
      learningRate: options.learningRate,
      seed,
      validationEvery: steps,
      ...(options.patience !== undefined ? { patience: options.patience } : {}),
      checkpointEvery: steps * 10,
      variationFraction: options.variationFraction,
    },
  };
}

/**
 * A stored INFERNO config (an {@link infernoConfig} as a bundle keeps it) with the nuisances of
 * another benchmark: its channels, measurement and name replaced, its summary, simulation and
 * training kept (the same network evaluated with other nuisances, as the paper's Table 2 does).
 *
 * @throws InputError naming `where` when the config is no INFERNO config.
 * @example
 * ```ts
 * const b4 = infernoBenchmarkConfig(readBundle(dir).config, 4, 'benchmark');
 * ```
 */
export function infernoBenchmarkConfig(config: Record<string, unknown>, benchmark: InfernoBenchmark, where: string): Record<string, unknown> {
  checkBenchmark(benchmark, where);
  if (typeof config.name !== 'string' || !/^inferno-b[0-4]$/.test(config.name)) throw new InputError('argument', where, `applies to INFERNO analyses; this one is ${JSON.stringify(config.name)}`);
  const training = (config.training ?? {}) as { method?: MethodName };
  const fresh = infernoConfig(benchmark, training.method ?? 'inferno', 0, { bins: 2, temperature: 0.1, hidden: [1], trainEvents: 1, validationEvents: 1, testEvents: 1, batch: 2, learningRate: 1e-3, epochs: 1, variationFraction: 1 });
  return { ...config, name: fresh.name, channels: fresh.channels, measurement: fresh.measurement };
}

/** A Table 2 entry: the median over 100 trainings and the distances to its 84% and 36% quantiles. */
export interface PaperWidth {
  readonly median: number;
  readonly plus: number;
  readonly minus: number;
}

const w = (median: number, plus: number, minus: number): PaperWidth => ({ median, plus, minus });

/**
 * Table 2 of arXiv:1806.04743: the expected uncertainty on `s` (Cramér-Rao widths from the Fisher
 * matrix of the Asimov template likelihood, as `code/benchmarking.py` computes them) per
 * benchmark 0-4, copied from `paper/table.tex` of github.com/pablodecm/paper-inferno (the
 * authors' repository; the same numbers appear as the "Paper" rows of the results figure of
 * github.com/GilesStrong/pytorch_inferno). The errors of the trained rows are the distances
 * from the median to the 84% and the 36% quantiles over 100 random initialisations (the
 * authors' `notebooks/results.ipynb` takes the 0.36 quantile). NN classifier: 10 uniform bins of
 * the signal probability of a cross-entropy-trained network; INFERNO k: trained on benchmark k,
 * 10 softmax outputs assigned by argmax; optimal classifier: 10 uniform bins of
 * `f_s / (f_s + f_b)` at the nominal point; analytical likelihood: the unbinned extended
 * likelihood (the floor). Evaluated on the authors' 1e5-event validation sample per process.
 */
export const INFERNO_TABLE2 = {
  source: 'arXiv:1806.04743 Table 2 (paper/table.tex, github.com/pablodecm/paper-inferno)',
  nnClassifier: [w(14.99, 0.02, 0.0), w(18.94, 0.11, 0.05), w(23.94, 0.52, 0.17), w(21.54, 0.27, 0.05), w(26.71, 0.56, 0.11)],
  /** `inferno[k][j]`: INFERNO trained on benchmark k, evaluated on benchmark j. */
  inferno: [
    [w(15.51, 0.09, 0.02), w(18.34, 5.17, 0.51), w(23.24, 6.54, 1.22), w(21.38, 3.15, 0.69), w(26.38, 7.63, 1.36)],
    [w(15.8, 0.14, 0.04), w(16.79, 0.17, 0.05), w(21.41, 2.0, 0.53), w(20.29, 1.2, 0.39), w(24.26, 2.35, 0.71)],
    [w(15.71, 0.15, 0.04), w(16.87, 0.19, 0.06), w(16.95, 0.18, 0.04), w(16.88, 0.17, 0.03), w(18.67, 0.25, 0.05)],
    [w(15.7, 0.21, 0.04), w(16.91, 0.2, 0.05), w(16.97, 0.21, 0.04), w(16.89, 0.18, 0.03), w(18.69, 0.27, 0.04)],
    [w(15.71, 0.32, 0.06), w(16.89, 0.3, 0.07), w(16.95, 0.38, 0.05), w(16.88, 0.4, 0.05), w(18.68, 0.58, 0.07)],
  ],
  optimalClassifier: [14.97, 19.12, 24.93, 22.13, 27.98],
  analyticalLikelihood: [14.71, 15.52, 15.65, 15.62, 16.89],
} as const;

/**
 * The paper's numbers for one benchmark: the NN classifier and the INFERNO model trained on it
 * (medians), the optimal classifier and the analytical-likelihood floor.
 *
 * @example
 * ```ts
 * infernoPaperWidths(2); // { nnClassifier: 23.94, inferno: 16.95, optimalClassifier: 24.93, analyticalLikelihood: 15.65 }
 * ```
 */
export function infernoPaperWidths(benchmark: InfernoBenchmark): { nnClassifier: number; inferno: number; optimalClassifier: number; analyticalLikelihood: number } {
  checkBenchmark(benchmark, 'infernoPaperWidths benchmark');
  return {
    nnClassifier: INFERNO_TABLE2.nnClassifier[benchmark].median,
    inferno: INFERNO_TABLE2.inferno[benchmark][benchmark].median,
    optimalClassifier: INFERNO_TABLE2.optimalClassifier[benchmark],
    analyticalLikelihood: INFERNO_TABLE2.analyticalLikelihood[benchmark],
  };
}

/**
 * The unbinned analytic floors of sigma_s per benchmark (Table 2, "Analytical likelihood"):
 * `[14.71, 15.52, 15.65, 15.62, 16.89]`.
 */
export const INFERNO_ANALYTIC_FLOOR: readonly number[] = INFERNO_TABLE2.analyticalLikelihood;

/**
 * The profile-likelihood widths the paper quotes in its text for benchmark 2 (section 4: mean and
 * spread over 10 trainings, width at Delta NLL = 0.5): INFERNO 16.97 +- 0.11, cross-entropy
 * classifier in 10 uniform bins 24.01 +- 0.36.
 */
export const INFERNO_PAPER_PROFILE_BENCHMARK2 = { inferno: { mean: 16.97, spread: 0.11 }, nnClassifier: { mean: 24.01, spread: 0.36 } } as const;
