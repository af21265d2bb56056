/**
 * The INFERNO benchmarks as analysis configs (`infernoConfig`, compiled by src/models/config):
 * every benchmark builds a valid Analysis whose template model is `infernoTemplateSpec` and whose compiled
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
import { applyTransform, compileAnalysis, hardTemplates, type CompiledAnalysis, type Dataset, type MethodName } from '../../src/models/index.js';
import type { ParameterSet } from '../../src/stats/model/parameters.js';
import { normaliseTemplateSpec } from '../../src/stats/templates/index.js';
import {
  INFERNO_ANALYTIC_FLOOR,
  INFERNO_BENCHMARKS,
  INFERNO_TABLE2,
  InfernoOptimalClassifier,
  infernoConfig,
  infernoPaperWidths,
  infernoTemplateSpec,
  type InfernoBenchmark,
} from '../../experiments/inferno/index.js';
import { INFERNO_DEFAULTS } from '../../experiments/inferno/run.js';
import { simulateInferno } from '../../experiments/simulators/index.js';
import { BUILTIN_SIMULATORS } from '../../experiments/simulators/registry.js';

beforeAll(async () => {
  await initBackend({ request: 'wasm', log: () => {} });
});
afterAll(() => {
  tf.disposeVariables();
});

const BINS = 10;

/** A benchmark's config compiled for its test split: simulated (10 events), or the given datasets. */
async function compiled(benchmark: InfernoBenchmark, method: MethodName = 'inferno', given?: { signal: Dataset; background: Dataset }): Promise<CompiledAnalysis> {
  const config = infernoConfig(benchmark, method, 0, { ...INFERNO_DEFAULTS, testEvents: given?.signal.n ?? 10 });
  const simulators = given ? { inferno: { columns: ['x0', 'x1', 'x2'], simulate: (p: string) => given[p as 'signal' | 'background'].x } } : BUILTIN_SIMULATORS;
  return compileAnalysis(config, { splits: ['test'], simulators });
}

/** The parameter sets of a benchmark's model compiled at arbitrary positive counts, by name. */
async function parameterSets(benchmark: InfernoBenchmark): Promise<Map<string, ParameterSet>> {
  const { analysis } = await compiled(benchmark);
  const tm = analysis.templateModel;
  const counts = Float64Array.from({ length: tm.size }, (_, i) => 10 + (i % 7));
  return new Map(tm.compile(counts).model.parameterSets.map((p) => [p.name, p]));
}

