/**
 * The paper's evaluation, checked with the exact optimal classifier
 * `s* = f_s / (f_s + f_b)` at the nominal point (no trainable variables) in 10 equal score bins,
 * on one seeded test sample of 1e5 events per process (seed 'evaluate'), and the unbinned floor.
 *
 * Reference values and tolerances (measured; see the numbers in each test):
 * - the binned optimal classifier's Cramér-Rao width of s per benchmark, large-sample values
 *   from an independent numpy computation on 4e7 events per process:
 *   [14.99, 19.40, 24.79, 22.22, 28.16] (the paper's row, on its 1e5-event sample:
 *   [14.97, 19.12, 24.93, 22.13, 27.98]); over 20 seeds the 1e5-event values scatter with
 *   standard deviations [0.044, 0.22, 0.50, 0.30, 0.64], so each value is asserted within 4 of
 *   them of both;
 * - benchmark 0 on this seed: 14.970, asserted between the analytic floor 14.71 and the paper's
 *   NN classifier 14.99. The upper bound is a property of this sample, not of every seed: the
 *   optimal classifier's large-sample value (14.99) equals the NN classifier's to the paper's
 *   rounding, and 1e5-event samples scatter by 0.044 around it;
 * - exact orderings on the same templates: sigma_0 < sigma_1 < sigma_2, sigma_3 < sigma_2,
 *   sigma_4 > sigma_3 (freeing a parameter widens, a constraint narrows), each above its
 *   benchmark's floor;
 * - profile half-width against the Fisher width: within 3% (measured ratios 0.976-1.002 over
 *   20 seeds);
 * - the profile curve: minimum at s = 50 (Delta NLL < 1e-9, s^ within 1e-6), Delta NLL = 0.5 at
 *   the interval ends within 1e-6, the crossings interpolated on the default 41-point grid within
 *   1% of sigma of the interval ends;
 * - the unbinned floor from 2e5 events per process within 0.06 of the paper's row (3 standard
 *   deviations of its scatter over seeds, 0.02; the paper used 1e5 events); measured
 *   [14.705, 15.510, 15.643, 15.613, 16.898];
 * - argmax of logits that encode the score bins gives the score binning's counts exactly.
 *
 * Bins the template model cannot use are merged by the export's rule (src/models/evaluate.ts),
 * so the widths are those of the exported workspace.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/autodiff/backend.js';
import { dataset, type Dataset } from '../../src/models/data.js';
import type { Summary, SummaryOutput } from '../../src/models/summary.js';
import {
  INFERNO_ANALYTIC_FLOOR,
  INFERNO_BENCHMARKS,
  INFERNO_TABLE2,
  InfernoOptimalClassifier,
  curveCrossings,
  evaluateInferno,
  infernoAnalyticWidths,
  profileCurve,
  type InfernoEvaluation,
} from '../../experiments/inferno/index.js';
import { simulateInferno } from '../../experiments/simulators/index.js';

const EVENTS = 100_000;
const LARGE_SAMPLE = [14.99, 19.4, 24.79, 22.22, 28.16];
const SCATTER = [0.044, 0.22, 0.5, 0.3, 0.64];

let datasets: { signal: Dataset; background: Dataset };
let evaluations: InfernoEvaluation[];

beforeAll(async () => {
  await initBackend({ request: 'wasm', log: () => {} });
  datasets = {
    signal: simulateInferno({ process: 'signal', n: EVENTS, seed: 'evaluate' }),
    background: simulateInferno({ process: 'background', n: EVENTS, seed: 'evaluate' }),
  };
  const clf = new InfernoOptimalClassifier();
  evaluations = await Promise.all(INFERNO_BENCHMARKS.map((b) => evaluateInferno(clf, b, { datasets })));
});
afterAll(() => {
  tf.disposeVariables();
});

/** Ten logits whose argmax is the equal-width score bin of the optimal classifier: z_k = -|s - c_k|. */
class BinLogits implements Summary {
  readonly inputDim = 3;
  readonly output: SummaryOutput = { kind: 'logits', bins: 10 };
  readonly inputNames = ['x0', 'x1', 'x2'];
  private readonly clf = new InfernoOptimalClassifier();
  apply(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => tf.neg(tf.abs(tf.sub(this.clf.apply(x), tf.tensor2d([Array.from({ length: 10 }, (_, k) => (k + 0.5) / 10)])))) as tf.Tensor2D);
  }
  trainableVariables(): tf.Variable[] {
    return [];
  }
  dispose(): void {}
}

