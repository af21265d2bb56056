/**
 * Plots: standalone SVG (root <svg> with the SVG namespace, a white background, the axis labels
 * with units, a legend, and one <path> per series inside Plot's line marks), distributions
 * summed from entries, and PNG files (signature 89 50 4E 47, 1200 px wide) written atomically
 * into a temporary directory.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DOMParser } from 'linkedom';
import { describe, expect, it } from 'vitest';
import {
  distributionHistograms,
  distributionPlot,
  METHOD_COLORS,
  profileCurvePlot,
  renderPng,
  sigmaComparisonPlot,
  trainingCurvesPlot,
  writePlot,
} from '../../../experiments/report/plots.js';
import { infernoResults, seedResult } from './fixtures.js';

/** The figure parsed as XML, with helpers to count marks and read texts. */
function parse(svg: string) {
  const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
  const all = (sel: string) => Array.from(doc.querySelectorAll(sel) as ArrayLike<{ getAttribute(n: string): string | null; textContent: string | null }>);
  return {
    root: doc.documentElement as { tagName: string; getAttribute(n: string): string | null },
    linePaths: all('g[aria-label="line"] path'),
    all,
    texts: all('text').map((t) => t.textContent ?? ''),
  };
}

/** The stroke a path is drawn with: its own, or the nearest ancestor's (Plot sets constants on the group). */
function strokeOf(e: unknown): string | null {
  const el = e as { closest(sel: string): { getAttribute(n: string): string | null } | null };
  return el.closest('[stroke]')?.getAttribute('stroke') ?? null;
}

function expectStandalone(svg: string) {
  expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  expect(svg.endsWith('</svg>')).toBe(true);
  const p = parse(svg);
  expect(p.root.tagName.toLowerCase()).toBe('svg');
  // white background rectangle first
  expect(svg).toMatch(/^<svg [^>]*><rect x="0" y="0" width="\d+" height="\d+" fill="white"\/>/);
  return p;
}

/** x coordinates of a path "M x,y L x,y ...". */
function pathXs(d: string): number[] {
  return [...d.matchAll(/[ML](-?[\d.]+),(-?[\d.]+)/g)].map((m) => Number(m[1]));
}

describe('trainingCurvesPlot', () => {
  const results = infernoResults().results.filter((r) => r.benchmark === 2); // inferno x3, bce x3

  it('draws one loss line and one validation line per (method, seed)', () => {
    const p = expectStandalone(trainingCurvesPlot(results));
    expect(p.linePaths).toHaveLength(12);
    const strokes = p.linePaths.map(strokeOf);
    expect(strokes.filter((s) => s === METHOD_COLORS.inferno)).toHaveLength(6);
    expect(strokes.filter((s) => s === METHOD_COLORS.bce)).toHaveLength(6);
    // 4 epochs: each path has 4 vertices
    expect(p.linePaths.every((e) => pathXs(e.getAttribute('d')!).length === 4)).toBe(true);
    for (const label of ['epoch', 'loss: Fisher sigma_s', 'loss: binary cross-entropy', 'validation sigma_s (Fisher)', 'inferno: training loss', 'bce: validation']) {
      expect(p.texts).toContain(label);
    }
    // legend: a swatch and a label per method, in METHODS order
    const legend = p.all('g[aria-label="legend"] text').map((t) => t.textContent);
    expect(legend).toEqual(['inferno', 'bce']);
    expect(p.all('g[aria-label="legend"] line').map((l) => l.getAttribute('stroke'))).toEqual([METHOD_COLORS.inferno, METHOD_COLORS.bce]);
  });

  it('leaves the validation row out without validation values, and filters by benchmark', () => {
    const noValidation = results.map((r) => ({ ...r, history: r.history.map(({ validation: _v, ...h }) => h) }));
    const p = parse(trainingCurvesPlot(noValidation));
    expect(p.linePaths).toHaveLength(6);
    expect(p.texts).not.toContain('validation sigma_s (Fisher)');
    const b0 = parse(trainingCurvesPlot(infernoResults().results, { benchmark: 0, poi: 'mu' }));
    expect(b0.linePaths).toHaveLength(2); // one seed: loss and validation
    expect(b0.texts).toContain('validation sigma_mu (Fisher)');
    expect(b0.texts).toContain('Training curves (benchmark 0): one line per seed');
  });

  it('says so when there is nothing to plot', () => {
    expect(() => trainingCurvesPlot([])).toThrow('trainingCurvesPlot: no run has a training history to plot');
    expect(() => trainingCurvesPlot(results, { benchmark: 7 })).toThrow('no run of benchmark 7');
  });
});

