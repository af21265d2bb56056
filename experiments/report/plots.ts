/**
 * Plots of the INFERNO / neos experiments, as standalone SVG (drawn with Observable Plot on a
 * linkedom document, no browser) and PNG (rendered by resvg), written atomically.
 *
 * Every figure is one `<svg>` on a white background: a title, a legend of coloured line
 * swatches, and one or more panels (nested `<svg>` elements made by Plot). The data marks of a
 * panel are Plot's: each line is a `<path>` inside `<g aria-label="line">`, each dot a
 * `<circle>` inside `<g aria-label="dot">`.
 */
import * as Plot from '@observablehq/plot';
import { Resvg } from '@resvg/resvg-js';
import { parseHTML } from 'linkedom';
import { writeFileAtomic } from '../../src/stats/io.js';
import { quantile } from './summary.js';
import { METHODS as METHOD_REGISTRY } from '../../src/models/methods.js';
import { METHODS, type Method, type SeedResult } from './types.js';

const SVG_NS = 'http://www.w3.org/2000/svg';
const FONT = 'DejaVu Sans, Helvetica, Arial, sans-serif';

/** Colours of the methods (the method registry's, Tableau 10), the same in every plot. */
export const METHOD_COLORS: Readonly<Record<Method, string>> = Object.fromEntries(METHODS.map((m) => [m, METHOD_REGISTRY[m].color])) as Record<Method, string>;

/** Colours for other series (processes, free method names), in order (Tableau 10). */
const PALETTE = ['#4e79a7', '#e15759', '#59a14f', '#f28e2c', '#af7aa1', '#76b7b2', '#edc949', '#ff9da7', '#9c755f', '#bab0ab'];

/** What the POI is called on the axes: s (a signal count) or mu (a signal strength). */
export type PoiName = 's' | 'mu';

const POI_AXIS: Record<PoiName, string> = { s: 's (signal events)', mu: 'mu (signal strength)' };

/** The part of a Plot result this module uses (linkedom element). */
interface PlotElement {
  outerHTML: string;
  setAttribute(name: string, value: string): void;
  querySelectorAll(selector: string): ArrayLike<{ remove(): void }>;
}

