/**
 * CLs upper limits on the POI: by root finding (pyhf's `toms748_scan`) and by a scan with
 * linear interpolation (pyhf's `linear_grid_scan`), observed and the expected band.
 */
import { InputError, NumericalError } from '../errors.js';
import { findRoot } from '../math/roots.js';
import type { HistFactoryModel, ModelData } from '../model/model.js';
import { AsymptoticCalculator, type HypotestResult } from './asymptotics.js';
import type { TestStatistic, TestStatisticOptions } from './test-statistics.js';

export interface UpperLimitOptions extends TestStatisticOptions {
  readonly testStat?: TestStatistic;
  /** CLs level; default 0.05 (95% CL). */
  readonly level?: number;
  /** Search interval; default the POI's bounds. */
  readonly bracket?: readonly [number, number];
  /** Relative tolerance of the root (default 1e-6). */
  readonly rtol?: number;
}

/** Observed limit and the expected band (-2..+2 sigma). */
export interface UpperLimitResult {
  readonly obs: number;
  readonly exp: readonly number[];
  /** Every hypothesis test computed on the way, sorted by POI value. */
  readonly tests: readonly HypotestResult[];
}

/**
 * Upper limits by root finding of `CLs(mu) = level`, separately for the observed CLs and
 * each expected-band member.
 *
 * @example
 * ```ts
 * const { obs, exp } = upperLimit(model, data);
 * ```
 */
export function upperLimit(model: HistFactoryModel, data: ModelData, options: UpperLimitOptions = {}): UpperLimitResult {
  const level = options.level ?? 0.05;
  const calc = new AsymptoticCalculator(model, data, options);
  const sb = model.suggestedBounds();
  const [lo, hi] = options.bracket ?? [sb.lower[model.poiIndex], sb.upper[model.poiIndex]];
  if (!(hi > lo)) throw new InputError('argument', 'limit bracket', `[${lo}, ${hi}] is empty`);
  const cache = new Map<number, HypotestResult>();
  const at = (mu: number): HypotestResult => {
    let r = cache.get(mu);
    if (!r) {
      r = calc.hypotest(mu);
      cache.set(mu, r);
    }
    return r;
  };
  const pick = (r: HypotestResult, which: number): number => (which < 0 ? r.clsObs : r.clsExp[which]);
  const solve = (which: number): number => {
    const f = (mu: number) => pick(at(mu), which) - level;
    const flo = f(lo);
    const fhi = f(hi);
    const label = which < 0 ? 'observed' : `expected (${[-2, -1, 0, 1, 2][which]} sigma)`;
    if (flo * fhi > 0) {
      throw new NumericalError(
        `${label} CLs does not cross ${level} between ${model.poiName} = ${lo} (CLs ${(flo + level).toPrecision(4)}) and ${hi} (CLs ${(fhi + level).toPrecision(4)}); widen the POI bounds`,
      );
    }
    return findRoot(f, lo, hi, { rtol: options.rtol ?? 1e-6, xtol: 1e-10 }).root;
  };
  const obs = solve(-1);
  const exp = [0, 1, 2, 3, 4].map((i) => solve(i));
  return { obs, exp, tests: [...cache.values()].sort((a, b) => a.poiTest - b.poiTest) };
}

/**
 * Upper limits from a scan: CLs at each point, the level crossing found by linear
 * interpolation between neighbouring points.
 */
export function upperLimitScan(
  model: HistFactoryModel,
  data: ModelData,
  scan: readonly number[],
  options: UpperLimitOptions = {},
): UpperLimitResult {
  if (scan.length < 2) throw new InputError('argument', '--scan', 'needs at least 2 points');
  const level = options.level ?? 0.05;
  const calc = new AsymptoticCalculator(model, data, options);
  const tests = [...scan].sort((a, b) => a - b).map((mu) => calc.hypotest(mu));
  const cross = (values: number[], label: string): number => {
    for (let i = 0; i + 1 < values.length; i++) {
      const a = values[i] - level;
      const b = values[i + 1] - level;
      if (a === 0) return tests[i].poiTest;
      if (a > 0 && b <= 0) {
        const x0 = tests[i].poiTest;
        const x1 = tests[i + 1].poiTest;
        return x0 + ((x1 - x0) * a) / (a - b);
      }
    }
    throw new NumericalError(`${label} CLs does not cross ${level} in the scan [${tests[0].poiTest}, ${tests[tests.length - 1].poiTest}]; widen the scan`);
  };
  const obs = cross(tests.map((t) => t.clsObs), 'observed');
  const exp = [0, 1, 2, 3, 4].map((i) => cross(tests.map((t) => t.clsExp[i]), `expected (${[-2, -1, 0, 1, 2][i]} sigma)`));
  return { obs, exp, tests };
}
