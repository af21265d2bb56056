/**
 * The differentiable objectives, as a contract over every implementation:
 * - gradient with respect to the counts equals float64 central differences (5-point stencil,
 *   step 1e-4 relative) at random template models, tolerance 1e-6 relative to
 *   max(|numeric|, 1e-3 x the largest component) — the objectives re-run their fits at every
 *   shifted point, and the fits converge to ~1e-13 in 2NLL;
 * - permuting the bins of every template permutes the gradient and keeps the value (1e-10);
 * - each value equals what src/stats computes for the exported workspace without gradients:
 *   expected CLs = observed CLs of `hypotest` / `diffinfer cls` on the background-only Asimov
 *   workspace to 1e-8; Z0 = sqrt(q0); the Cramér-Rao width = the fit's uncertainty on Asimov
 *   data (1e-7 relative); t = 1 at the profile-width interval ends (1e-8);
 * - the Fisher width equals the profile width in the Gaussian limit (counts x 1e6: 1e-8);
 * - the implicit gradient of fitted parameters equals central differences of re-fitting (1e-5
 *   relative to max(|numeric|, 1e-3 x the largest component, 1e-6): each shifted point is a new
 *   fit, converged to ~1e-10 in its parameters, which bounds what differences can resolve).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkGradient } from '../../../src/autodiff/testing/check-gradient.js';
import { fit, fixedPoiFit, hypotest } from '../../../src/stats/inference/index.js';
import { buildModel, observedData } from '../../../src/stats/model/index.js';
import {
  covariance,
  covarianceVjp,
  cramerRaoWidth,
  fisherInformation,
  fisherInformationVjp,
  discoverySignificance,
  expectedCls,
  profiledParameters,
  profileWidth,
  type ObjectiveResult,
} from '../../../src/stats/objectives/index.js';
import { TemplateModel, type SingleChannelTemplateSpec as TemplateSpec } from '../../../src/stats/templates/index.js';
import { templateCaseArb, type TemplateCase } from '../../../src/stats/testing/index.js';
import { parseWorkspace } from '../../../src/stats/workspace/index.js';
import { runCli } from '../../helpers/cli.js';

interface ObjectiveContract {
  readonly name: string;
  readonly run: (tm: TemplateModel, counts: ArrayLike<number>) => ObjectiveResult;
  /** Cases the objective is defined on (profile width: interval inside the POI bounds). */
  readonly defined?: (tm: TemplateModel, counts: Float64Array) => boolean;
}

const OBJECTIVES: readonly ObjectiveContract[] = [
  { name: 'cramerRaoWidth', run: (tm, c) => cramerRaoWidth(tm, c) },
  { name: 'profileWidth', run: (tm, c) => profileWidth(tm, c), defined: (tm, c) => cramerRaoWidth(tm, c).value < 0.5 },
  { name: 'expectedCls', run: (tm, c) => expectedCls(tm, c) },
  { name: 'discoverySignificance', run: (tm, c) => discoverySignificance(tm, c) },
];

/** Exports with observations and re-reads through JSON and the workspace validator. */
function roundTrip(tm: TemplateModel, counts: Float64Array, asimovPoi: number) {
  const ws = parseWorkspace(JSON.parse(JSON.stringify(tm.exportWorkspace(counts, { asimovPoi }).workspace)));
  const model = buildModel(ws);
  return { ws, model, data: observedData(ws, model) };
}

function permuteBins(tm: TemplateModel, counts: Float64Array, perm: readonly number[]): Float64Array {
  const out = new Float64Array(counts.length);
  for (const e of tm.layout) for (let b = 0; b < e.bins; b++) out[e.offset + b] = counts[e.offset + perm[b]];
  return out;
}

