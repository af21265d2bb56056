/** The panel's figures, drawn with Observable Plot (as the CLI's reports). */
import * as Plot from '@observablehq/plot';
import type { Pull, ScanSummary } from './analysis.js';

const YELLOW = '#fde74c';
const GREEN = '#5bc05b';

/**
 * CLs against the POI over the scan: the expected median (dashed) in its +-1 sigma (green) and
 * +-2 sigma (yellow) bands, the observed CLs (black), the level (red) and the observed limit.
 */
export function brazilPlot(scan: ScanSummary, poi: string, width: number): SVGSVGElement | HTMLElement {
  const rows = scan.points.map((p) => ({ mu: p.mu, obs: p.clsObs, m2: p.clsExp[0], m1: p.clsExp[1], med: p.clsExp[2], p1: p.clsExp[3], p2: p.clsExp[4] }));
  return Plot.plot({
    width,
    height: 320,
    marginLeft: 50,
    x: { label: poi, domain: [scan.range.lo, scan.range.hi] },
    y: { label: 'CLs', domain: [0, 1] },
    marks: [
      Plot.areaY(rows, { x: 'mu', y1: 'm2', y2: 'p2', fill: YELLOW }),
      Plot.areaY(rows, { x: 'mu', y1: 'm1', y2: 'p1', fill: GREEN }),
      Plot.lineY(rows, { x: 'mu', y: 'med', stroke: 'black', strokeDasharray: '5,4' }),
      Plot.lineY(rows, { x: 'mu', y: 'obs', stroke: 'black', strokeWidth: 2 }),
      Plot.dot(rows, { x: 'mu', y: 'obs', fill: 'black', r: 2.5 }),
      Plot.ruleY([scan.level], { stroke: '#d62728' }),
      Plot.ruleX([scan.obs], { stroke: '#d62728', strokeDasharray: '2,3' }),
      Plot.text([{ x: scan.obs, y: 0.97 }], { x: 'x', y: 'y', text: () => `obs. limit ${scan.obs.toPrecision(4)}`, dx: 4, textAnchor: 'start', fill: '#d62728' }),
      Plot.frame({ stroke: '#999' }),
    ],
  });
}

/** Pulls of the constrained nuisance parameters with their errors, on +-1 (green) and +-2 (yellow) bands. */
export function pullPlot(pulls: readonly Pull[], width: number): SVGSVGElement | HTMLElement {
  const names = pulls.map((p) => p.name);
  const longest = Math.max(0, ...names.map((n) => n.length));
  const extent = Math.max(2.5, ...pulls.map((p) => Math.abs(p.pull) + p.error)) * 1.05;
  return Plot.plot({
    width,
    height: 40 + 16 * pulls.length,
    marginLeft: Math.min(260, 12 + 6.5 * longest),
    x: { label: '(θ̂ − θ₀) / Δθ', domain: [-extent, extent] },
    y: { label: null, domain: names },
    marks: [
      Plot.rectX([{ a: -2, b: 2 }], { x1: 'a', x2: 'b', fill: YELLOW, fillOpacity: 0.6 }),
      Plot.rectX([{ a: -1, b: 1 }], { x1: 'a', x2: 'b', fill: GREEN, fillOpacity: 0.6 }),
      Plot.ruleX([0], { stroke: '#555' }),
      Plot.ruleY(pulls, { y: 'name', x1: (p: Pull) => p.pull - p.error, x2: (p: Pull) => p.pull + p.error, stroke: 'black' }),
      Plot.dot(pulls, { y: 'name', x: 'pull', fill: 'black', r: 3, title: (p: Pull) => `${p.name}: ${p.pull.toPrecision(4)} ± ${p.error.toPrecision(3)} (${p.constraint})` }),
      Plot.frame({ stroke: '#999' }),
    ],
  });
}