function plotDocument(): unknown {
  return parseHTML('<html><body></body></html>').document;
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A colour for a free series name: the method colour for a method id, else the palette in order. */
function colorFor(name: string, index: number): string {
  return (METHOD_COLORS as Record<string, string>)[name] ?? PALETTE[index % PALETTE.length];
}

interface Panel {
  title?: string;
  /** Plot options (document, size and style are filled in). */
  plot: Plot.PlotOptions;
}

interface LegendEntry {
  label: string;
  color: string;
  dashed?: boolean;
}

interface FigureSpec {
  title: string;
  legend: readonly LegendEntry[];
  /** Panels in rows. */
  rows: readonly (readonly Panel[])[];
  panelWidth: number;
  panelHeight: number;
}

const MARGIN = 16;
const TITLE_HEIGHT = 30;
const LEGEND_ROW = 20;
const PANEL_TITLE = 20;
const CHAR_WIDTH = 7;

/**
 * A y domain for `values`: undefined (Plot's default) when they span a range, else the value
 * +-5% (or +-1 around 0), so a single value does not give a degenerate axis.
 */
function degenerateDomain(values: readonly number[]): [number, number] | undefined {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return undefined;
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  if (hi > lo) return undefined;
  const pad = Math.abs(lo) * 0.05 || 1;
  return [lo - pad, lo + pad];
}

/** Renders one Plot panel to SVG markup, placed at (x, y) of the figure. */
function renderPanel(panel: Panel, x: number, y: number, width: number, height: number): string {
  const el = Plot.plot({
    marginLeft: 60,
    marginBottom: 40,
    marginRight: 20,
    marginTop: 20,
    grid: true,
    ...panel.plot,
    width,
    height,
    document: plotDocument() as Plot.PlotOptions['document'],
  }) as unknown as PlotElement;
  // Plot's <style> only concerns HTML embedding (display, max-width); drop it from standalone SVG.
  Array.from(el.querySelectorAll('style')).forEach((s) => s.remove());
  el.setAttribute('x', String(x));
  el.setAttribute('y', String(y));
  el.setAttribute('font-family', FONT);
  el.setAttribute('font-size', '11');
  el.setAttribute('xmlns', SVG_NS);
  return el.outerHTML;
}

/** Lays out the legend entries in rows within `width`; returns markup and height. */
function renderLegend(entries: readonly LegendEntry[], x0: number, y0: number, width: number): { markup: string; height: number } {
  if (entries.length === 0) return { markup: '', height: 0 };
  const parts: string[] = [];
  let x = x0;
  let y = y0 + LEGEND_ROW / 2;
  for (const e of entries) {
    const w = 30 + e.label.length * CHAR_WIDTH + 18;
    if (x > x0 && x + w > x0 + width) {
      x = x0;
      y += LEGEND_ROW;
    }
    parts.push(
      `<line x1="${x}" y1="${y}" x2="${x + 24}" y2="${y}" stroke="${e.color}" stroke-width="2.5"${e.dashed ? ' stroke-dasharray="5,3"' : ''}/>`,
      `<text x="${x + 30}" y="${y}" dy="0.35em" font-size="12">${escapeXml(e.label)}</text>`,
    );
    x += w;
  }
  return { markup: `<g aria-label="legend" fill="black">${parts.join('')}</g>`, height: y - y0 + LEGEND_ROW / 2 + 6 };
}

/** Assembles title, legend and panels into one standalone SVG on white. */
function figure(spec: FigureSpec): string {
  const columns = Math.max(...spec.rows.map((r) => r.length));
  // wide enough for the title (bold, ~10 px a character at 16 px)
  const width = Math.max(MARGIN * 2 + columns * spec.panelWidth, MARGIN * 2 + Math.ceil(spec.title.length * 10));
  const title = `<text x="${MARGIN}" y="${MARGIN + 8}" dy="0.35em" font-size="16" font-weight="bold">${escapeXml(spec.title)}</text>`;
  const legend = renderLegend(spec.legend, MARGIN, MARGIN + TITLE_HEIGHT, width - 2 * MARGIN);
  let y = MARGIN + TITLE_HEIGHT + legend.height;
  const panels: string[] = [];
  for (const row of spec.rows) {
    const hasTitles = row.some((p) => p.title);
    row.forEach((p, i) => {
      const x = MARGIN + i * spec.panelWidth;
      if (p.title) panels.push(`<text x="${x + spec.panelWidth / 2}" y="${y + PANEL_TITLE / 2}" dy="0.35em" text-anchor="middle" font-size="13">${escapeXml(p.title)}</text>`);
      panels.push(renderPanel(p, x, y + (hasTitles ? PANEL_TITLE : 0), spec.panelWidth, spec.panelHeight));
    });
    y += spec.panelHeight + (hasTitles ? PANEL_TITLE : 0);
  }
  const height = y + MARGIN;
  return (
    `<svg xmlns="${SVG_NS}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT}" fill="black">` +
    `<rect x="0" y="0" width="${width}" height="${height}" fill="white"/>` +
    `${title}${legend.markup}${panels.join('')}</svg>`
  );
}

/**
 * Options of {@link trainingCurvesPlot}.
 *
 * @example
 * ```ts
 * const o: TrainingCurvesOptions = { benchmark: 2, title: 'Benchmark 2: training', poi: 's' };
 * ```
 */
export interface TrainingCurvesOptions {
  /** Only the runs of this benchmark (default: all runs). */
  benchmark?: number;
  title?: string;
  /** POI name on the validation axis (default `'s'`). */
  poi?: PoiName;
  /** Size of one panel in pixels (default 320 x 230). */
  panelWidth?: number;
  panelHeight?: number;
}

const lossLabel = (m: Method, poi: PoiName) => METHOD_REGISTRY[m].lossLabel(poi);

/**
 * Training curves: one column of panels per method (in {@link METHODS} order), the training loss
 * per epoch in the first row (each method its own y axis, as the losses differ in kind), and
 * the validation width (Fisher sigma of the POI on hard histograms) in a second row with one y
 * axis shared by all methods, when any epoch has a validation value. Each (method, benchmark,
 * seed) is one line, coloured by method. Throws a `RangeError` when no selected run has a
 * history.
 *
 * @param results - seed results with their `history`.
 * @returns the figure as a standalone SVG string.
 * @example
 * ```ts
 * const svg = trainingCurvesPlot(experiment.results, { benchmark: 2 });
 * writePlot(svg, 'out/plots/training-b2');  // out/plots/training-b2.svg and .png
 * ```
 */
export function trainingCurvesPlot(results: readonly SeedResult[], options: TrainingCurvesOptions = {}): string {
  const poi = options.poi ?? 's';
  const selected = results.filter((r) => (options.benchmark === undefined || r.benchmark === options.benchmark) && r.history.length > 0);
  if (selected.length === 0) {
    const which = options.benchmark === undefined ? '' : ` of benchmark ${options.benchmark}`;
    throw new RangeError(`trainingCurvesPlot: no run${which} has a training history to plot`);
  }
  const methods = METHODS.filter((m) => selected.some((r) => r.method === m));
  type Point = { series: string; epoch: number; loss: number; validation?: number };
  const points = (m: Method): Point[] =>
    selected
      .filter((r) => r.method === m)
      .flatMap((r) => r.history.map((h) => ({ series: `${r.benchmark}/${r.seed}`, epoch: h.epoch, loss: h.loss, validation: h.validation })));
  const validations = selected.flatMap((r) => r.history.map((h) => h.validation)).filter((v): v is number => v !== undefined && Number.isFinite(v));
  const lossRow: Panel[] = methods.map((m) => ({
    title: `${m}: training loss`,
    plot: {
      x: { label: 'epoch', labelArrow: 'none' },
      y: { label: lossLabel(m, poi), labelArrow: 'none', domain: degenerateDomain(points(m).map((p) => p.loss)) },
      marks: [Plot.lineY(points(m), { x: 'epoch', y: 'loss', z: 'series', stroke: METHOD_COLORS[m], strokeWidth: 1.5 })],
    },
  }));
  const rows: Panel[][] = [lossRow];
  if (validations.length > 0) {
    const lo = Math.min(...validations);
    const hi = Math.max(...validations);
    const pad = hi > lo ? 0.05 * (hi - lo) : 0.05 * Math.abs(hi) || 1;
    rows.push(
      methods.map((m) => ({
        title: `${m}: validation`,
        plot: {
          x: { label: 'epoch', labelArrow: 'none' },
          y: { label: `validation sigma_${poi} (Fisher)`, labelArrow: 'none', domain: [lo - pad, hi + pad] },
          marks: [
            Plot.lineY(
              points(m).filter((p) => p.validation !== undefined),
              { x: 'epoch', y: 'validation', z: 'series', stroke: METHOD_COLORS[m], strokeWidth: 1.5 },
            ),
          ],
        },
      })),
    );
  }
  const benchmarkNote = options.benchmark === undefined ? '' : ` (benchmark ${options.benchmark})`;
  return figure({
    title: options.title ?? `Training curves${benchmarkNote}: one line per seed`,
    legend: methods.map((m) => ({ label: m, color: METHOD_COLORS[m] })),
    rows,
    panelWidth: options.panelWidth ?? 320,
    panelHeight: options.panelHeight ?? 230,
  });
}

/**
 * One weighted entry of a distribution: `weight` goes to bin `bin` (an integer from 0) of
 * `process` (a process or a variation, e.g. `'background r up'`). Entries of the same process
 * and bin add up, so events can be passed one by one.
 *
 * @example
 * ```ts
 * const e: DistributionEntry = { process: 'signal', bin: 3, weight: 1.25 };
 * ```
 */
export interface DistributionEntry {
  process: string;
  bin: number;
  weight: number;
}

/**
 * Distributions in histogram form: per process its counts per bin, all of the same length B,
 * and optionally the B + 1 bin edges of the summary (default: the bin indices 0..B).
 *
 * @example
 * ```ts
 * const h: HistogramSet = { edges: [0, 0.5, 1], histograms: [{ process: 'signal', counts: [2, 8] }] };
 * ```
 */
export interface HistogramSet {
  edges?: readonly number[];
  histograms: readonly { process: string; counts: ArrayLike<number> }[];
}

/**
 * Options of {@link distributionPlot}.
 *
 * @example
 * ```ts
 * const o: DistributionOptions = { normalise: true, xLabel: 'summary output' };
 * ```
 */
export interface DistributionOptions {
  title?: string;
  /** Divide each process by its total, to compare shapes (default false). */
  normalise?: boolean;
  /** x axis label (default `'summary bin'`, or `'summary output'` with edges). */
  xLabel?: string;
  width?: number;
  height?: number;
}

/**
 * Both input forms of {@link distributionPlot} as bin edges and per-process counts, validated:
 * entries are summed per process and bin (processes in order of first appearance, missing bins
 * 0, edges the bin indices 0..B); a {@link HistogramSet} is checked (equal lengths, finite
 * counts, B + 1 increasing edges). `edgesGiven` says whether the edges came with the data.
 * Throws a `RangeError` naming the offending entry.
 *
 * @example
 * ```ts
 * distributionHistograms([{ process: 'signal', bin: 1, weight: 2 }, { process: 'signal', bin: 1, weight: 0.5 }]);
 * // { edges: [0, 1, 2], histograms: [{ process: 'signal', counts: [0, 2.5] }], edgesGiven: false }
 * ```
 */
export function distributionHistograms(data: readonly DistributionEntry[] | HistogramSet): {
  edges: number[];
  histograms: { process: string; counts: number[] }[];
  edgesGiven: boolean;
} {
  if (Array.isArray(data)) {
    const entries = data as readonly DistributionEntry[];
    if (entries.length === 0) throw new RangeError('distributionPlot: no entries');
    const byProcess = new Map<string, number[]>();
    let bins = 0;
    entries.forEach((e, i) => {
      if (!Number.isInteger(e.bin) || e.bin < 0) throw new RangeError(`distributionPlot: entries[${i}].bin must be an integer >= 0, got ${e.bin}`);
      if (!Number.isFinite(e.weight)) throw new RangeError(`distributionPlot: entries[${i}].weight must be finite, got ${e.weight}`);
      bins = Math.max(bins, e.bin + 1);
    });
    for (const e of entries) {
      let c = byProcess.get(e.process);
      if (!c) byProcess.set(e.process, (c = []));
      c[e.bin] = (c[e.bin] ?? 0) + e.weight;
    }
    const histograms = [...byProcess].map(([process, c]) => ({ process, counts: Array.from({ length: bins }, (_, k) => c[k] ?? 0) }));
    return { edges: Array.from({ length: bins + 1 }, (_, k) => k), histograms, edgesGiven: false };
  }
  const set = data as HistogramSet;
  if (set.histograms.length === 0) throw new RangeError('distributionPlot: no histograms');
  const bins = set.histograms[0].counts.length;
  if (bins === 0) throw new RangeError(`distributionPlot: histograms[0] ("${set.histograms[0].process}") has no bins`);
  set.histograms.forEach((h, i) => {
    const first = set.histograms.findIndex((o) => o.process === h.process);
    if (first !== i) throw new RangeError(`distributionPlot: histograms[${i}] repeats process "${h.process}" of histograms[${first}]`);
    if (h.counts.length !== bins) throw new RangeError(`distributionPlot: histograms[${i}] ("${h.process}") has ${h.counts.length} bins, histograms[0] has ${bins}`);
    Array.from(h.counts).forEach((c, k) => {
      if (!Number.isFinite(c)) throw new RangeError(`distributionPlot: histograms[${i}].counts[${k}] ("${h.process}") must be finite, got ${c}`);
    });
  });
  if (set.edges) {
    if (set.edges.length !== bins + 1) throw new RangeError(`distributionPlot: edges has ${set.edges.length} values, ${bins} bins need ${bins + 1}`);
    for (let k = 1; k < set.edges.length; k++) {
      if (!(set.edges[k] > set.edges[k - 1])) throw new RangeError(`distributionPlot: edges must increase, edges[${k}] = ${set.edges[k]} after ${set.edges[k - 1]}`);
    }
  }
  return {
    edges: set.edges ? [...set.edges] : Array.from({ length: bins + 1 }, (_, k) => k),
    histograms: set.histograms.map((h) => ({ process: h.process, counts: Array.from(h.counts) })),
    edgesGiven: set.edges !== undefined,
  };
}

/** A process name that denotes an up/down (or hi/lo) variation: drawn dashed. */
function isVariation(process: string): boolean {
  return /\b(up|down|hi|lo)\b/i.test(process);
}

/**
 * Summary distributions per process and variation (e.g. signal, background, background r up /
 * down) as step histograms over the summary bins: one line per process (a `<path>`), coloured
 * by process in order of appearance; variations (names with a word `up`, `down`, `hi` or `lo`)
 * dashed. Takes weighted entries ({@link DistributionEntry}, summed per process and bin) or
 * histograms ({@link HistogramSet}). Throws a `RangeError` naming the entry on bad input
 * (negative or fractional bin, non-finite weight, a repeated process, unequal bin counts,
 * non-increasing edges).
 *
 * @returns the figure as a standalone SVG string.
 * @example
 * ```ts
 * const svg = distributionPlot({
 *   histograms: [
 *     { process: 'signal', counts: [2, 5, 30, 13] },
 *     { process: 'background', counts: [600, 250, 100, 50] },
 *     { process: 'background r up', counts: [560, 260, 115, 65] },
 *   ],
 * }, { normalise: true });
 * ```
 */
export function distributionPlot(data: readonly DistributionEntry[] | HistogramSet, options: DistributionOptions = {}): string {
  const { edges, histograms: hists, edgesGiven } = distributionHistograms(data);
  const normalise = options.normalise ?? false;
  type Point = { process: string; x: number; y: number };
  const steps: Point[] = [];
  for (const h of hists) {
    const total = h.counts.reduce((a, b) => a + b, 0);
    const scale = normalise ? (total !== 0 ? 1 / total : 0) : 1;
    const c = h.counts.map((v) => v * scale);
    // step-after outline: up from 0 at the left edge, across each bin, down to 0 at the right edge
    steps.push({ process: h.process, x: edges[0], y: 0 });
    c.forEach((v, k) => steps.push({ process: h.process, x: edges[k], y: v }));
    steps.push({ process: h.process, x: edges[edges.length - 1], y: c[c.length - 1] });
    steps.push({ process: h.process, x: edges[edges.length - 1], y: 0 });
  }
  const processes = hists.map((h) => h.process);
  const colors = processes.map((p, i) => PALETTE[i % PALETTE.length]);
  const lineOptions = (dashed: boolean) => ({
    x: 'x',
    y: 'y',
    z: 'process',
    stroke: 'process',
    curve: 'step-after' as const,
    strokeWidth: 2,
    ...(dashed ? { strokeDasharray: '5,3' } : {}),
  });
  const solid = steps.filter((p) => !isVariation(p.process));
  const dashed = steps.filter((p) => isVariation(p.process));
  const marks: Plot.Markish[] = [Plot.ruleY([0], { stroke: '#888' })];
  if (solid.length > 0) marks.push(Plot.lineY(solid, lineOptions(false)));
  if (dashed.length > 0) marks.push(Plot.lineY(dashed, lineOptions(true)));
  const width = options.width ?? 640;
  return figure({
    title: options.title ?? (normalise ? 'Summary distributions (normalised)' : 'Summary distributions'),
    legend: processes.map((p, i) => ({ label: p, color: colors[i], dashed: isVariation(p) })),
    rows: [
      [
        {
          plot: {
            x: { label: options.xLabel ?? (edgesGiven ? 'summary output' : 'summary bin'), labelArrow: 'none', domain: [edges[0], edges[edges.length - 1]] },
            y: { label: normalise ? 'fraction of events per bin' : 'events per bin', labelArrow: 'none' },
            color: { domain: processes, range: colors },
            marks,
          },
        },
      ],
    ],
    panelWidth: width - 2 * MARGIN,
    panelHeight: options.height ?? 360,
  });
}

/**
 * A profile-likelihood scan of one method: Delta NLL = NLL(s) - min NLL at each tested s.
 *
 * @example
 * ```ts
 * const c: ProfileCurve = { method: 'inferno', points: [{ s: 30, deltaNll: 0.9 }, { s: 50, deltaNll: 0 }, { s: 70, deltaNll: 0.8 }] };
 * ```
 */
export interface ProfileCurve {
  method: string;
  points: readonly { s: number; deltaNll: number }[];
}

/**
 * Options of {@link profileCurvePlot}.
 *
 * @example
 * ```ts
 * const o: ProfileCurveOptions = { poi: 'mu', yMax: 3 };
 * ```
 */
export interface ProfileCurveOptions {
  title?: string;
  /** POI name on the x axis (default `'s'`). */
  poi?: PoiName;
  /** Upper end of the Delta NLL axis; the curves are clipped there (default: the data's maximum). */
  yMax?: number;
  width?: number;
  height?: number;
}

/**
 * Delta NLL versus the POI, one line per method (sorted by s), with a dashed horizontal rule at
 * Delta NLL = 0.5 (where the 68% interval ends). Method ids get their {@link METHOD_COLORS},
 * other names the palette. Throws a `RangeError` for no curves, a repeated method name, a curve
 * with no points, or a non-finite s.
 *
 * @returns the figure as a standalone SVG string.
 * @example
 * ```ts
 * const svg = profileCurvePlot([
 *   { method: 'inferno', points: [{ s: 20, deltaNll: 2.1 }, { s: 50, deltaNll: 0 }, { s: 80, deltaNll: 1.9 }] },
 *   { method: 'bce', points: [{ s: 20, deltaNll: 1.2 }, { s: 50, deltaNll: 0 }, { s: 80, deltaNll: 1.1 }] },
 * ]);
 * writePlot(svg, 'out/plots/profile-b2');
 * ```
 */
export function profileCurvePlot(curves: readonly ProfileCurve[], options: ProfileCurveOptions = {}): string {
  if (curves.length === 0) throw new RangeError('profileCurvePlot: no curves');
  const names = curves.map((c) => c.method);
  const colors = names.map((m, i) => colorFor(m, i));
  const data: { method: string; s: number; deltaNll: number }[] = [];
  curves.forEach((c, i) => {
    const first = names.indexOf(c.method);
    if (first !== i) throw new RangeError(`profileCurvePlot: curves[${i}] repeats method "${c.method}" of curves[${first}]`);
    if (c.points.length === 0) throw new RangeError(`profileCurvePlot: curves[${i}] ("${c.method}") has no points`);
    c.points.forEach((p, k) => {
      if (!Number.isFinite(p.s)) throw new RangeError(`profileCurvePlot: curves[${i}].points[${k}].s must be finite, got ${p.s}`);
    });
    const sorted = [...c.points].sort((a, b) => a.s - b.s);
    for (const p of sorted) data.push({ method: c.method, s: p.s, deltaNll: p.deltaNll });
  });
  const poi = options.poi ?? 's';
  const clip = options.yMax !== undefined;
  const width = options.width ?? 640;
  return figure({
    title: options.title ?? `Profile likelihood scans of ${poi}`,
    legend: names.map((m, i) => ({ label: m, color: colors[i] })),
    rows: [
      [
        {
          plot: {
            x: { label: POI_AXIS[poi], labelArrow: 'none' },
            y: { label: 'Delta NLL', labelArrow: 'none', ...(clip ? { domain: [0, options.yMax as number] } : {}) },
            color: { domain: names, range: colors },
            marks: [
              Plot.ruleY([0.5], { stroke: '#555', strokeDasharray: '6,4' }),
              Plot.text(['Delta NLL = 0.5 (68% CL)'], { y: 0.5, frameAnchor: 'left', textAnchor: 'start', dy: -7, dx: 4, fill: '#333', fontSize: 11 }),
              Plot.lineY(data, { x: 's', y: 'deltaNll', z: 'method', stroke: 'method', strokeWidth: 2, ...(clip ? { clip: 'frame' as const } : {}) }),
            ],
          },
        },
      ],
    ],
    panelWidth: width - 2 * MARGIN,
    panelHeight: options.height ?? 380,
  });
}

/**
 * Options of {@link sigmaComparisonPlot}.
 *
 * @example
 * ```ts
 * const o: SigmaComparisonOptions = { metric: 'sigmaProfile', poi: 'mu' };
 * ```
 */
export interface SigmaComparisonOptions {
  title?: string;
  /** Which width to show (default `'sigmaFisher'`). */
  metric?: 'sigmaFisher' | 'sigmaProfile';
  poi?: PoiName;
  panelWidth?: number;
  panelHeight?: number;
}

/**
 * The width of every seed as a dot (a `<circle>`), per method, one panel per benchmark, with the
 * median over seeds as a black tick. Throws a `RangeError` when `results` is empty.
 *
 * @returns the figure as a standalone SVG string.
 * @example
 * ```ts
 * writePlot(sigmaComparisonPlot(experiment.results), 'out/plots/sigma');
 * ```
 */
export function sigmaComparisonPlot(results: readonly SeedResult[], options: SigmaComparisonOptions = {}): string {
  if (results.length === 0) throw new RangeError('sigmaComparisonPlot: no results');
  const metric = options.metric ?? 'sigmaFisher';
  const poi = options.poi ?? 's';
  const benchmarks = [...new Set(results.map((r) => r.benchmark))].sort((a, b) => a - b);
  const methods = METHODS.filter((m) => results.some((r) => r.method === m));
  const panels: Panel[] = benchmarks.map((b) => {
    const seeds = results.filter((r) => r.benchmark === b && Number.isFinite(r[metric])).map((r) => ({ method: r.method, sigma: r[metric] }));
    const medians = methods
      .map((m) => seeds.filter((s) => s.method === m).map((s) => s.sigma))
      .flatMap((v, i) => (v.length > 0 ? [{ method: methods[i], sigma: quantile(v, 0.5) }] : []));
    return {
      title: `benchmark ${b}`,
      plot: {
        x: { label: 'method', labelArrow: 'none', domain: methods as Method[], padding: 0.3 },
        y: { label: `sigma_${poi} (${metric === 'sigmaFisher' ? 'Fisher' : 'profile'})`, labelArrow: 'none', domain: degenerateDomain(seeds.map((s) => s.sigma)) },
        color: { domain: methods as Method[], range: methods.map((m) => METHOD_COLORS[m]) },
        marks: [
          Plot.dot(seeds, { x: 'method', y: 'sigma', stroke: 'method', r: 4, strokeWidth: 1.5 }),
          Plot.tickY(medians, { x: 'method', y: 'sigma', stroke: 'black', strokeWidth: 2 }),
        ],
      },
    };
  });
  return figure({
    title: options.title ?? `sigma_${poi} per seed (dots) and median (tick)`,
    legend: methods.map((m) => ({ label: m, color: METHOD_COLORS[m] })),
    rows: [panels],
    panelWidth: options.panelWidth ?? 300,
    panelHeight: options.panelHeight ?? 300,
  });
}

/**
 * Renders an SVG string to PNG bytes with resvg (system fonts), `width` pixels wide.
 *
 * @example
 * ```ts
 * const png = renderPng(profileCurvePlot(curves));   // Uint8Array starting 89 50 4E 47
 * ```
 */
export function renderPng(svg: string, width = 1200): Uint8Array {
  return new Resvg(withXmlns(svg), { fitTo: { mode: 'width', value: width }, font: { loadSystemFonts: true } }).render().asPng();
}

/** Adds the SVG namespace to the root element when it is missing. */
function withXmlns(svg: string): string {
  const trimmed = svg.trimStart();
  if (!trimmed.startsWith('<svg')) throw new RangeError(`writePlot: expected SVG markup starting with "<svg", got "${trimmed.slice(0, 20)}"`);
  const rootTag = trimmed.slice(0, trimmed.indexOf('>') + 1);
  return rootTag.includes('xmlns=') ? trimmed : trimmed.replace('<svg', `<svg xmlns="${SVG_NS}"`);
}

/**
 * Writes a plot as `<path>.svg` and `<path>.png` (1200 px wide), each atomically (temporary
 * file, then rename; parent directories created). A trailing `.svg` or `.png` on the path is
 * dropped. Adds the SVG namespace when the markup lacks it. Throws a `RangeError` when `svg`
 * does not start with `<svg`.
 *
 * @param svg - standalone SVG markup, e.g. from {@link profileCurvePlot}.
 * @param pathWithoutExtension - the output path without extension.
 * @returns the two paths written.
 * @example
 * ```ts
 * const { svg, png } = writePlot(trainingCurvesPlot(results), 'out/plots/training');
 * // svg === 'out/plots/training.svg', png === 'out/plots/training.png'
 * ```
 */
export function writePlot(svg: string, pathWithoutExtension: string): { svg: string; png: string } {
  const base = pathWithoutExtension.replace(/\.(svg|png)$/i, '');
  const markup = withXmlns(svg);
  const png = renderPng(markup);
  const paths = { svg: `${base}.svg`, png: `${base}.png` };
  writeFileAtomic(paths.svg, markup);
  writeFileAtomic(paths.png, png);
  return paths;
}