describe.each(OBJECTIVES)('$name', (obj) => {
  it('gradient equals central differences at random template models', () => {
    fc.assert(
      fc.property(templateCaseArb(), ({ spec, counts }: TemplateCase) => {
        const tm = new TemplateModel(spec);
        fc.pre(obj.defined?.(tm, counts) ?? true);
        const r = checkGradient({
          f: (c) => obj.run(tm, c).value,
          gradient: (c) => obj.run(tm, c).gradient,
          points: [counts],
          step: 1e-4,
          stencil: 5,
          tolerance: 1e-6,
          floor: (g) => 1e-3 * Math.max(1e-12, ...Array.from(g, Math.abs)),
        });
        expect(r.worst.error, JSON.stringify(r.worst)).toBeLessThan(1e-6);
      }),
      { numRuns: 8, seed: 21 },
    );
  });

  it('is invariant under a permutation of the bins', () => {
    fc.assert(
      fc.property(
        templateCaseArb().chain((tc) => fc.tuple(fc.constant(tc), fc.shuffledSubarray([...Array(tc.spec.bins).keys()], { minLength: tc.spec.bins, maxLength: tc.spec.bins }))),
        ([{ spec, counts }, perm]) => {
          const tm = new TemplateModel(spec);
          fc.pre(obj.defined?.(tm, counts) ?? true);
          const a = obj.run(tm, counts);
          const b = obj.run(tm, permuteBins(tm, counts, perm));
          expect(Math.abs(b.value - a.value)).toBeLessThanOrEqual(1e-10 * Math.max(1e-12, Math.abs(a.value)));
          const scale = Math.max(...Array.from(a.gradient, Math.abs));
          const ga = permuteBins(tm, a.gradient, perm);
          ga.forEach((g, i) => expect(Math.abs(b.gradient[i] - g)).toBeLessThanOrEqual(1e-8 * scale));
        },
      ),
      { numRuns: 6, seed: 22 },
    );
  });

  it('rejects non-finite counts by name', () => {
    const { spec, counts } = fc.sample(templateCaseArb(), { numRuns: 1, seed: 5 })[0];
    const bad = Float64Array.from(counts);
    bad[0] = NaN;
    expect(() => obj.run(new TemplateModel(spec), bad)).toThrow(/counts of sample "signal" nominal bin 0: must be finite and non-negative, got NaN/);
  });
});

describe('objective values equal src/stats on the exported workspace', () => {
  const cases = fc.sample(templateCaseArb({ freeNuisances: false }), { numRuns: 8, seed: 31 });

  it('expectedCls = observed CLs of hypotest on the background-only Asimov workspace (1e-8)', () => {
    for (const { spec, counts } of cases) {
      const tm = new TemplateModel(spec);
      const { model, data } = roundTrip(tm, counts, 0);
      const cls = expectedCls(tm, counts).value;
      expect(Math.abs(cls - hypotest(1, model, data).clsObs)).toBeLessThan(1e-8);
      expect(Math.abs(expectedCls(tm, counts, { testPoi: 2.5 }).value - hypotest(2.5, model, data).clsObs)).toBeLessThan(1e-8);
    }
  });

  it('expectedCls = `diffinfer cls` (CLs_obs) on the exported workspace file (1e-8)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'diffinfer-cls-'));
    for (const { spec, counts } of cases.slice(0, 3)) {
      const tm = new TemplateModel(spec);
      const file = join(dir, 'ws.json');
      writeFileSync(file, JSON.stringify(tm.exportWorkspace(counts).workspace));
      const run = await runCli(['cls', file]);
      expect(run.code).toBe(0);
      expect(Math.abs(JSON.parse(run.stdout).CLs_obs - expectedCls(tm, counts).value)).toBeLessThan(1e-8);
    }
  });

  it('discoverySignificance = sqrt(q0) on the signal-plus-background Asimov workspace', () => {
    for (const { spec, counts } of cases) {
      const tm = new TemplateModel(spec);
      const { model, data } = roundTrip(tm, counts, 1);
      const q0 = hypotest(0, model, data, { testStat: 'q0' }).teststatObs;
      expect(discoverySignificance(tm, counts).value).toBeCloseTo(Math.sqrt(q0), 8);
    }
  });

  it('cramerRaoWidth = the uncertainty of a fit to the Asimov workspace (1e-7 relative)', () => {
    for (const { spec, counts } of cases) {
      const tm = new TemplateModel(spec);
      const { model, data } = roundTrip(tm, counts, 1);
      const sigma = fit(model, data).uncertainties![model.poiIndex];
      expect(Math.abs(cramerRaoWidth(tm, counts).value / sigma - 1)).toBeLessThan(1e-7);
    }
  });

  it('profileWidth: t = 1 at both interval ends, on the exported workspace (1e-8)', () => {
    let checked = 0;
    for (const { spec, counts } of cases) {
      const tm = new TemplateModel(spec);
      if (cramerRaoWidth(tm, counts).value > 0.5) continue;
      const { model, data } = roundTrip(tm, counts, 1);
      const pw = profileWidth(tm, counts);
      const min = fit(model, data).twiceNll;
      for (const mu of [pw.lower, pw.upper]) expect(Math.abs(fixedPoiFit(model, data, mu).twiceNll - min - 1)).toBeLessThan(1e-8);
      expect(pw.value).toBeCloseTo((pw.upper - pw.lower) / 2, 14);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(3);
  });
});

