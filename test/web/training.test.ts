/**
 * The page's training runs (web/src/training-session.ts) in Node: the same simulators and
 * options as the CLI's, and a run trained in slices (resumed from the in-memory checkpoint, as
 * the page pauses and draws) gives the losses of one `trainAnalysis` run of the same config,
 * step by step. Also the analysis worker's warm-up workspace (web/src/warm-up.ts) fits.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/autodiff/backend.js';
import { compileAnalysis } from '../../src/models/config/index.js';
import { trainAnalysis } from '../../src/models/train-analysis.js';
import { INFERNO_DEFAULTS } from '../../experiments/inferno/run.js';
import { BUILTIN_SIMULATORS } from '../../experiments/simulators/registry.js';
import { PAGE_INFERNO_OPTIONS, PROBLEMS, TrainingSession } from '../../web/src/training-session.js';
import { PAGE_SIMULATORS } from '../../web/src/training-simulators.js';
import { warmUp } from '../../web/src/warm-up.js';

beforeAll(async () => {
  await initBackend({ request: 'wasm', log: () => {} });
});

describe('the page training', () => {
  it("uses the registry's simulators and trains INFERNO with the CLI's defaults", () => {
    for (const name of ['neos', 'inferno'] as const) expect(PAGE_SIMULATORS[name]).toBe(BUILTIN_SIMULATORS[name]);
    const { epochs: _epochs, ...defaults } = INFERNO_DEFAULTS;
    expect(PAGE_INFERNO_OPTIONS).toEqual({ ...defaults, testEvents: 100_000 });
  });

  it("the analysis worker's warm-up workspace loads and its fit converges", () => {
    expect(warmUp()).toBe(true);
  });

  it('a neos run in slices has the losses of one CLI run (trainAnalysis), step by step', async () => {
    const steps = 12;
    const session = await TrainingSession.create({ problem: 'neos', objective: 'cls', seed: 0, length: steps });
    const slices: number[] = [];
    while (!session.done) slices.push((await session.advance(0)).length); // budget 0: one step a slice
    expect(slices).toEqual(new Array(steps).fill(1));
    const compiled = await compileAnalysis(PROBLEMS.neos.config('cls', 0, steps), { simulators: BUILTIN_SIMULATORS });
    const cli = await trainAnalysis(compiled);
    try {
      // Same backend, same code: identical float32 losses (measured: every step equal).
      expect(session.history.map((r) => r.loss)).toEqual(cli.result.history.map((r) => r.loss));
      expect(session.history.map((r) => r.validation)).toEqual(cli.result.history.map((r) => r.validation));
      // The restored best weights: the same network at the end.
      expect(session.summary.weightValues()).toEqual(cli.summary.weightValues());
      const final = session.finalFigures();
      expect(final.cls).toBeGreaterThan(0);
      expect(final.bestStep).toBe(cli.result.best?.step);
      const snap = session.snapshot();
      expect(snap.histograms.map((h) => `${h.sample} ${h.variation}`)).toEqual(['signal nominal', 'background nominal', `background correlated_bkg_uncertainty up`, `background correlated_bkg_uncertainty down`]);
      expect(snap.profile.length).toBeGreaterThan(20);
    } finally {
      session.dispose();
      cli.summary.dispose();
    }
  });
});