describe('distributionPlot', () => {
  const set = {
    histograms: [
      { process: 'signal', counts: [2, 5, 30, 13] },
      { process: 'background', counts: [600, 250, 100, 50] },
      { process: 'background r up', counts: [560, 260, 115, 65] },
      { process: 'background r down', counts: [640, 240, 85, 35] },
    ],
  };

  it('draws one step line per process, variations dashed, with a legend', () => {
    const p = expectStandalone(distributionPlot(set, { normalise: true }));
    expect(p.linePaths).toHaveLength(4);
    const groups = p.all('g[aria-label="line"]');
    expect(groups.map((g) => g.getAttribute('stroke-dasharray'))).toEqual([null, '5,3']);
    // a step outline of 4 bins: baseline, 4 levels with a riser each, right edge, baseline
    const d = p.linePaths[0].getAttribute('d')!;
    expect(d.startsWith('M')).toBe(true);
    expect(pathXs(d).length).toBeGreaterThanOrEqual(9);
    expect(p.texts).toEqual(expect.arrayContaining(['summary bin', 'fraction of events per bin', 'Summary distributions (normalised)']));
    expect(p.all('g[aria-label="legend"] text').map((t) => t.textContent)).toEqual(set.histograms.map((h) => h.process));
    expect(p.all('g[aria-label="legend"] line').map((l) => l.getAttribute('stroke-dasharray'))).toEqual([null, null, '5,3', '5,3']);
  });

  it('labels raw counts and given edges', () => {
    const p = parse(distributionPlot({ edges: [0, 0.25, 0.5, 0.75, 1], histograms: set.histograms.slice(0, 2) }));
    expect(p.linePaths).toHaveLength(2);
    expect(p.all('g[aria-label="line"]')).toHaveLength(1); // no variations: no dashed mark
    expect(p.texts).toEqual(expect.arrayContaining(['summary output', 'events per bin', 'Summary distributions', '0.2', '0.8']));
  });

  it('sums weighted entries per process and bin', () => {
    const entries = [
      { process: 'signal', bin: 2, weight: 1.5 },
      { process: 'background', bin: 0, weight: 10 },
      { process: 'signal', bin: 2, weight: 0.25 },
      { process: 'signal', bin: 0, weight: 1 },
      { process: 'background', bin: 1, weight: 4 },
    ];
    expect(distributionHistograms(entries)).toEqual({
      edges: [0, 1, 2, 3],
      histograms: [
        { process: 'signal', counts: [1, 0, 1.75] },
        { process: 'background', counts: [10, 4, 0] },
      ],
      edgesGiven: false,
    });
    expect(parse(distributionPlot(entries)).linePaths).toHaveLength(2);
  });

  it('rejects bad input, naming the entry', () => {
    expect(() => distributionPlot([])).toThrow('distributionPlot: no entries');
    expect(() => distributionPlot([{ process: 's', bin: 1.5, weight: 1 }])).toThrow('entries[0].bin must be an integer >= 0, got 1.5');
    expect(() => distributionPlot([{ process: 's', bin: 0, weight: NaN }])).toThrow('entries[0].weight must be finite');
    expect(() => distributionPlot({ histograms: [{ process: 's', counts: [1, 2] }, { process: 'b', counts: [1] }] })).toThrow(
      'histograms[1] ("b") has 1 bins, histograms[0] has 2',
    );
    expect(() => distributionPlot({ edges: [0, 1], histograms: [{ process: 's', counts: [1, 2] }] })).toThrow('edges has 2 values, 2 bins need 3');
    expect(() => distributionPlot({ edges: [0, 1, 1], histograms: [{ process: 's', counts: [1, 2] }] })).toThrow('edges must increase, edges[2] = 1 after 1');
    expect(() => distributionPlot({ histograms: [{ process: 's', counts: [1] }, { process: 's', counts: [2] }] })).toThrow('histograms[1] repeats process "s"');
  });
});

