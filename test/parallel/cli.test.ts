/**
 * The CLI of issue 10 in-process: `cls --calculator toybased`, `limit --calculator toybased`,
 * `coverage`, and their bad input (exit 2, one line naming the option). These run with
 * `--workers 1` (in-process); the 1-vs-2-worker equality is tested in pool.test.ts.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { ToyCalculator } from '../../src/stats/inference/index.js';
import { buildModel, observedData } from '../../src/stats/model/index.js';
import { parseWorkspace } from '../../src/stats/workspace/index.js';
import { runCli } from '../helpers/cli.js';

const FIX = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'pyhf');
const tmp = mkdtempSync(join(tmpdir(), 'diffinfer-cli10-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const spec = JSON.parse(readFileSync(join(FIX, 'example-uncorrelated.json'), 'utf8')).workspace;
const WS = join(tmp, 'ws.json');
writeFileSync(WS, JSON.stringify(spec));

describe('cls --calculator toybased', () => {
  test("pyhf's keys, Monte Carlo errors and failure counts; the library's numbers", async () => {
    const r = await runCli(['cls', WS, '--calculator', 'toybased', '--ntoys', '300', '--seed', '2', '--workers', '1', '--no-progress']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    const ws = parseWorkspace(spec);
    const model = buildModel(ws);
    const lib = await new ToyCalculator(model, observedData(ws, model), { ntoys: 300, seed: 2 }).hypotest(1);
    expect(j.CLs_obs).toBe(lib.clsObs);
    expect(j.CLs_exp).toEqual(lib.clsExp);
    expect(j.CLs_obs_error).toBe(lib.errors.clsObs);
    expect(j.CLs_exp_error).toEqual(lib.errors.clsExp);
    expect(j).toMatchObject({ calculator: 'toybased', test_stat: 'qtilde', poi_test: 1, ntoys: 300, seed: 2, workers: 1 });
    expect(j.signal_plus_background).toEqual({ toys: 300, failed: 0, failures: [], full_multistart_refits: 0 });
    expect(r.stderr).toBe('');
  });
  test('q0 tests mu = 0 by default and reports p0 as CLs_obs', async () => {
    const r = await runCli(['cls', WS, '--calculator', 'toybased', '--test-stat', 'q0', '--ntoys', '100', '--workers', '1']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.poi_test).toBe(0);
    expect(j.CLs_obs).toBe(j.CLsb_obs);
  });
});

describe('limit --calculator toybased --scan', () => {
  test('observed and expected limits from a scan of toy hypotests', async () => {
    const r = await runCli(['limit', WS, '--calculator', 'toybased', '--ntoys', '200', '--workers', '1', '--scan', '0.2:3:8']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    // asymptotic limit 1.0116 (pyhf); measured with 200 toys per side: 1.104 (expected median 1.225)
    expect(Math.abs(j.obs - 1.0116)).toBeLessThan(0.25);
    expect(j.scan).toHaveLength(8);
    expect(j.exp).toHaveLength(5);
  });
});

describe('coverage', () => {
  test('prints the summary and writes results.json', async () => {
    const out = join(tmp, 'cov');
    const r = await runCli(['coverage', WS, '--pseudo-experiments', '40', '--seed', '3', '--out', out, '--workers', '1']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(j.coverage).toBe(results.summary.coverage);
    expect(j.score).toBe(results.summary.score);
    expect(j.pseudo_experiments + j.failed).toBe(40);
    expect(results.options.mu_range).toEqual([0.1, 3]);
  });
});

describe('bad input: exit 2 and one line naming the option', () => {
  const cases: [string, string[], RegExp][] = [
    ['--ntoys 0', ['cls', WS, '--calculator', 'toybased', '--ntoys', '0'], /^diffinfer: --ntoys: must be a positive integer, got "0"\n$/],
    ['a negative seed', ['cls', WS, '--calculator', 'toybased', '--seed', '-3'], /^diffinfer: --seed: must be a non-negative integer, got "-3"\n$/],
    ['an unknown calculator', ['cls', WS, '--calculator', 'bayesian'], /^diffinfer: option '--calculator <name>' argument 'bayesian' is invalid\. Allowed choices are asymptotics, toybased\.\n$/],
    ['--workers 0', ['cls', WS, '--calculator', 'toybased', '--workers', '0'], /^diffinfer: --workers: must be a positive integer, got "0"\n$/],
    ['q0 at mu = 1', ['cls', WS, '--test-stat', 'q0', '--test-poi', '1'], /^diffinfer: --test-poi: q0 tests mu = 0, got 1\n$/],
    ['a toy limit without a scan', ['limit', WS, '--calculator', 'toybased'], /^diffinfer: --calculator toybased: needs --scan LO:HI:N/],
    ['a true-mu range outside the POI bounds', ['coverage', WS, '--out', join(tmp, 'x'), '--mu-range', '5:20'], /^diffinfer: --mu-range: \[5, 20\] is outside the bounds of "mu" \[0, 10\]\n$/],
    ['an empty true-mu range', ['coverage', WS, '--out', join(tmp, 'x'), '--mu-range', '3:1'], /^diffinfer: --mu-range: needs LO < HI, got "3:1"\n$/],
    ['a negative coverage seed', ['coverage', WS, '--out', join(tmp, 'x'), '--seed', '-1'], /^diffinfer: --seed: must be a non-negative integer, got "-1"\n$/],
    ['a true value of the POI', ['coverage', WS, '--out', join(tmp, 'x'), '--true', 'mu=1'], /^diffinfer: --true mu: the POI's true value is drawn from the true POI range\n$/],
    ['an unknown parameter', ['coverage', WS, '--out', join(tmp, 'x'), '--true', 'jes=1'], /^diffinfer: --true jes: no parameter "jes"/],
    ['an unknown interval', ['coverage', WS, '--out', join(tmp, 'x'), '--interval', 'bayes'], /^diffinfer: option '--interval <kind>' argument 'bayes' is invalid/],
  ];
  for (const [what, args, message] of cases) {
    test(what, async () => {
      const r = await runCli(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stdout).toBe('');
    });
  }
});
