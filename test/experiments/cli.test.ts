/**
 * The experiment commands on small configurations (seconds each): `inferno` writes models,
 * results.json, report.md and SVG/PNG plots; `ablate` covers benchmarks x methods; `neos`
 * reports CLs, sigma_mu and Z0; `apply` gives per-event bins from a saved model; `export` writes a
 * workspace that `diffinfer cls` reads; bad options exit 2 with one line naming the option.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const out = mkdtempSync(join(tmpdir(), 'cli-exp-'));
const small = ['--seeds', '1', '--epochs', '1', '--train-events', '2000', '--test-events', '5000', '--batch', '500', '--backend', 'cpu', '--no-progress'];

describe('experiment commands', () => {
  it('inferno trains, evaluates, saves and reports', async () => {
    const dir = join(out, 'inferno');
    const r = await runCli(['inferno', '--benchmark', '2', '--method', 'inferno,bce', '--out', dir, ...small]);
    expect(r.stderr).toMatch(/diffinfer: tfjs backend cpu/);
    expect(r.code).toBe(0);
    const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
    expect(results.command).toBe('inferno');
    expect(results.results.map((x: { method: string }) => x.method)).toEqual(['inferno', 'bce']);
    for (const x of results.results) {
      expect(x.sigmaFisher).toBeGreaterThan(15.65); // above the benchmark's analytic floor
      expect(x.sigmaFisher).toBeLessThan(80);
      expect(existsSync(join(dir, x.modelDir, 'model.json'))).toBe(true);
      expect(existsSync(join(dir, x.modelDir, 'diffinfer.json'))).toBe(true);
    }
    const report = readFileSync(join(dir, 'report.md'), 'utf8');
    expect(report).toMatch(/\| inferno \| 1 \|/);
    expect(report).toMatch(/16\.95/); // the paper's INFERNO value for benchmark 2
    expect(r.stdout).toBe(report);
    for (const f of ['training-b2', 'profile-b2', 'distributions-b2-inferno']) {
      expect(readFileSync(join(dir, 'plots', `${f}.svg`), 'utf8').startsWith('<svg')).toBe(true);
      expect([...readFileSync(join(dir, 'plots', `${f}.png`)).subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    }
  });

  it('apply reproduces the training bins of a saved model; export writes a workspace that cls reads', async () => {
    const model = join(out, 'inferno', 'inferno', 'seed-0');
    const csv = join(out, 'events.csv');
    writeFileSync(csv, 'x0,x1,x2\n0,0,0.1\n2,0,0.5\n5,3,0.01\n-1,-2,1.5\n');
    const r = await runCli(['apply', '--model', model, '--input', csv, '--output', join(out, 'bins.csv'), '--backend', 'cpu']);
    expect(r.code).toBe(0);
    const lines = readFileSync(join(out, 'bins.csv'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0].split(',')).toEqual(['bin', ...Array.from({ length: 10 }, (_, k) => `logit_${k}`)]);
    for (const l of lines.slice(1)) {
      const v = l.split(',').map(Number);
      const logits = v.slice(1);
      expect(v[0]).toBe(logits.indexOf(Math.max(...logits)));
    }
    const ws = join(out, 'ws.json');
    // benchmark 0 (no shape nuisances): a 1-epoch toy model can leave bins whose nominal background
    // is empty while a variation is not, where histosys extrapolates to negative rates
    const e = await runCli(['export', '--model', model, '--benchmark', '0', '--out', ws, '--events', '20000', '--backend', 'cpu']);
    expect(e.code).toBe(0);
    const c = await runCli(['cls', ws]);
    expect(c.code).toBe(0);
    const cls = JSON.parse(c.stdout);
    expect(cls.CLs_exp).toHaveLength(5);
    expect(cls.CLs_obs).toBeGreaterThan(0);
    expect(cls.CLs_obs).toBeLessThan(1);
  });

  it('ablate covers every benchmark and method; neos reports CLs, sigma_mu and Z0', async () => {
    const dir = join(out, 'ablate');
    const a = await runCli(['ablate', '--benchmarks', '0,4', '--methods', 'bce,inferno', '--out', dir, ...small]);
    expect(a.code).toBe(0);
    const res = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')).results;
    expect(res.map((x: { benchmark: number; method: string }) => `${x.benchmark}/${x.method}`)).toEqual(['0/bce', '0/inferno', '4/bce', '4/inferno']);
    const n = await runCli(['neos', '--objective', 'cls,z0', '--steps', '10', '--out', join(out, 'neos'), '--backend', 'cpu', '--no-progress']);
    expect(n.code).toBe(0);
    const neos = JSON.parse(readFileSync(join(out, 'neos', 'results.json'), 'utf8')).results;
    for (const x of neos) {
      expect(x.cls).toBeGreaterThan(0);
      expect(x.cls).toBeLessThan(1);
      expect(x.z0).toBeGreaterThan(0);
      expect(x.sigmaFisher).toBeGreaterThan(0);
    }
  });

  it('bad options exit 2 with one line naming the option', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['inferno', '--benchmark', '7', '--out', out], /--benchmark 7: benchmarks are 0 to 4/],
      [['inferno', '--method', 'svm', '--out', out], /--method svm: unknown "svm" \(expected inferno, profile-width, bce, cls\)/],
      [['inferno', '--epochs', '0', '--out', out], /--epochs: expected a positive integer, got "0"/],
      [['inferno', '--backend', 'tpu', '--epochs', '1', '--out', out], /--backend tpu: unknown backend/],
      [['apply', '--model', join(out, 'nope'), '--input', 'x.csv', '--output', 'y.csv', '--backend', 'cpu'], /diffinfer\.json: cannot be read/],
      [['neos', '--objective', 'mse', '--out', out], /--objective mse: unknown "mse"/],
      [['export', '--model', join(out, 'inferno', 'inferno', 'seed-0'), '--benchmark', '1-3', '--out', 'ws.json'], /--benchmark 1-3: expected one benchmark/],
    ];
    for (const [args, re] of cases) {
      const r = await runCli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n').pop()).toMatch(re);
    }
  });
});
