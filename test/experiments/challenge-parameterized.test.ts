/**
 * The `parameterized` arm on the challenge problem (experiments/challenge/parameterized.ts):
 * quick-setting training (60 steps, 3000 events per process, the arms' [32, 32] network with
 * three more inputs) gives finite BCEs that fall, a bundle with a parameterized summary at z = 0
 * that `diffinfer apply` (same scores as the reloaded summary), `evaluate` and `export` ->
 * `validate` accept, and a network whose output has learned a dependence on the nuisance inputs
 * (their weights start at zero). The direction of the learned dependence is checked against the
 * Bayes classifier on a toy in test/models/parameterized.test.ts.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/autodiff/backend.js';
import { loadBundleSummary, ParameterizedSummary, readBundle } from '../../src/models/index.js';
import { trainParameterizedArm } from '../../experiments/challenge/parameterized.js';
import { CHALLENGE_PROBLEM_NOMINAL } from '../../experiments/challenge/problem.js';
import { CHALLENGE_FEATURE_DIM, CHALLENGE_FEATURES, deriveChallengeFeatures, generateChallengeEvents } from '../../experiments/simulators/challenge.js';
import { runCli } from '../helpers/cli.js';

beforeAll(async () => {
  await initBackend({ request: 'wasm', log: () => {} });
});
afterAll(() => {
  tf.disposeVariables();
});

/** `n` generated events of `process` that pass the nominal post-selection, as feature rows. */
function passingRows(process: 'htautau' | 'ztautau', n: number, seed: string): number[][] {
  const ev = generateChallengeEvents({ process, n, seed });
  const { x, pass } = deriveChallengeFeatures(ev.components, CHALLENGE_PROBLEM_NOMINAL);
  const rows: number[][] = [];
  for (let i = 0; i < ev.n; i++) if (pass[i]) rows.push(Array.from(x.subarray(i * CHALLENGE_FEATURE_DIM, (i + 1) * CHALLENGE_FEATURE_DIM)));
  return rows;
}