describe('evaluateInferno with the optimal classifier', () => {
  it('benchmark 0: between the analytic floor 14.71 and the NN classifier 14.99 (measured 14.970)', () => {
    const { sigmaFisher, sigmaProfile } = evaluations[0];
    expect(sigmaFisher).toBeGreaterThan(INFERNO_ANALYTIC_FLOOR[0]);
    expect(sigmaFisher).toBeLessThan(INFERNO_TABLE2.nnClassifier[0].median);
    expect(sigmaFisher).toBeCloseTo(14.970, 3);
    expect(sigmaProfile).toBeCloseTo(14.969, 3);
  });

  it('every benchmark: the large-sample and the paper optimal-classifier widths within 4 standard deviations of the 1e5-event scatter', () => {
    // measured on this sample: [14.970, 19.073, 24.947, 22.220, 28.173]
    for (const b of INFERNO_BENCHMARKS) {
      const { sigmaFisher } = evaluations[b];
      expect(Math.abs(sigmaFisher - LARGE_SAMPLE[b]), `benchmark ${b}: ${sigmaFisher}`).toBeLessThan(4 * SCATTER[b]);
      expect(Math.abs(sigmaFisher - INFERNO_TABLE2.optimalClassifier[b]), `benchmark ${b}: ${sigmaFisher}`).toBeLessThan(4 * SCATTER[b]);
      expect(sigmaFisher).toBeGreaterThan(INFERNO_ANALYTIC_FLOOR[b]);
    }
  });

  it('orders the benchmarks as their nuisances demand (same templates)', () => {
    const s = evaluations.map((e) => e.sigmaFisher);
    expect(s[1]).toBeGreaterThan(s[0] + 1);
    expect(s[2]).toBeGreaterThan(s[1] + 1);
    expect(s[3]).toBeLessThan(s[2]);
    expect(s[4]).toBeGreaterThan(s[3] + 1);
    // the nominal templates are the same in every benchmark
    const sig = evaluations[0].counts.subarray(0, 20);
    for (const e of evaluations) expect(Array.from(e.counts.subarray(0, 20))).toEqual(Array.from(sig));
  });

  it('the profile-likelihood half-width is close to the Fisher width and its interval brackets s = 50', () => {
    for (const e of evaluations) {
      expect(Math.abs(e.sigmaProfile / e.sigmaFisher - 1), `benchmark ${e.benchmark}`).toBeLessThan(0.03);
      expect(e.interval[0]).toBeLessThan(50);
      expect(e.interval[1]).toBeGreaterThan(50);
      expect((e.interval[1] - e.interval[0]) / 2).toBeCloseTo(e.sigmaProfile, 9);
    }
  });

  it('argmax of logits gives the same counts as the equal score bins', async () => {
    const n = 20_000;
    const small = { signal: dataset(datasets.signal.x.subarray(0, 3 * n), 3), background: dataset(datasets.background.x.subarray(0, 3 * n), 3) };
    const fromLogits = await evaluateInferno(new BinLogits(), 0, { datasets: small });
    const fromScores = await evaluateInferno(new InfernoOptimalClassifier(), 0, { datasets: small });
    let worst = 0;
    fromLogits.counts.forEach((c, i) => (worst = Math.max(worst, Math.abs(c - fromScores.counts[i]))));
    expect(worst).toBe(0);
    expect(fromLogits.analysis.spec.binning.kind).toBe('softmax');
    expect(fromLogits.sigmaFisher).toBe(fromScores.sigmaFisher);
  });

  it('rejects a summary of the wrong input size and a bad benchmark with an InputError', async () => {
    const twoInputs = { ...new InfernoOptimalClassifier(), inputDim: 2 } as unknown as Summary;
    await expect(evaluateInferno(twoInputs, 0, { datasets })).rejects.toThrow(/evaluateInferno summary: takes 2 inputs, the INFERNO problem has 3/);
    await expect(evaluateInferno(new InfernoOptimalClassifier(), 7 as 0, { datasets })).rejects.toThrow(/evaluateInferno benchmark/);
    await expect(evaluateInferno(new InfernoOptimalClassifier(), 0, { events: 0 })).rejects.toThrow(/evaluateInferno options\.events/);
  });
});