describe('profileCurvePlot', () => {
  const parabola = (w: number) => Array.from({ length: 21 }, (_, i) => ({ s: 10 + 4 * i, deltaNll: ((10 + 4 * i - 50) / w) ** 2 / 2 }));

  it('draws one line per method, sorted by s, and a rule at Delta NLL = 0.5', () => {
    const shuffled = [...parabola(19)].reverse();
    const svg = profileCurvePlot(
      [
        { method: 'inferno', points: parabola(15) },
        { method: 'bce', points: shuffled },
        { method: 'analytic', points: parabola(13) },
      ],
      { yMax: 2, height: 380 },
    );
    const p = expectStandalone(svg);
    expect(p.linePaths).toHaveLength(3);
    expect(p.linePaths.map(strokeOf)).toEqual([METHOD_COLORS.inferno, METHOD_COLORS.bce, '#59a14f']);
    const xs = pathXs(p.linePaths[1].getAttribute('d')!);
    expect(xs).toHaveLength(21);
    expect(xs.every((x, i) => i === 0 || x > xs[i - 1])).toBe(true);
    const rules = p.all('g[aria-label="rule"] line');
    expect(rules).toHaveLength(1);
    // y scale: domain [0, 2] onto [380 - 40, 20] = [340, 20]: 0.5 -> 340 - 0.25 * 320 = 260
    expect(Number(rules[0].getAttribute('y1'))).toBeCloseTo(260, 6);
    expect(p.texts).toEqual(expect.arrayContaining(['Delta NLL', 's (signal events)', 'Delta NLL = 0.5 (68% CL)', 'inferno', 'bce', 'analytic']));
    expect(svg).toContain('<clipPath'); // curves clipped at yMax
  });

  it('names mu on the axis for neos, and rejects bad curves', () => {
    expect(parse(profileCurvePlot([{ method: 'cls', points: [{ s: 0.5, deltaNll: 0.3 }, { s: 1, deltaNll: 0 }] }], { poi: 'mu' })).texts).toContain('mu (signal strength)');
    expect(() => profileCurvePlot([])).toThrow('profileCurvePlot: no curves');
    expect(() => profileCurvePlot([{ method: 'bce', points: [] }])).toThrow('curves[0] ("bce") has no points');
    expect(() => profileCurvePlot([{ method: 'bce', points: [{ s: NaN, deltaNll: 0 }] }])).toThrow('curves[0].points[0].s must be finite');
    const c = { method: 'bce', points: [{ s: 1, deltaNll: 0 }] };
    expect(() => profileCurvePlot([c, c])).toThrow('curves[1] repeats method "bce"');
  });
});

describe('sigmaComparisonPlot', () => {
  it('draws a dot per seed and a median tick per method, one panel per benchmark', () => {
    const p = expectStandalone(sigmaComparisonPlot(infernoResults().results));
    expect(p.all('g[aria-label="dot"] circle')).toHaveLength(7);
    expect(p.all('g[aria-label="tick"] line')).toHaveLength(3); // b0 inferno, b2 inferno, b2 bce
    expect(p.texts).toEqual(expect.arrayContaining(['benchmark 0', 'benchmark 2', 'sigma_s (Fisher)']));
    // benchmark 0 has one seed (14.567): the axis is padded to 14.567 +- 5%, not degenerate
    expect(p.texts).toEqual(expect.arrayContaining(['14.0', '14.6', '15.2']));
    expect(p.texts.filter((t) => /\d\.\d{4,}/.test(t))).toEqual([]);
  });
});

describe('writePlot / renderPng', () => {
  const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

  it('writes the SVG and a 1200 px PNG atomically, creating directories', () => {
    const dir = mkdtempSync(join(tmpdir(), 'diffinfer-report-'));
    const svg = trainingCurvesPlot([seedResult('inferno', 1, 1, 15, 16)]);
    const out = writePlot(svg, join(dir, 'plots', 'training'));
    expect(out).toEqual({ svg: join(dir, 'plots', 'training.svg'), png: join(dir, 'plots', 'training.png') });
    expect(readFileSync(out.svg, 'utf8')).toBe(svg);
    const png = readFileSync(out.png);
    expect([...png.subarray(0, 8)]).toEqual(PNG);
    expect(png.readUInt32BE(16)).toBe(1200); // IHDR width
    expect(readdirSync(join(dir, 'plots')).sort()).toEqual(['training.png', 'training.svg']); // no temporary files left
  });

  it('adds a missing xmlns, drops a given extension, and rejects non-SVG markup', () => {
    const dir = mkdtempSync(join(tmpdir(), 'diffinfer-report-'));
    const out = writePlot('<svg width="20" height="10"><rect width="20" height="10" fill="red"/></svg>', join(dir, 'tiny.svg'));
    expect(out.svg).toBe(join(dir, 'tiny.svg'));
    expect(readFileSync(out.svg, 'utf8')).toBe('<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10"><rect width="20" height="10" fill="red"/></svg>');
    const png = readFileSync(out.png);
    expect([...png.subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    expect(png.readUInt32BE(16)).toBe(1200);
    expect(png.readUInt32BE(20)).toBe(600); // aspect ratio kept
    expect(() => writePlot('<html></html>', join(dir, 'bad'))).toThrow('expected SVG markup starting with "<svg"');
    expect(readdirSync(dir).sort()).toEqual(['tiny.png', 'tiny.svg']);
    expect([...renderPng('<svg width="4" height="4"/>', 8).subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
  });
});
