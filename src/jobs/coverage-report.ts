/**
 * The report of a coverage run: `report.md` and the plots (coverage against the true POI with
 * binomial error bars, the width distribution, the pulls, and for the Neyman construction the
 * belt), as SVG + PNG drawn with Observable Plot and written by the experiments' `writePlot`
 * (resvg, atomic).
 *
 * Node-only.
 */
import * as Plot from '@observablehq/plot';
import { parseHTML } from 'linkedom';
import { join } from 'node:path';
import { writePlot } from '../../experiments/report/plots.js';
import { TARGET_COVERAGE, type CoverageRecord, type CoverageSummary } from '../stats/inference/coverage.js';
import type { NeymanBelt } from '../stats/inference/intervals.js';
import { writeFileAtomic } from '../stats/io.js';
import { describeTiming, type JobTiming } from '../parallel/job.js';

const WIDTH = 640;
const HEIGHT = 380;
const FONT = 'DejaVu Sans, Helvetica, Arial, sans-serif';

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * One Plot panel as a standalone SVG on white with a title (`size`: default 640 x 380; margins
 * in `options` override the defaults), what the coverage and challenge reports draw.
 *
 * @example
 * ```ts
 * const svg = plotPanel('Coverage', { marks: [Plot.dot(records, { x: 'mu', y: 'width' })] });
 * ```
 */
export function plotPanel(title: string, options: Plot.PlotOptions, size: { readonly width: number; readonly height: number } = { width: WIDTH, height: HEIGHT }): string {
  const document = parseHTML('<html><body></body></html>').document;
  const el = Plot.plot({ marginLeft: 60, marginBottom: 45, marginTop: 20, marginRight: 20, grid: true, ...options, width: size.width, height: size.height, document } as Plot.PlotOptions) as unknown as {
    outerHTML: string;
    setAttribute(n: string, v: string): void;
    querySelectorAll(s: string): ArrayLike<{ remove(): void }>;
  };
  Array.from(el.querySelectorAll('style')).forEach((s) => s.remove());
  el.setAttribute('x', '0');
  el.setAttribute('y', '30');
  el.setAttribute('font-family', FONT);
  el.setAttribute('font-size', '11');
  const h = size.height + 30;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size.width}" height="${h}" viewBox="0 0 ${size.width} ${h}" font-family="${FONT}">` +
    `<rect x="0" y="0" width="${size.width}" height="${h}" fill="white"/>` +
    `<text x="16" y="20" font-size="15" font-weight="bold">${escapeXml(title)}</text>${el.outerHTML}</svg>`
  );
}

/** The plots of a coverage run, as SVG markup by file name (without extension). */
export function coveragePlots(summary: CoverageSummary, records: readonly CoverageRecord[], belt?: NeymanBelt, poi = 'mu'): Record<string, string> {
  const bins = summary.bins.filter((b) => b.n > 0).map((b) => ({ ...b, mid: 0.5 * (b.muLow + b.muHigh), lo: b.coverage - b.error, hi: b.coverage + b.error }));
  const out: Record<string, string> = {};
  out.coverage = plotPanel(`Coverage ${summary.coverage.toFixed(4)} ± ${summary.coverageError.toFixed(4)} (N = ${summary.n}) against the true ${poi}`, {
    x: { label: `true ${poi}` },
    y: { label: 'coverage', domain: [Math.min(0.4, ...bins.map((b) => b.lo)), Math.max(0.9, ...bins.map((b) => b.hi))] },
    marks: [
      Plot.ruleY([TARGET_COVERAGE], { stroke: 'black' }),
      Plot.ruleY(summary.band, { stroke: '#888', strokeDasharray: '5,3' }),
      Plot.ruleX(bins, { x: 'mid', y1: 'lo', y2: 'hi', stroke: '#4e79a7', strokeWidth: 2 }),
      Plot.dot(bins, { x: 'mid', y: 'coverage', fill: '#4e79a7', r: 4 }),
    ],
  });
  out.widths = plotPanel(`Interval widths: mean ${summary.meanWidth.toPrecision(4)}, median ${summary.medianWidth.toPrecision(4)}`, {
    x: { label: 'width' },
    y: { label: 'pseudo-experiments' },
    marks: [
      Plot.rectY(records, { ...Plot.binX({ y: 'count' }, { x: 'width', thresholds: 30 }), fill: '#59a14f' }),
      Plot.ruleX([summary.meanWidth], { stroke: 'black', strokeDasharray: '5,3' }),
      Plot.ruleY([0]),
    ],
  });
  const pulls = records.filter((r) => r.pull !== null && Number.isFinite(r.pull)).map((r) => ({ pull: r.pull as number }));
  out.pulls = plotPanel(`Pulls: mean ${summary.pullMean.toFixed(3)}, standard deviation ${summary.pullStd.toFixed(3)}`, {
    x: { label: `(estimate - true ${poi}) / interval side` },
    y: { label: 'pseudo-experiments' },
    marks: [Plot.rectY(pulls, { ...Plot.binX({ y: 'count' }, { x: 'pull', thresholds: 40 }), fill: '#f28e2c' }), Plot.ruleX([0], { stroke: 'black' }), Plot.ruleY([0])],
  });
  if (belt) {
    const curve = belt.mu.map((mu, i) => ({ mu, mean: belt.mean[i], low: belt.lowEdge[i], high: belt.highEdge[i] }));
    out.belt = plotPanel(`Neyman belt (${belt.kind}, confidence ${belt.confidence.toFixed(4)}) of the estimator`, {
      x: { label: `true ${poi}` },
      y: { label: `estimated ${poi}` },
      marks: [
        Plot.areaY(curve, { x: 'mu', y1: 'low', y2: 'high', fill: '#4e79a7', fillOpacity: 0.2 }),
        Plot.line(curve, { x: 'mu', y: 'mean', stroke: '#4e79a7' }),
        Plot.line(curve, { x: 'mu', y: 'mu', stroke: '#888', strokeDasharray: '5,3' }),
        Plot.dot(belt.points, { x: 'mu', y: 'mean', fill: '#4e79a7' }),
        Plot.dot(belt.points, { x: 'mu', y: 'lowEdge', stroke: '#4e79a7' }),
        Plot.dot(belt.points, { x: 'mu', y: 'highEdge', stroke: '#4e79a7' }),
      ],
    });
  }
  return out;
}

