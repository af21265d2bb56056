/**
 * The report of a challenge protocol run (experiments/challenge/protocol.ts): `report.md` with
 * the table (per arm pooled over seeds, and per seed; profile and Neyman intervals) and the
 * plots in `plots/` (SVG + PNG, Observable Plot through the experiments' `writePlot`): coverage
 * against the true mu, mean width against the true mu, the pulls, the score per arm.
 *
 * Node-only.
 */
import * as Plot from '@observablehq/plot';
import { join } from 'node:path';
import { TARGET_COVERAGE, type CoverageRecord, type CoverageSummary, type IntervalMethod } from '../../src/stats/inference/coverage.js';
import { writeFileAtomic } from '../../src/stats/io.js';
import { plotPanel } from '../../src/jobs/coverage-report.js';
import { writePlot } from '../report/plots.js';
import type { ChallengeArmResult } from './protocol.js';

const INTERVALS: readonly IntervalMethod[] = ['profile', 'neyman'];

const SIZE = { width: 720, height: 400 } as const;
/** The report's margins: room for the arm labels at the lines' ends. */
const MARGINS = { marginLeft: 110, marginBottom: 45, marginTop: 20, marginRight: 100 } as const;
const figure = (title: string, options: Plot.PlotOptions): string => plotPanel(title, { ...MARGINS, ...options }, SIZE);

/** Mean width per bin of the true mu (the coverage summary's bins). */
function widthBins(summary: CoverageSummary, records: readonly CoverageRecord[]) {
  return summary.bins
    .map((b, k) => {
      const last = k === summary.bins.length - 1;
      const inBin = records.filter((r) => r.mu >= b.muLow && (r.mu < b.muHigh || (last && r.mu <= b.muHigh)));
      return { mid: 0.5 * (b.muLow + b.muHigh), n: inBin.length, width: inBin.reduce((s, r) => s + r.width, 0) / Math.max(1, inBin.length) };
    })
    .filter((b) => b.n > 0);
}

/**
 * The plots of a protocol run as SVG markup by file name (without extension).
 *
 * @example
 * ```ts
 * const svgs = challengePlots(results.arms, (arm, m) => recordsOf(arm, m));
 * Object.keys(svgs); // coverage-profile, coverage-neyman, width-profile, ..., score
 * ```
 */
export function challengePlots(arms: readonly ChallengeArmResult[], recordsOf: (arm: string, method: IntervalMethod) => readonly CoverageRecord[]): Record<string, string> {
  const out: Record<string, string> = {};
  // no Plot legend (it makes a <figure>, not an SVG): the lines are labelled at their last point
  const color = { domain: arms.map((a) => a.arm), range: arms.map((a) => a.color) };
  for (const m of INTERVALS) {
    const withM = arms.filter((a) => a.pooled[m]);
    if (withM.length === 0) continue;
    const cov = withM.flatMap((a) => a.pooled[m]!.bins.filter((b) => b.n > 0).map((b) => ({ arm: a.arm, mid: 0.5 * (b.muLow + b.muHigh), coverage: b.coverage, lo: b.coverage - b.error, hi: b.coverage + b.error })));
    out[`coverage-${m}`] = figure(`Coverage of the ${m} intervals against the true mu (pooled over seeds)`, {
      x: { label: 'true mu' },
      y: { label: 'coverage', domain: [Math.min(0.3, ...cov.map((c) => c.lo)), Math.max(1, ...cov.map((c) => c.hi))] },
      color,
      marks: [
        Plot.ruleY([TARGET_COVERAGE], { stroke: 'black' }),
        Plot.ruleX(cov, { x: 'mid', y1: 'lo', y2: 'hi', stroke: 'arm', strokeOpacity: 0.5 }),
        Plot.line(cov, { x: 'mid', y: 'coverage', stroke: 'arm' }),
        Plot.dot(cov, { x: 'mid', y: 'coverage', fill: 'arm', r: 3 }),
        Plot.text(cov, Plot.selectLast({ x: 'mid', y: 'coverage', z: 'arm', text: 'arm', fill: 'arm', dx: 6, textAnchor: 'start' })),
      ],
    });
    const widths = withM.flatMap((a) => widthBins(a.pooled[m]!, recordsOf(a.arm, m)).map((b) => ({ arm: a.arm, ...b })));
    out[`width-${m}`] = figure(`Mean width of the ${m} intervals against the true mu`, {
      x: { label: 'true mu' },
      y: { label: 'mean width' },
      color,
      marks: [
        Plot.line(widths, { x: 'mid', y: 'width', stroke: 'arm' }),
        Plot.dot(widths, { x: 'mid', y: 'width', fill: 'arm', r: 3 }),
        Plot.text(widths, Plot.selectLast({ x: 'mid', y: 'width', z: 'arm', text: 'arm', fill: 'arm', dx: 6, textAnchor: 'start' })),
      ],
    });
    const pulls = withM.flatMap((a) => recordsOf(a.arm, m).filter((r) => r.pull !== null && Number.isFinite(r.pull)).map((r) => ({ arm: a.arm, pull: Math.max(-5, Math.min(5, r.pull as number)) })));
    out[`pulls-${m}`] = figure(`Pulls (estimate - mu) / interval side, ${m} intervals (clipped to +-5)`, {
      x: { label: 'pull', domain: [-5, 5] },
      y: { label: null, domain: withM.map((a) => a.arm) },
      color,
      marks: [Plot.ruleX([-1, 0, 1], { stroke: '#888' }), Plot.boxX(pulls, { x: 'pull', y: 'arm', fill: 'arm' })],
    });
  }
  const scores = arms.flatMap((a) => INTERVALS.filter((m) => a.pooled[m]).map((m) => ({ label: `${a.arm} (${m})`, arm: a.arm, score: a.pooled[m]!.score })));
  if (scores.length > 0) {
    out.score = figure('Challenge score -ln((w + 1e-3) f(c)) per arm and interval (higher is better)', {
      marginLeft: 170,
      x: { label: 'score' },
      y: { label: null, domain: scores.map((s) => s.label) },
      color,
      marks: [Plot.barX(scores, { x: 'score', y: 'label', fill: 'arm' }), Plot.ruleX([0])],
    });
  }
  return out;
}

