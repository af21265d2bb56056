/**
 * Objectives from asymptotic hypothesis tests on Asimov data, differentiated by the envelope
 * theorem (each test statistic is a difference of two minima of 2NLL, so its gradient with
 * respect to the counts is the difference of the 2NLL gradients at the two minimisers; no
 * derivative of the fitted parameters is needed):
 *
 * - {@link expectedCls}: neos's objective. Data: background-only Asimov (POI 0, nuisances
 *   nominal). The observed statistic equals the Asimov one, so the shifted statistic is 0 and
 *   `CLs = Phi(-sqrt(qA)) / Phi(0) = 2 Phi(-sqrt(qA))`; `dCLs/dqA = -phi(sqrt(qA)) / sqrt(qA)`.
 *   Equal to `diffinfer cls` (observed CLs) on the exported background-only workspace.
 * - {@link discoverySignificance}: `Z0 = sqrt(q0)` on signal-plus-background Asimov data (POI 1)
 *   with profiled nuisances; `dZ0/dq0 = 1 / (2 Z0)`.
 *
 * Where the statistic is clipped to 0 (the POI estimate on the other side), the value is flat
 * and the gradient is 0. Both fits are multi-starts (see `fit`): the free fit to Asimov data
 * from their own parameters reaches the saturated bound at once, the fixed fit also starts
 * from the free optimum; the gradients are taken at the minima kept.
 */
import { InputError } from '../errors.js';
import { clsFromShifted } from '../inference/asymptotics.js';
import { testStatistic, type TestStatisticResult } from '../inference/test-statistics.js';
import type { TemplateModel } from '../templates/template-model.js';
import { addProfiledGradient, type ObjectiveResult } from './common.js';

export interface ExpectedClsOptions {
  /** The tested POI value; default 1. */
  readonly testPoi?: number;
  /** Default 'qtilde' (needs the POI bounded below by 0). */
  readonly testStat?: 'qtilde' | 'q';
}

export interface HypothesisObjectiveResult extends ObjectiveResult {
  /** The test statistic on the Asimov data (qA or q0). */
  readonly statistic: number;
  readonly fits: Pick<TestStatisticResult, 'fixedFit' | 'freeFit'>;
}

/**
 * Expected CLs at `testPoi` for background-only Asimov data, with its gradient.
 *
 * @example
 * ```ts
 * const { value, gradient } = expectedCls(tm, counts, { testPoi: 1 });
 * ```
 */
export function expectedCls(tm: TemplateModel, counts: ArrayLike<number>, options: ExpectedClsOptions = {}): HypothesisObjectiveResult {
  const mu = options.testPoi ?? 1;
  if (!Number.isFinite(mu)) throw new InputError('argument', 'testPoi', `must be finite, got ${mu}`);
  const compiled = tm.compile(counts);
  const kind = options.testStat ?? 'qtilde';
  const lower = compiled.model.suggestedBounds().lower[compiled.model.poiIndex];
  if (kind === 'qtilde' && lower !== 0) {
    throw new InputError('argument', 'template spec poi.bounds', `expectedCls with qtilde needs the POI "${tm.poiName}" bounded below by 0, its lower bound is ${lower}`);
  }
  const asimovPars = compiled.nominalParameters(0);
  const data = compiled.asimovData(0);
  const ts = testStatistic(kind, mu, compiled.model, data, { init: asimovPars });
  const qA = ts.value;
  const sqrtQA = Math.sqrt(qA);
  const value = clsFromShifted(0, sqrtQA).cls;
  const gradient = new Float64Array(tm.size);
  if (qA > 0) {
    const dClsDq = -Math.exp(-0.5 * qA) / Math.sqrt(2 * Math.PI) / sqrtQA;
    addProfiledGradient(tm, compiled, ts.fixedFit.parameters, data, asimovPars, dClsDq, gradient);
    addProfiledGradient(tm, compiled, ts.freeFit.parameters, data, asimovPars, -dClsDq, gradient);
  }
  return { value, gradient, statistic: qA, fits: ts };
}

/**
 * Discovery significance `Z0 = sqrt(q0)` on signal-plus-background Asimov data (POI
 * `asimovPoi`, default 1), with its gradient.
 *
 * @example
 * ```ts
 * const { value } = discoverySignificance(tm, counts); // Z0
 * ```
 */
export function discoverySignificance(tm: TemplateModel, counts: ArrayLike<number>, options: { readonly asimovPoi?: number } = {}): HypothesisObjectiveResult {
  const compiled = tm.compile(counts);
  const asimovPars = compiled.nominalParameters(options.asimovPoi ?? 1);
  const data = compiled.asimovData(options.asimovPoi ?? 1);
  const ts = testStatistic('q0', 0, compiled.model, data, { init: asimovPars });
  const q0 = ts.value;
  const z0 = Math.sqrt(q0);
  const gradient = new Float64Array(tm.size);
  if (q0 > 0) {
    const scale = 1 / (2 * z0);
    addProfiledGradient(tm, compiled, ts.fixedFit.parameters, data, asimovPars, scale, gradient);
    addProfiledGradient(tm, compiled, ts.freeFit.parameters, data, asimovPars, -scale, gradient);
  }
  return { value: z0, gradient, statistic: q0, fits: ts };
}
