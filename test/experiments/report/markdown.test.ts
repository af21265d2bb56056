/**
 * The markdown report of a small synthetic experiment: exact table rows (medians and 16% / 84%
 * quantiles over seeds, paper values, analytic floors), the configuration, the per-seed table,
 * the neos columns (CLs, sigma_mu, Z0) and the plot list.
 */
import { describe, expect, it } from 'vitest';
import { formatBand, formatNumber, renderReport } from '../../../experiments/report/markdown.js';
import type { ExperimentResults } from '../../../experiments/report/types.js';
import { infernoResults, seedResult } from './fixtures.js';

describe('formatNumber / formatBand', () => {
  it('gives 2 decimals from 1 up, 3 significant digits below, n/a and inf', () => {
    expect(formatNumber(15.234)).toBe('15.23');
    expect(formatNumber(15.236)).toBe('15.24');
    expect(formatNumber(0)).toBe('0.00');
    expect(formatNumber(-2.5)).toBe('-2.50');
    expect(formatNumber(0.3)).toBe('0.300');
    expect(formatNumber(0.01234)).toBe('0.0123');
    expect(formatNumber(2.5e-5)).toBe('2.50e-5');
    expect(formatNumber(8.04, 1)).toBe('8.0');
    expect(formatNumber(NaN)).toBe('n/a');
    expect(formatNumber(undefined)).toBe('n/a');
    expect(formatNumber(Infinity)).toBe('inf');
    expect(formatNumber(-Infinity)).toBe('-inf');
  });

  it('formats a band as median [q16, q84]', () => {
    expect(formatBand({ n: 3, median: 15.234, q16: 14.9, q84: 15.61 })).toBe('15.23 [14.90, 15.61]');
    expect(formatBand({ n: 0, median: NaN, q16: NaN, q84: NaN })).toBe('n/a');
    expect(formatBand(undefined)).toBe('n/a');
  });
});

describe('renderReport (inferno)', () => {
  const md = renderReport(infernoResults(), { plots: [{ title: 'Training curves', svg: 'plots/training.svg', png: 'plots/training.png' }] });
  const lines = md.split('\n');

  it('has the title, the run and the configuration', () => {
    expect(lines[0]).toBe('# INFERNO benchmarks');
    expect(md).toContain('Run of `diffinfer inferno` on 2025-01-02T03:04:05Z, diffinfer 0.1.0.');
    expect(md).toContain('## Configuration\n\n| key | value |\n|---|---|\n| epochs | 4 |\n| seeds | 3 |\n| optimizer | `{"name":"adam","lr":0.001}` |\n');
  });

  it('has a table per benchmark, in order, with medians and 16% / 84% quantiles', () => {
    expect(md.indexOf('## Benchmark 0')).toBeGreaterThan(0);
    expect(md.indexOf('## Benchmark 2')).toBeGreaterThan(md.indexOf('## Benchmark 0'));
    // benchmark 2: header with the paper and floor columns, then inferno (Fisher 15.1, 15.7, 16.2:
    // 15.7 [15.292, 16.04]; profile 15.9, 16.5, 17.3: 16.5 [16.092, 17.044]; s/epoch 2.0, 2.4, 2.2),
    // then bce (21, 22, 24: 22 [21.32, 23.36]; 21.5, 22.5, 25.5: 22.5 [21.82, 24.54]), then the
    // paper-only row; floor[2] = 15.21 on every row
    expect(md).toContain(
      [
        '## Benchmark 2',
        '',
        '| method | seeds | sigma_s (Fisher) median [16%, 84%] | sigma_s (profile) median [16%, 84%] | s/epoch | paper sigma_s | analytic floor |',
        '|---|---:|---:|---:|---:|---:|---:|',
        '| inferno | 3 | 15.70 [15.29, 16.04] | 16.50 [16.09, 17.04] | 2.20 | 16.04 | 15.21 |',
        '| bce | 3 | 22.00 [21.32, 23.36] | 22.50 [21.82, 24.54] | 1.00 |  | 15.21 |',
        '| NN classifier (paper) |  |  |  |  | 22.50 | 15.21 |',
        '',
        'Paper values: arXiv:1806.04743 Table 2.',
      ].join('\n'),
    );
  });

  it('leaves the paper column out where the paper has no value, and uses floor[benchmark]', () => {
    expect(md).toContain(
      [
        '| method | seeds | sigma_s (Fisher) median [16%, 84%] | sigma_s (profile) median [16%, 84%] | s/epoch | analytic floor |',
        '|---|---:|---:|---:|---:|---:|',
        '| inferno | 1 | 14.57 [14.57, 14.57] | 14.90 [14.90, 14.90] | 2.00 | 14.00 |',
      ].join('\n'),
    );
    expect(md).not.toContain('CLs');
  });

  it('lists every seed, sorted by benchmark, method and seed', () => {
    const seedRows = lines.filter((l) => /^\| \d \| (inferno|bce) \| \d \|/.test(l));
    expect(seedRows).toEqual([
      '| 0 | inferno | 1 | 14.57 | 14.90 | 4 | 8.0 | `models/inferno-b0-s1` |',
      '| 2 | inferno | 1 | 15.10 | 15.90 | 4 | 8.0 | `models/inferno-b2-s1` |',
      '| 2 | inferno | 2 | 16.20 | 17.30 | 4 | 8.0 | `models/inferno-b2-s2` |',
      '| 2 | inferno | 3 | 15.70 | 16.50 | 4 | 8.0 | `models/inferno-b2-s3` |',
      '| 2 | bce | 1 | 22.00 | 22.50 | 4 | 8.0 | `models/bce-b2-s1` |',
      '| 2 | bce | 2 | 24.00 | 25.50 | 4 | 8.0 | `models/bce-b2-s2` |',
      '| 2 | bce | 3 | 21.00 | 21.50 | 4 | 8.0 | `models/bce-b2-s3` |',
    ]);
  });

  it('lists the plot files', () => {
    expect(md).toContain('## Plots\n\n- Training curves: [plots/training.svg](plots/training.svg), [plots/training.png](plots/training.png)\n');
    expect(renderReport(infernoResults())).toContain('## Plots\n\n(none)\n');
  });

  it('works without reference numbers, and escapes pipes in configuration values', () => {
    const r = infernoResults();
    delete r.reference;
    r.config = { note: 'a|b' };
    const plain = renderReport(r);
    expect(plain).toContain('| note | a\\|b |');
    expect(plain).not.toContain('paper');
    expect(plain).not.toContain('analytic floor');
    expect(plain).toContain('| bce | 3 | 22.00 [21.32, 23.36] | 22.50 [21.82, 24.54] | 1.00 |\n');
  });

  it('shows n/a for a width whose fits all failed', () => {
    const r: ExperimentResults = { ...infernoResults(), results: [seedResult('z0', 4, 1, 30.5, NaN)], reference: undefined };
    expect(renderReport(r)).toContain('| z0 | 1 | 30.50 [30.50, 30.50] | n/a | 2.00 |');
  });
});

