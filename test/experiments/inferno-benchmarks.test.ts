/**
 * The INFERNO benchmarks as analyses: every benchmark builds a valid Analysis whose compiled
 * model has the paper's free, fixed and constrained parameters (names, bounds, fixed flags,
 * constraint means and widths in alpha units); the variations are the r and lambda transforms;
 * the templates they fill equal templates of events simulated at r = 2.2 / 1.8 and
 * lambda = 3.5 / 2.5; the reference numbers are the paper's.
 *
 * Tolerances: parameter bounds, flags and constraints exact; transformed values to float32
 * rounding (toBeCloseTo 5 digits); hard-histogram templates of transformed nominal events
 * against events simulated at the shifted point (same seed): every bin within 3 events' weight
 * (an event whose score lands within float32 rounding of a bin edge may switch bins); template
 * totals equal the expected 1000 events to 5e-4 (the event weights are float32).
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/autodiff/backend.js';
import { Analysis, hardTemplateCounts, type Binning } from '../../src/models/index.js';
import type { ParameterSet } from '../../src/stats/model/parameters.js';
import {
  INFERNO_ANALYTIC_FLOOR,
  INFERNO_BENCHMARKS,
  INFERNO_TABLE2,
  InfernoOptimalClassifier,
  infernoAnalysis,
  infernoPaperWidths,
  type InfernoBenchmark,
} from '../../experiments/inferno/index.js';
import { simulateInferno } from '../../experiments/simulators/index.js';

beforeAll(async () => {
  await initBackend({ request: 'wasm', log: () => {} });
});
afterAll(() => {
  tf.disposeVariables();
});

const BINS = 10;
const softmax: Binning = { kind: 'softmax', temperature: 0.1 };
const scoreBins: Binning = { kind: 'kde', edges: Array.from({ length: BINS + 1 }, (_, k) => k / BINS), bandwidth: { relative: 0.5 } };

/** The parameter sets of a benchmark's model compiled at arbitrary positive counts, by name. */
function parameterSets(benchmark: InfernoBenchmark): Map<string, ParameterSet> {
  const analysis = new Analysis(infernoAnalysis(benchmark, softmax, BINS));
  const tm = analysis.templateModel;
  const counts = Float64Array.from({ length: tm.size }, (_, i) => 10 + (i % 7));
  return new Map(tm.compile(counts).model.parameterSets.map((p) => [p.name, p]));
}

