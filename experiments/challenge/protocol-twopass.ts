/**
 * The two-pass likelihood of the `parameterized` arm (a summary `f(x; z)` of the standardised
 * shape nuisances z = (tes, jes, softMet), src/models/parameterized.ts) in the challenge
 * protocol's pseudo-experiments:
 *
 * 1. pass 1: the experiment's data filled with `f(.; 0)`, fitted with the bundle's exported
 *    model (templates filled with `f(.; 0)`);
 * 2. the fitted histosys parameters `tes`, `jes`, `softMet` of that model (standardised),
 *    rounded to a 0.5 grid and clipped to [-2, 2]: `z_hat` (z = 0 when pass 1 does not converge);
 * 3. pass 2: the templates refilled from the test split through `f(.; z_hat)` (nominal and every
 *    histosys variation, exported as `diffinfer export` does; one model per grid point, cached
 *    per thread), the experiment's data — the same nuisances and uniforms — through the same
 *    view; the interval (profile) or mu^ (Neyman estimate and belt) from this model and data.
 *
 * The Neyman belt's experiments go through the same two passes, so belt and estimates use one
 * estimator.
 *
 * Node or worker thread.
 */
import { openBundle } from '../../src/models/bundle.js';
import type { Analysis, Binning } from '../../src/models/analysis.js';
import type { Dataset } from '../../src/models/data.js';
import { hardTemplates } from '../../src/models/fill.js';
import type { Summary } from '../../src/models/summary.js';
import { NumericalError } from '../../src/stats/errors.js';
import { runNeymanEstimateBlock, type NeymanEstimateBlockResult } from '../../src/jobs/neyman-estimates.js';
import { beltStream, coverageTrueMu, runBeltBlock, runCoverageBlock, type BeltBlockResult, type CoverageBlockResult, type CoverageFailure, type CoverageRecord, type PseudoExperimentConfig } from '../../src/stats/inference/coverage.js';
import { fit } from '../../src/stats/inference/fit.js';
import type { HistFactoryModel, ModelData } from '../../src/stats/model/model.js';
import { exportedModel } from '../coverage-model.js';
import { BUILTIN_SIMULATORS } from '../simulators/registry.js';
import { challengeCounts, type ChallengePoolSpec } from './protocol-draw.js';

/** The shape nuisances the parameterized summary takes (standardised). */
export const TWO_PASS_NUISANCES = ['tes', 'jes', 'softMet'] as const;

/** A summary with fixed-z views (the part of `ParameterizedSummary` used here). */
export interface ParameterizedView extends Summary {
  at(z: Readonly<Record<string, number>>): Summary;
}

/**
 * The grid point of pass 2: each fitted value rounded to the nearest multiple of 0.5, clipped
 * to [-2, 2] (non-finite: 0).
 *
 * @example
 * ```ts
 * twoPassGridPoint([0.3, -0.8, 3.1]); // [0.5, -1, 2]
 * ```
 */
export function twoPassGridPoint(values: readonly number[]): number[] {
  return values.map((v) => (Number.isFinite(v) ? Math.min(2, Math.max(-2, Math.round(2 * v) / 2)) : 0) + 0);
}

interface GridModel {
  readonly view: Summary;
  readonly model: HistFactoryModel;
  readonly binMap: number[];
}

const tests = new Map<string, Promise<{ analysis: Analysis; test: Readonly<Record<string, Dataset>> }>>();
// per summary (a released summary takes its views and models with it)
const grids = new WeakMap<Summary, Map<string, Promise<GridModel>>>();

function testSplit(bundle: string) {
  let p = tests.get(bundle);
  if (!p) {
    p = openBundle(bundle, { splits: ['test'], simulators: BUILTIN_SIMULATORS }).then((opened) => {
      opened.summary.dispose();
      return { analysis: opened.compiled.analysis, test: opened.compiled.datasets.test! };
    });
    tests.set(bundle, p);
    while (tests.size > 2) tests.delete(tests.keys().next().value!);
  }
  return p;
}