const f = (x: number, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : String(x));

function row(label: string, seeds: string, m: IntervalMethod, s: CoverageSummary): string {
  return `| ${label} | ${seeds} | ${m} | ${s.n} | ${f(s.coverage)} ± ${f(s.coverageError)} | ${f(s.meanWidth)} | ${f(s.score)} | ${s.inBand ? 'yes' : 'no'} | ${f(s.pullMean, 2)} / ${f(s.pullStd, 2)} | ${s.failures} |`;
}

/**
 * The markdown table of a protocol run: per arm pooled over seeds, then per seed.
 *
 * @example
 * ```ts
 * challengeTable(results.arms).split('\n')[0]; // '| arm | seeds | interval | N | coverage | ...'
 * ```
 */
export function challengeTable(arms: readonly ChallengeArmResult[]): string {
  const head = ['| arm | seeds | interval | N | coverage ± error | mean width | score | in band | pull mean / std | failed fits |', '|---|---|---|---|---|---|---|---|---|---|'];
  const pooled: string[] = [];
  const perSeed: string[] = [];
  for (const a of arms) {
    for (const m of INTERVALS) if (a.pooled[m]) pooled.push(row(`**${a.arm}**`, `${a.pooled[m]!.seeds} pooled`, m, a.pooled[m]!));
    for (const s of a.seeds) {
      if (s.training.status === 'failed') {
        perSeed.push(`| ${a.arm} | ${s.seed} | — | — | training failed: ${(s.training.error ?? '').replace(/\|/g, '/')} | | | | | |`);
        continue;
      }
      for (const m of INTERVALS) if (s.intervals?.[m]) perSeed.push(row(a.arm, String(s.seed), m, s.intervals[m]!.summary));
    }
  }
  return [...head, ...pooled, ...perSeed].join('\n');
}

/** Writes `report.md` and `plots/` of a protocol run under `out` (each file whole or absent). */
export function writeChallengeReport(out: string, results: { readonly options: Record<string, unknown>; readonly pooling: string; readonly arms: readonly ChallengeArmResult[]; readonly seconds: number }, recordsOf: (arm: string, method: IntervalMethod) => readonly CoverageRecord[]): void {
  const plots = challengePlots(results.arms, recordsOf);
  for (const [name, svg] of Object.entries(plots)) writePlot(svg, join(out, 'plots', name));
  const o = results.options as { pseudo_experiments: number; seeds: number; mu_range: number[]; belt_points: number; belt_toys: number; training: Record<string, unknown> };
  const cost = results.arms.flatMap((a) => a.seeds.flatMap((s) => INTERVALS.filter((m) => s.intervals?.[m]).map((m) => `${a.arm}/${s.seed}/${m}: ${(1000 * s.intervals![m]!.pseudoExperimentSeconds).toFixed(1)} ms`)));
  const lines = [
    '# Challenge protocol',
    '',
    `${o.seeds} seed(s) x ${results.arms.length} arm(s); ${o.pseudo_experiments} pseudo-experiments per arm and seed, true mu ~ U[${o.mu_range.join(', ')}], the six nuisances from the challenge's priors, events bootstrapped (Poisson per bin = per-event Poisson multiplicities) from the test split the templates come from. Profile: t_mu <= 1 (68.27%); Neyman: bias-corrected belt of ${o.belt_points} x ${o.belt_toys} simulated pseudo-experiments.`,
    `Training: ${JSON.stringify(o.training)}. ${results.pooling}.`,
    '',
    challengeTable(results.arms),
    '',
    `Score: -ln((w + 1e-3) f(c)), f = 1 inside 0.6827 ± 2 sigma68(N). Pull: (estimate - mu) / (interval side towards mu).`,
    '',
    '## Plots',
    '',
    ...Object.keys(plots).map((n) => `![${n}](plots/${n}.svg)`),
    '',
    `Seconds per pseudo-experiment (unit time / pseudo-experiments incl. the belt): ${cost.join('; ')}. Wall time ${results.seconds.toFixed(1)} s.`,
    '',
  ];
  writeFileAtomic(join(out, 'report.md'), lines.join('\n'));
}