describe('infernoAnalysis', () => {
  it('builds a valid Analysis for every benchmark and binning, reading the datasets signal and background', () => {
    for (const b of INFERNO_BENCHMARKS) {
      for (const binning of [softmax, scoreBins]) {
        const analysis = new Analysis(infernoAnalysis(b, binning, BINS));
        expect(analysis.datasetNames().sort()).toEqual(['background', 'signal']);
        expect(analysis.spec.samples.signal).toEqual({ dataset: 'signal', expected: 50 });
        expect(analysis.spec.samples.background).toEqual({ dataset: 'background', expected: 1000 });
        const layout = analysis.templateModel.layout.map((e) => `${e.sample}.${e.role}${e.nuisance ? `.${e.nuisance}` : ''}`);
        expect(layout).toEqual(
          b === 0
            ? ['signal.nominal', 'background.nominal']
            : ['signal.nominal', 'background.nominal', 'background.up.r', 'background.down.r', 'background.up.lambda', 'background.down.lambda'],
        );
      }
    }
  });

  it('benchmark 0: only mu, bounds [0, 10]', () => {
    const p = parameterSets(0);
    expect([...p.keys()]).toEqual(['mu']);
    expect(p.get('mu')!.bounds).toEqual([[0, 10]]);
    expect(p.get('mu')!.fixed).toEqual([false]);
    expect(p.get('mu')!.constraint.kind).toBe('none');
  });

  it('benchmark 1: r free in [-10, 10], lambda fixed at its nominal template', () => {
    const p = parameterSets(1);
    expect([...p.keys()].sort()).toEqual(['lambda', 'mu', 'r']);
    expect(p.get('r')!).toMatchObject({ type: 'histosys', bounds: [[-10, 10]], inits: [0], fixed: [false], constraint: { kind: 'none' } });
    expect(p.get('lambda')!).toMatchObject({ type: 'histosys', inits: [0], fixed: [true] });
  });

  it('benchmark 2: r and lambda free in [-10, 10]', () => {
    const p = parameterSets(2);
    expect([...p.keys()].sort()).toEqual(['lambda', 'mu', 'r']);
    for (const n of ['r', 'lambda']) expect(p.get(n)!).toMatchObject({ bounds: [[-10, 10]], fixed: [false], constraint: { kind: 'none' } });
  });

  it('benchmark 3: r ~ N(2.0, 0.4) and lambda ~ N(3.0, 1.0) are alpha ~ N(0, 2)', () => {
    const p = parameterSets(3);
    expect([...p.keys()].sort()).toEqual(['lambda', 'mu', 'r']);
    // the model's parameters are alpha / 2 (templates at the +-1 sigma points alpha = +-2, see
    // src/stats/templates/forms.ts): alpha in [-10, 10] is [-5, 5], N(0, 2) is N(0, 1)
    for (const n of ['r', 'lambda']) {
      expect(p.get(n)!).toMatchObject({ bounds: [[-5, 5]], fixed: [false], constraint: { kind: 'normal', auxdata: [0], sigmas: [1] } });
    }
  });

  it('benchmark 4: as 3, with the background normalisation b ~ N(1, 0.1) (1000 +- 100 events)', () => {
    const p = parameterSets(4);
    expect([...p.keys()].sort()).toEqual(['b', 'lambda', 'mu', 'r']);
    for (const n of ['r', 'lambda']) expect(p.get(n)!).toMatchObject({ bounds: [[-5, 5]], constraint: { kind: 'normal', auxdata: [0], sigmas: [1] } });
    expect(p.get('b')!).toMatchObject({ inits: [1], bounds: [[0, 2]], fixed: [false], constraint: { kind: 'normal', auxdata: [1], sigmas: [0.1] } });
  });

  it('the variations are x0 +- 0.2 and x2 x 3/3.5, x2 x 3/2.5 of the background events', () => {
    const spec = infernoAnalysis(2, softmax, BINS);
    const x = tf.tensor2d([[1, 2, 0.7]]);
    const apply = (key: string, side: 'up' | 'down') => {
      const src = spec.variations![key][side];
      if (src.kind !== 'transform') throw new Error(`${key} ${side} is not a transform`);
      return Array.from(tf.tidy(() => src.apply(x)).dataSync());
    };
    const expected: Array<[string, 'up' | 'down', number[]]> = [
      ['background:r', 'up', [1.2, 2, 0.7]],
      ['background:r', 'down', [0.8, 2, 0.7]],
      ['background:lambda', 'up', [1, 2, (0.7 * 3) / 3.5]],
      ['background:lambda', 'down', [1, 2, (0.7 * 3) / 2.5]],
    ];
    for (const [key, side, want] of expected) apply(key, side).forEach((v, i) => expect(v, `${key} ${side}[${i}]`).toBeCloseTo(want[i], 5));
    x.dispose();
  });

  it('the up/down templates equal templates of events simulated at r = 2.2 / 1.8 and lambda = 3.5 / 2.5', () => {
    const n = 20_000;
    const clf = new InfernoOptimalClassifier();
    const signal = simulateInferno({ process: 'signal', n, seed: 'tmpl' });
    const background = simulateInferno({ process: 'background', n, seed: 'tmpl' });
    const analysis = new Analysis(infernoAnalysis(2, scoreBins, BINS));
    const counts = hardTemplateCounts(clf, analysis, { signal, background });
    const nominalOnly = new Analysis(infernoAnalysis(0, scoreBins, BINS));
    const tm = analysis.templateModel;
    const perEvent = 1000 / n;
    const cases: Array<['up' | 'down', 'r' | 'lambda', { r?: number; lambda?: number }]> = [
      ['up', 'r', { r: 2.2 }],
      ['down', 'r', { r: 1.8 }],
      ['up', 'lambda', { lambda: 3.5 }],
      ['down', 'lambda', { lambda: 2.5 }],
    ];
    for (const [role, nuisance, at] of cases) {
      const shifted = simulateInferno({ process: 'background', n, seed: 'tmpl', ...at });
      const direct = hardTemplateCounts(clf, nominalOnly, { signal, background: shifted });
      const off = tm.offsetOf('background', role, nuisance);
      let total = 0;
      for (let k = 0; k < BINS; k++) {
        expect(Math.abs(counts[off + k] - direct[BINS + k]), `${role} ${nuisance} bin ${k}`).toBeLessThanOrEqual(3 * perEvent + 1e-9);
        total += counts[off + k];
      }
      expect(total).toBeCloseTo(1000, 3); // float32 event weights
    }
    // and the variations move the background: the r templates differ from the nominal one
    let moved = 0;
    for (let k = 0; k < BINS; k++) moved += Math.abs(counts[tm.offsetOf('background', 'up', 'r') + k] - counts[tm.offsetOf('background', 'nominal') + k]);
    expect(moved).toBeGreaterThan(20);
  });

  it('rejects an unknown benchmark and a bad bin count with an InputError naming the argument', () => {
    expect(() => infernoAnalysis(5 as InfernoBenchmark, softmax, BINS)).toThrow(/infernoAnalysis benchmark: must be one of 0, 1, 2, 3, 4, got 5/);
    expect(() => infernoAnalysis(1, softmax, 0)).toThrow(/infernoAnalysis bins: must be a positive integer/);
    expect(() => new Analysis(infernoAnalysis(1, scoreBins, 8))).toThrow(/analysis binning\.edges: gives 10 bins, the template has 8/);
  });
});

describe('the paper numbers (arXiv:1806.04743 Table 2)', () => {
  it('holds the rows quoted in the issue', () => {
    expect(infernoPaperWidths(2)).toEqual({ nnClassifier: 23.94, inferno: 16.95, optimalClassifier: 24.93, analyticalLikelihood: 15.65 });
    expect(infernoPaperWidths(4)).toMatchObject({ nnClassifier: 26.71, inferno: 18.68 });
    expect(INFERNO_ANALYTIC_FLOOR).toEqual([14.71, 15.52, 15.65, 15.62, 16.89]);
    expect(INFERNO_TABLE2.nnClassifier.map((w) => w.median)).toEqual([14.99, 18.94, 23.94, 21.54, 26.71]);
    expect(INFERNO_BENCHMARKS.map((b) => INFERNO_TABLE2.inferno[b][b].median)).toEqual([15.51, 16.79, 16.95, 16.89, 18.68]);
    // every trained entry lies above the floor of its benchmark
    for (const row of [INFERNO_TABLE2.nnClassifier, ...INFERNO_TABLE2.inferno, INFERNO_TABLE2.optimalClassifier]) {
      row.forEach((w, b) => expect(typeof w === 'number' ? w : w.median).toBeGreaterThan(INFERNO_ANALYTIC_FLOOR[b]));
    }
  });
});