describe('renderReport (neos)', () => {
  const neos: ExperimentResults = {
    command: 'neos',
    date: '2025-02-03',
    version: '0.2.0',
    config: {},
    results: [
      seedResult('cls', 0, 1, 0.3, 0.31, { cls: 0.012, z0: 2.1 }),
      seedResult('cls', 0, 2, 0.25, 0.26, { cls: 0.0105, z0: 2.5 }),
      seedResult('cls', 0, 3, 0.35, 0.36, { cls: 0.02, z0: 2.3 }),
      seedResult('bce', 0, 1, 0.4, 0.41, { cls: 0.05, z0: 1.5 }),
    ],
  };
  const md = renderReport(neos);

  it('has a table of CLs, sigma_mu and Z0 per objective', () => {
    expect(md.startsWith('# neos objectives\n')).toBe(true);
    expect(md).toContain(
      [
        '| objective | seeds | sigma_mu (Fisher) median [16%, 84%] | sigma_mu (profile) median [16%, 84%] | CLs median [16%, 84%] | Z0 median [16%, 84%] | s/epoch |',
        '|---|---:|---:|---:|---:|---:|---:|',
        '| bce | 1 | 0.400 [0.400, 0.400] | 0.410 [0.410, 0.410] | 0.0500 [0.0500, 0.0500] | 1.50 [1.50, 1.50] | 2.00 |',
        // CLs 0.0105, 0.012, 0.02: 0.012 [0.01098, 0.01744]; Z0 2.1, 2.3, 2.5: 2.3 [2.164, 2.436]
        '| cls | 3 | 0.300 [0.266, 0.334] | 0.310 [0.276, 0.344] | 0.0120 [0.0110, 0.0174] | 2.30 [2.16, 2.44] | 2.00 |',
      ].join('\n'),
    );
    expect(md).toContain('| 0 | cls | 2 | 0.250 | 0.260 | 0.0105 | 2.50 | 4 | 8.0 | `models/cls-b0-s2` |');
    expect(md).toContain('## Configuration\n\n(empty)\n');
  });
});