describe('fisherInformation and covariance', () => {
  it('VJPs of the Fisher information and the covariance equal central differences for random cotangents', () => {
    fc.assert(
      fc.property(templateCaseArb(), fc.integer({ min: 1, max: 1000 }), ({ spec, counts }, seed) => {
        const tm = new TemplateModel(spec);
        const fi = fisherInformation(tm, counts);
        const n = fi.compiled.model.nPars;
        const bar = new Float64Array(n * n);
        for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) bar[i * n + j] = bar[j * n + i] = Math.sin(seed + 3.1 * i + 1.7 * j);
        const dot = (m: Float64Array) => m.reduce((s, x, k) => s + x * bar[k], 0);
        const cov = covariance(fi);
        for (const [what, f, g] of [
          ['fisher', (c: Float64Array) => dot(fisherInformation(tm, c).matrix), () => fisherInformationVjp(tm, fi, bar)],
          ['covariance', (c: Float64Array) => dot(covariance(fisherInformation(tm, c))), () => covarianceVjp(tm, fi, cov, bar)],
        ] as const) {
          const r = checkGradient({ f, gradient: g, points: [counts], step: 1e-4, stencil: 5, tolerance: 1e-6, floor: (x) => 1e-3 * Math.max(1e-12, ...Array.from(x, Math.abs)) });
          expect(r.worst.error, `${what}: ${JSON.stringify(r.worst)}`).toBeLessThan(1e-6);
        }
      }),
      { numRuns: 15, seed: 51 },
    );
  });

  it('the covariance is the inverse of the Fisher information on the free parameters, and the POI entry is sigma_mu squared', () => {
    const { spec, counts } = fc.sample(templateCaseArb(), { numRuns: 1, seed: 52 })[0];
    const tm = new TemplateModel(spec);
    const fi = fisherInformation(tm, counts);
    const n = fi.compiled.model.nPars;
    const cov = covariance(fi);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        if (!fi.free[i] || !fi.free[j]) continue;
        let s = 0;
        for (let k = 0; k < n; k++) s += fi.matrix[i * n + k] * cov[k * n + j];
        expect(s).toBeCloseTo(i === j ? 1 : 0, 10);
      }
    }
    const poi = fi.compiled.model.poiIndex;
    expect(cramerRaoWidth(tm, counts).value ** 2).toBeCloseTo(cov[poi * n + poi], 14);
  });
});

describe('Fisher and profile widths', () => {
  const spec: TemplateSpec = {
    bins: 3,
    poi: { bounds: [-10, 10] },
    samples: [{ name: 's', signal: true }, { name: 'b', shapes: ['a'] }],
    nuisances: [{ name: 'a', kind: 'shape' }],
  };
  const base = [10, 20, 5, 100, 80, 60, 110, 78, 60, 90, 82, 60];

  it('agree in the Gaussian limit (counts x 1e6: 1e-8 relative) and differ for small counts', () => {
    const tm = new TemplateModel(spec);
    const big = base.map((x) => x * 1e6);
    expect(Math.abs(profileWidth(tm, big).value / cramerRaoWidth(tm, big).value - 1)).toBeLessThan(1e-8);
    const small = base.map((x) => x / 10);
    expect(Math.abs(profileWidth(tm, small).value / cramerRaoWidth(tm, small).value - 1)).toBeGreaterThan(1e-4);
  });
});