const f = (x: number, d = 4) => (Number.isFinite(x) ? x.toFixed(d) : String(x));

/** The markdown report. */
export function coverageMarkdown(results: {
  /** `model`: a trained model's coverage (experiments/coverage-model.ts), `source` says how its pseudo-experiments are made. */
  inputs: { workspace: string; patches: readonly string[]; measurement: string; model?: string; source?: string };
  options: Record<string, unknown>;
  poi: string;
  truth: { source: string; values: Record<string, number>; held: readonly string[] };
  timing: JobTiming;
}, summary: CoverageSummary, plots: readonly string[], failures: readonly { index: number; reason: string; message: string }[]): string {
  const o = results.options;
  const lines = [
    `# Coverage of ${o.interval === 'neyman' ? 'Neyman (bias-corrected belt)' : 'profile-likelihood'} intervals`,
    '',
    results.inputs.model !== undefined
      ? `Trained model \`${results.inputs.model}\`: ${results.inputs.source ?? ''} Fitted with ${results.inputs.workspace}, POI \`${results.poi}\`.`
      : `Workspace \`${results.inputs.workspace}\`${results.inputs.patches.length ? ` + ${results.inputs.patches.map((p) => `\`${p}\``).join(' + ')}` : ''}, measurement \`${results.inputs.measurement}\`, POI \`${results.poi}\`.`,
    `${o.pseudo_experiments} pseudo-experiments, seed ${o.seed}: true ${results.poi} uniform in [${(o.mu_range as number[]).join(', ')}], nuisances ${o.nuisances === 'prior' ? 'drawn from their priors (auxiliary data nominal)' : 'at their true values (auxiliary data drawn from the constraints)'}; true values: ${results.truth.source}${results.truth.held.length ? ` (held: ${results.truth.held.join(', ')})` : ''}. Interval: t_mu <= ${o.level}${o.interval === 'neyman' ? `, belt of ${o.belt_points} points x ${o.belt_toys} pseudo-experiments` : ''}.`,
    '',
    '| quantity | value |',
    '|---|---|',
    `| pseudo-experiments with an interval | ${summary.n} (failed: ${summary.failures}) |`,
    `| coverage c | ${f(summary.coverage)} ± ${f(summary.coverageError)} |`,
    `| target band 0.6827 ± 2 sigma68 | [${f(summary.band[0])}, ${f(summary.band[1])}] — c is ${summary.inBand ? 'inside' : summary.coverage < summary.band[0] ? '**below** (undercovers)' : '**above** (overcovers)'} |`,
    `| mean width w (median) | ${f(summary.meanWidth)} (${f(summary.medianWidth)}) |`,
    `| score -ln((w + 1e-3) f(c)) | ${f(summary.score)} |`,
    `| one-sided intervals (an end at a bound) | ${summary.oneSided} |`,
    `| pulls: mean, standard deviation | ${f(summary.pullMean, 3)}, ${f(summary.pullStd, 3)} |`,
    `| wall time | ${describeTiming(results.timing)} |`,
    '',
    '## Coverage in bins of the true POI',
    '',
    `| true ${results.poi} | N | coverage |`,
    '|---|---|---|',
    ...summary.bins.map((b) => `| [${f(b.muLow, 3)}, ${f(b.muHigh, 3)}) | ${b.n} | ${b.n ? `${f(b.coverage)} ± ${f(b.error)}` : '-'} |`),
    '',
    '## Plots',
    '',
    ...plots.map((p) => `![${p}](plots/${p}.png)`),
    '',
  ];
  if (failures.length) {
    const by = new Map<string, { n: number; example: string }>();
    for (const x of failures) {
      const e = by.get(x.reason) ?? { n: 0, example: x.message };
      e.n++;
      by.set(x.reason, e);
    }
    lines.push('## Failed pseudo-experiments', '', '| reason | count | first message |', '|---|---|---|', ...[...by].map(([r, e]) => `| ${r} | ${e.n} | ${e.example.replace(/\|/g, '\\|')} |`), '');
  }
  return lines.join('\n');
}

/** Writes the plots and report.md of a coverage run under `out` (each file atomically). */
export function writeCoverageReport(
  out: string,
  results: Parameters<typeof coverageMarkdown>[0] & { failures: readonly { index: number; reason: string; message: string }[] },
  summary: CoverageSummary,
  records: readonly CoverageRecord[],
  belt?: NeymanBelt,
): void {
  const plots = coveragePlots(summary, records, belt, results.poi);
  for (const [name, svg] of Object.entries(plots)) writePlot(svg, join(out, 'plots', name));
  writeFileAtomic(join(out, 'report.md'), coverageMarkdown(results, summary, Object.keys(plots), results.failures));
}