describe('the parameterized arm on the challenge problem', () => {
  const dir = mkdtempSync(join(tmpdir(), 'challenge-parameterized-'));
  const bundleDir = join(dir, 'parameterized');

  it('trains f(x; tes, jes, softMet) at the quick setting and saves a bundle at z = 0', async () => {
    const t0 = performance.now();
    const { history, bundle } = await trainParameterizedArm(0, { steps: 60, trainEvents: 3000, validationEvents: 3000, testEvents: 4000, learningRate: 3e-3 }, bundleDir);
    const seconds = (performance.now() - t0) / 1000;
    expect(history).toHaveLength(60);
    for (const r of history) expect(Number.isFinite(r.bce)).toBe(true);
    const mean = (h: typeof history) => h.reduce((t, r) => t + r.bce, 0) / h.length;
    const ratio = mean(history.slice(-10)) / mean(history.slice(0, 10));
    // measured: BCE of the last 10 steps / the first 10 = 0.706 (0.663 at step 1, 0.45-0.50 at the end); 6.7 s
    expect(ratio).toBeLessThan(0.8);
    expect(seconds).toBeLessThan(30);
    expect(bundle.method).toBe('parameterized');
    expect(bundle.summary).toEqual({ kind: 'parameterized', dir: 'summary', nuisances: ['tes', 'jes', 'softMet'], at: [0, 0, 0] });
    expect(bundle.features).toEqual([...CHALLENGE_FEATURES]);
    const summary = await loadBundleSummary(bundleDir, readBundle(bundleDir));
    expect(summary).toBeInstanceOf(ParameterizedSummary);
    const p = summary as ParameterizedSummary;
    expect(p.network.inputDim).toBe(CHALLENGE_FEATURE_DIM + 3);
    expect(p.network.options.hidden).toEqual([32, 32]);
    // the nuisance inputs start with zero weights (f(x; z) = f(x; 0) at initialisation), and their
    // gradient is zero unless training feeds each event's z: a score that moves with z shows it did.
    const x = tf.tensor2d([...passingRows('htautau', 600, 'check'), ...passingRows('ztautau', 600, 'check')]);
    const scores = (s: ParameterizedSummary) => {
      const out = s.apply(x);
      const v = Array.from(out.dataSync());
      out.dispose();
      return v;
    };
    const nominal = scores(p);
    const moved = (['tes', 'jes', 'softMet'] as const).map((name) => {
      const view = p.at({ [name]: 1 });
      const shifted = scores(view);
      view.dispose();
      return shifted.reduce((t, v, i) => t + Math.abs(v - nominal[i]), 0) / nominal.length;
    });
    // measured: mean |f(x; z_n = 1) - f(x; 0)| = 0.0066 (tes), 0.0040 (jes), 0.0121 (softMet) after 60 steps.
    // (Not asserted: whether f(x(z); z) undoes the shift f(x(z); 0) sees, as the Bayes classifier
    // does for a rescaling. After 60 steps it does not yet; after 600 steps on 20 000 events per
    // process, TES at z = 2: mean |f(x(z); z) - f(x(0); 0)| = 0.0094 against 0.0120 uncompensated,
    // JES at z = 2: 0.0081 against 0.0073.)
    for (const d of moved) {
      expect(d).toBeGreaterThan(1e-3);
      expect(d).toBeLessThan(0.1);
    }
    x.dispose();
    summary.dispose();
    await expect(trainParameterizedArm(0, { steps: 1, groups: 5 }, join(dir, 'bad'))).rejects.toThrow(/trainParameterizedArm groups: must be a positive integer dividing the batch 256, got 5/);
  }, 120_000);

  it('apply gives the reloaded summary scores at z = 0; evaluate reads the bundle; export gives a workspace validate accepts', async () => {
    const rows = [...passingRows('htautau', 100, 'apply'), ...passingRows('ztautau', 100, 'apply')];
    const input = join(dir, 'events.csv');
    writeFileSync(input, `${CHALLENGE_FEATURES.join(',')}\n${rows.map((r) => r.join(',')).join('\n')}\n`);
    const output = join(dir, 'scores.csv');
    const a = await runCli(['apply', bundleDir, '--input', input, '--output', output, '--backend', 'wasm']);
    expect(a.code, a.stderr).toBe(0);
    const lines = readFileSync(output, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('bin,score');
    expect(lines).toHaveLength(rows.length + 1);
    const summary = await loadBundleSummary(bundleDir, readBundle(bundleDir));
    const out = summary.apply(tf.tensor2d(rows));
    const direct = Array.from(out.dataSync());
    out.dispose();
    summary.dispose();
    let maxDiff = 0;
    lines.slice(1).forEach((l, i) => (maxDiff = Math.max(maxDiff, Math.abs(Number(l.split(',')[1]) - direct[i]))));
    // measured: 5.0e-8 (the CSV's printed digits)
    expect(maxDiff).toBeLessThan(1e-6);

    const e = await runCli(['evaluate', dir, '--backend', 'wasm']);
    expect(e.code, e.stderr).toBe(0);
    const ev = JSON.parse(readFileSync(join(dir, 'evaluation.json'), 'utf8')) as { analyses: Array<{ method: string; sigma_profile: number; sigma_fisher: number }> };
    // measured: test-split profile width 0.761 (Fisher 0.761): a smoke run, not a benchmark
    expect(ev.analyses.map((x) => x.method)).toEqual(['parameterized']);
    expect(Number.isFinite(ev.analyses[0].sigma_profile) && ev.analyses[0].sigma_profile > 0).toBe(true);

    const ws = join(dir, 'ws.json');
    const x = await runCli(['export', bundleDir, '--out', ws]);
    expect(x.code, x.stderr).toBe(0);
    const v = await runCli(['validate', ws]);
    expect(v.code, v.stderr).toBe(0);
    expect(JSON.parse(v.stdout)).toMatchObject({ valid: true, poi: 'mu', channels: 1, samples: 4 });
  }, 180_000);
});