describe('profileWidth with an interval that reaches a POI bound', () => {
  // a weak signal (4 events over 165): sigma_mu ~ 3, so on Asimov data at mu = 1 the 68%
  // interval would reach below 0; with the POI bounded at 0 its lower end is the bound
  const spec = (lower: number): TemplateSpec => ({
    bins: 3,
    poi: { bounds: [lower, 10] },
    samples: [{ name: 's', signal: true }, { name: 'b', shapes: ['a'] }],
    nuisances: [{ name: 'a', kind: 'shape' }],
  });
  const counts = Float64Array.from([1, 2, 1, 50, 60, 55, 53, 61, 54, 47, 59, 56]);

  it('ends at the bound where t stays below 1, reports it, and its gradient comes from the other end only', () => {
    const tm = new TemplateModel(spec(0));
    const pw = profileWidth(tm, counts);
    expect(pw.atBound).toEqual({ lower: true, upper: false });
    expect(pw.lower).toBe(0);
    expect(pw.value).toBe(pw.upper / 2);
    const { model, data } = roundTrip(tm, counts, 1);
    const min = fit(model, data).twiceNll;
    expect(fixedPoiFit(model, data, 0).twiceNll - min).toBeLessThan(1);
    expect(Math.abs(fixedPoiFit(model, data, pw.upper).twiceNll - min - 1)).toBeLessThan(1e-8);
    // the bound does not move with the counts: the gradient is that of upper / 2 (1e-6, as the
    // contract above)
    const r = checkGradient({
      f: (c) => profileWidth(tm, c).value,
      gradient: () => pw.gradient,
      points: [counts],
      step: 1e-4,
      stencil: 5,
      tolerance: 1e-6,
      floor: (g) => 1e-3 * Math.max(1e-12, ...Array.from(g, Math.abs)),
    });
    expect(r.worst.error, JSON.stringify(r.worst)).toBeLessThan(1e-6);
  });

  it('with the bound moved to -10 the same counts give a crossing below 0 (t = 1, 1e-8)', () => {
    const tm = new TemplateModel(spec(-10));
    const pw = profileWidth(tm, counts);
    expect(pw.atBound).toEqual({ lower: false, upper: false });
    expect(pw.lower).toBeLessThan(0);
    const { model, data } = roundTrip(tm, counts, 1);
    const min = fit(model, data).twiceNll;
    for (const mu of [pw.lower, pw.upper]) expect(Math.abs(fixedPoiFit(model, data, mu).twiceNll - min - 1)).toBeLessThan(1e-8);
    // the upper end does not depend on where the lower bound is
    expect(Math.abs(pw.upper - profileWidth(new TemplateModel(spec(0)), counts).upper)).toBeLessThan(1e-10);
  });
});

describe('profileWidth near a vanishing likelihood', () => {
  it('treats mu where a signal-only bin loses all rate as t = +inf and still finds the crossing', () => {
    // bin 1 holds signal only: at mu = 0 the Asimov likelihood is zero there
    const tm = new TemplateModel({ bins: 2, poi: { bounds: [0, 10] }, samples: [{ name: 's', signal: true }, { name: 'b' }] });
    const counts = [1, 0.3, 20, 0];
    const pw = profileWidth(tm, counts);
    expect(pw.atBound).toEqual({ lower: false, upper: false });
    const { model, data } = roundTrip(tm, Float64Array.from(counts), 1);
    const min = fit(model, data).twiceNll;
    for (const mu of [pw.lower, pw.upper]) expect(Math.abs(fixedPoiFit(model, data, mu).twiceNll - min - 1)).toBeLessThan(1e-8);
  });
});

describe('profiledParameters', () => {
  it('implicit gradient of fitted parameters equals central differences of re-fitting', () => {
    fc.assert(
      fc.property(templateCaseArb(), fc.double({ min: 0.3, max: 2, noNaN: true }), fc.integer({ min: 1, max: 100 }), ({ spec, counts }, poiValue, seed) => {
        const tm = new TemplateModel(spec);
        const pp = profiledParameters(tm, counts, { poiValue });
        const cot = Array.from(pp.parameters, (_, i) => Math.sin(seed + 1.7 * i));
        const r = checkGradient({
          f: (c) => profiledParameters(tm, c, { poiValue }).parameters.reduce((s, p, i) => s + cot[i] * p, 0),
          gradient: () => pp.vjp(cot),
          points: [counts],
          step: 1e-4,
          stencil: 5,
          tolerance: 1e-5,
          floor: (g) => Math.max(1e-6, 1e-3 * Math.max(...Array.from(g, Math.abs))),
        });
        expect(r.worst.error, JSON.stringify(r.worst)).toBeLessThan(1e-5);
      }),
      { numRuns: 10, seed: 41 },
    );
  });

  it('parameters held at a bound or fixed do not move', () => {
    const tm = new TemplateModel({
      bins: 2,
      samples: [{ name: 's', signal: true }, { name: 'b', shapes: ['a'] }],
      nuisances: [{ name: 'a', kind: 'shape', fixed: true }],
    });
    const pp = profiledParameters(tm, [5, 6, 50, 60, 55, 62, 45, 58]);
    expect(pp.free).toEqual([false, true]);
    const g = pp.vjp([1, 0]);
    expect(Array.from(g).every((x) => x === 0)).toBe(true);
  });
});