/** The exported model of the templates filled with `f(.; z)` and its bin merges (cached per thread). */
async function gridModel(bundle: string, summary: ParameterizedView, z: readonly number[]): Promise<GridModel> {
  let byPoint = grids.get(summary);
  if (!byPoint) {
    byPoint = new Map();
    grids.set(summary, byPoint);
  }
  const key = z.join(',');
  let p = byPoint.get(key);
  if (!p) {
    p = testSplit(bundle).then(({ analysis, test }) => {
      const view = summary.at(Object.fromEntries(TWO_PASS_NUISANCES.map((n, i) => [n, z[i]])));
      const { model, binMap } = exportedModel(analysis, hardTemplates(view, analysis, test));
      return { view, model, binMap };
    });
    byPoint.set(key, p);
  }
  return p;
}

/** One unit of a parameterized arm's coverage run (the shapes of the one-pass units). */
export interface TwoPassUnitArgs {
  readonly bundle: string;
  readonly pool: ChallengePoolSpec;
  readonly binning: Binning;
  readonly bins: number;
  readonly pseudo: PseudoExperimentConfig;
  readonly level: number;
  readonly unit: { readonly kind: 'belt' | 'coverage' | 'estimates'; readonly mu?: number; readonly start: number; readonly count: number };
}

/**
 * Runs a coverage, estimate or belt unit with the two-pass fit (module comment); returns what
 * `runCoverageBlock`, `runNeymanEstimateBlock` or `runBeltBlock` returns for the unit.
 *
 * @example
 * ```ts
 * const block = await runTwoPassUnit(args, parameterizedSummary) as CoverageBlockResult;
 * ```
 */
export async function runTwoPassUnit(args: TwoPassUnitArgs, summary: ParameterizedView): Promise<CoverageBlockResult | NeymanEstimateBlockResult | BeltBlockResult> {
  const { unit, pseudo: config } = args;
  const zero = await gridModel(args.bundle, summary, [0, 0, 0]);
  const shape = TWO_PASS_NUISANCES.map((n) => zero.model.parameterIndex(n));
  if (shape.some((i) => i < 0)) throw new NumericalError(`two-pass fit: the exported model lacks one of ${TWO_PASS_NUISANCES.join(', ')}`);
  const dataOf = (g: GridModel, stream: string, index: number, mu: number): ModelData => ({
    main: challengeCounts({ pool: args.pool, binning: args.binning, bins: args.bins, binMap: g.binMap, seed: config.seed }, g.view, g.model.nMainBins, stream, index, mu),
    aux: Float64Array.from(g.model.auxdata),
  });
  const passTwo = async (stream: string, index: number, mu: number) => {
    const first = fit(zero.model, dataOf(zero, stream, index, mu), { uncertainties: false });
    const z = first.converged ? twoPassGridPoint(shape.map((i) => first.parameters[i])) : [0, 0, 0];
    const g = await gridModel(args.bundle, summary, z);
    return { model: g.model, data: dataOf(g, stream, index, mu) };
  };
  if (unit.kind === 'belt') {
    const estimates = new Float64Array(unit.count);
    const failures: CoverageFailure[] = [];
    for (let j = 0; j < unit.count; j++) {
      const p = await passTwo(beltStream(unit.mu!), unit.start + j, unit.mu!);
      const r = runBeltBlock(p.model, { config, mu: unit.mu!, start: unit.start + j, count: 1, draw: () => p.data });
      estimates[j] = r.estimates[0];
      failures.push(...r.failures);
    }
    return { mu: unit.mu!, start: unit.start, estimates, failures };
  }
  const failures: CoverageFailure[] = [];
  const records: CoverageRecord[] = [];
  const estimates: NeymanEstimateBlockResult['estimates'][number][] = [];
  for (let j = 0; j < unit.count; j++) {
    const index = unit.start + j;
    const p = await passTwo('coverage', index, coverageTrueMu(config, index));
    if (unit.kind === 'estimates') {
      const r = runNeymanEstimateBlock(p.model, { config, start: index, count: 1, draw: () => p.data });
      estimates.push(...r.estimates);
      failures.push(...r.failures);
    } else {
      const r = runCoverageBlock(p.model, { config, start: index, count: 1, method: 'profile', level: args.level, draw: () => p.data });
      records.push(...r.records);
      failures.push(...r.failures);
    }
  }
  return unit.kind === 'estimates' ? { start: unit.start, count: unit.count, estimates, failures } : { start: unit.start, count: unit.count, records, failures };
}