describe('infernoConfig', () => {
  it('builds a valid Analysis for every benchmark and method, its template model infernoTemplateSpec, reading the datasets SR/signal and SR/background', async () => {
    for (const b of INFERNO_BENCHMARKS) {
      for (const method of ['inferno', 'bce'] as const) {
        const { analysis, binning } = await compiled(b, method);
        expect(binning.kind).toBe(method === 'bce' ? 'kde' : 'softmax');
        expect(analysis.templateModel.spec).toEqual(normaliseTemplateSpec(infernoTemplateSpec(b, BINS)));
        expect(analysis.datasetNames()).toEqual(['SR/signal', 'SR/background']);
        const nominal = analysis.plan().filter((e) => e.slot.role === 'nominal').map((e) => e.source);
        expect(nominal).toEqual([{ dataset: 'SR/signal', expected: 50 }, { dataset: 'SR/background', expected: 1000 }]);
        const layout = analysis.templateModel.layout.map((e) => `${e.sample}.${e.role}${e.nuisance ? `.${e.nuisance}` : ''}`);
        expect(layout).toEqual(
          b === 0
            ? ['signal.nominal', 'background.nominal']
            : ['signal.nominal', 'background.nominal', 'background.up.r', 'background.down.r', 'background.up.lambda', 'background.down.lambda'],
        );
      }
    }
  });

  it('benchmark 0: only mu, bounds [0, 10]', async () => {
    const p = await parameterSets(0);
    expect([...p.keys()]).toEqual(['mu']);
    expect(p.get('mu')!.bounds).toEqual([[0, 10]]);
    expect(p.get('mu')!.fixed).toEqual([false]);
    expect(p.get('mu')!.constraint.kind).toBe('none');
  });

  it('benchmark 1: r free in [-10, 10], lambda fixed at its nominal template', async () => {
    const p = await parameterSets(1);
    expect([...p.keys()].sort()).toEqual(['lambda', 'mu', 'r']);
    expect(p.get('r')!).toMatchObject({ type: 'histosys', bounds: [[-10, 10]], inits: [0], fixed: [false], constraint: { kind: 'none' } });
    expect(p.get('lambda')!).toMatchObject({ type: 'histosys', inits: [0], fixed: [true] });
  });

  it('benchmark 2: r and lambda free in [-10, 10]', async () => {
    const p = await parameterSets(2);
    expect([...p.keys()].sort()).toEqual(['lambda', 'mu', 'r']);
    for (const n of ['r', 'lambda']) expect(p.get(n)!).toMatchObject({ bounds: [[-10, 10]], fixed: [false], constraint: { kind: 'none' } });
  });

  it('benchmark 3: r ~ N(2.0, 0.4) and lambda ~ N(3.0, 1.0) are alpha ~ N(0, 2)', async () => {
    const p = await parameterSets(3);
    expect([...p.keys()].sort()).toEqual(['lambda', 'mu', 'r']);
    // the model's parameters are alpha / 2 (templates at the +-1 sigma points alpha = +-2, see
    // src/stats/templates/forms.ts): alpha in [-10, 10] is [-5, 5], N(0, 2) is N(0, 1)
    for (const n of ['r', 'lambda']) {
      expect(p.get(n)!).toMatchObject({ bounds: [[-5, 5]], fixed: [false], constraint: { kind: 'normal', auxdata: [0], sigmas: [1] } });
    }
  });

  it('benchmark 4: as 3, with the background normalisation b ~ N(1, 0.1) (1000 +- 100 events)', async () => {
    const p = await parameterSets(4);
    expect([...p.keys()].sort()).toEqual(['b', 'lambda', 'mu', 'r']);
    for (const n of ['r', 'lambda']) expect(p.get(n)!).toMatchObject({ bounds: [[-5, 5]], constraint: { kind: 'normal', auxdata: [0], sigmas: [1] } });
    expect(p.get('b')!).toMatchObject({ inits: [1], bounds: [[0, 2]], fixed: [false], constraint: { kind: 'normal', auxdata: [1], sigmas: [0.1] } });
  });

  it('the variations are x0 +- 0.2 and x2 x 3/3.5, x2 x 3/2.5 of the background events', async () => {
    const { analysis } = await compiled(2);
    const x = tf.tensor2d([[1, 2, 0.7]]);
    const apply = (key: string, side: 'up' | 'down') => {
      const e = analysis.plan().find((p) => p.slot.sample === 'background' && p.slot.role === side && p.slot.modifier === key)!;
      expect(e.source.dataset).toBe('SR/background');
      return Array.from(tf.tidy(() => applyTransform(e.source.transform!, x)).dataSync());
    };
    const expected: Array<[string, 'up' | 'down', number[]]> = [
      ['r', 'up', [1.2, 2, 0.7]],
      ['r', 'down', [0.8, 2, 0.7]],
      ['lambda', 'up', [1, 2, (0.7 * 3) / 3.5]],
      ['lambda', 'down', [1, 2, (0.7 * 3) / 2.5]],
    ];
    for (const [key, side, want] of expected) apply(key, side).forEach((v, i) => expect(v, `${key} ${side}[${i}]`).toBeCloseTo(want[i], 5));
    x.dispose();
  });

  it('the up/down templates equal templates of events simulated at r = 2.2 / 1.8 and lambda = 3.5 / 2.5', async () => {
    const n = 20_000;
    const clf = new InfernoOptimalClassifier();
    const signal = simulateInferno({ process: 'signal', n, seed: 'tmpl' });
    const background = simulateInferno({ process: 'background', n, seed: 'tmpl' });
    const full = await compiled(2, 'bce', { signal, background });
    const analysis = full.analysis;
    const counts = hardTemplates(clf, analysis, full.datasets.test!);
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
      const nominalOnly = await compiled(0, 'bce', { signal, background: shifted });
      const direct = hardTemplates(clf, nominalOnly.analysis, nominalOnly.datasets.test!);
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
    expect(() => infernoConfig(5 as InfernoBenchmark, 'inferno', 0, { ...INFERNO_DEFAULTS, testEvents: 10 })).toThrow(/infernoConfig benchmark: must be one of 0, 1, 2, 3, 4, got 5/);
    expect(() => infernoConfig(1, 'inferno', 0, { ...INFERNO_DEFAULTS, bins: 0, testEvents: 10 })).toThrow(/infernoConfig bins: must be an integer >= 2, got 0/);
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