describe('profileCurve', () => {
  it('has its minimum at s = 50 and crosses Delta NLL = 0.5 at the profile interval ends (benchmark 2)', () => {
    const ev = evaluations[2];
    const { points, sHat } = profileCurve(ev);
    expect(points).toHaveLength(41);
    expect(Math.abs(sHat - 50)).toBeLessThan(1e-6);
    let m = 0;
    points.forEach((p, k) => (p.deltaNll < points[m].deltaNll ? (m = k) : undefined));
    expect(points[m].s).toBe(50);
    expect(points[m].deltaNll).toBeLessThan(1e-9);
    for (let k = m + 1; k < points.length; k++) expect(points[k].deltaNll).toBeGreaterThan(points[k - 1].deltaNll);
    for (let k = m - 1; k >= 0; k--) expect(points[k].deltaNll).toBeGreaterThan(points[k + 1].deltaNll);
    // the left side stops at the POI bound s = 0 (50 - 3 sigma < 0 here), the right goes to 50 + 3 sigma
    expect(points[0].s).toBe(0);
    expect(points[40].s).toBeCloseTo(50 + 3 * ev.sigmaProfile, 9);
    const [lo, hi] = curveCrossings(points);
    expect(Math.abs(lo - ev.interval[0])).toBeLessThan(0.01 * ev.sigmaProfile);
    expect(Math.abs(hi - ev.interval[1])).toBeLessThan(0.01 * ev.sigmaProfile);
    const ends = profileCurve(ev, { s: [ev.interval[1], 50, ev.interval[0]] }).points;
    expect(ends.map((p) => p.s)).toEqual([ev.interval[0], 50, ev.interval[1]]);
    expect(Math.abs(ends[0].deltaNll - 0.5)).toBeLessThan(1e-6);
    expect(Math.abs(ends[2].deltaNll - 0.5)).toBeLessThan(1e-6);
  });

  it('rejects a grid outside the POI bounds', () => {
    expect(() => profileCurve(evaluations[0], { s: [50, 600] })).toThrow(/profileCurve options\.s\[1\]: 600 is not a finite value inside the POI bounds \[0, 500\]/);
    expect(() => profileCurve(evaluations[0], { s: [] })).toThrow(/profileCurve options\.s: is empty/);
  });
});

describe('infernoAnalyticWidths', () => {
  it("reproduces the paper's analytical-likelihood row from 2e5 events per process (within 0.06)", () => {
    const w = infernoAnalyticWidths({ events: 200_000, seed: 'analytic-test' });
    w.forEach((v, b) => expect(Math.abs(v - INFERNO_ANALYTIC_FLOOR[b]), `benchmark ${b}: ${v}`).toBeLessThan(0.06));
    expect(w[1]).toBeGreaterThan(w[0]);
    expect(w[2]).toBeGreaterThan(w[1]);
    expect(w[3]).toBeLessThan(w[2]);
    expect(w[4]).toBeGreaterThan(w[3]);
  });
});
