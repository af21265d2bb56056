/**
 * An analysis: a multi-channel template model (templates.ts) whose every slot is filled from
 * events, and the *plan* of that filling — one entry per slot saying which events fill it (a
 * dataset), with which weights (the nominal ones or a weight systematic's), through which
 * differentiable transform of the features (a shape systematic such as an energy scale), scaled
 * to which expected yield, and whether the weights are squared (the sum of squared weights of
 * staterror and shapesys). The one plan is read by the soft filler of training (fill.ts
 * `softTemplates`) and the hard filler of evaluation (fill.ts `hardTemplates`), so soft and hard
 * templates mean the same thing.
 *
 * Channels are *learned* (events binned by the summary: KDE of a score or softmax of logits in
 * training, {@link hardBins} in evaluation) or *fixed* (events binned by an observable, column 0
 * of their dataset, with given edges — the same hard histogram in training and evaluation).
 * Counts copied from a workspace are fixed channels whose datasets are the bins themselves (see
 * the config module).
 *
 * Per-event weights: a slot's events weigh `w_i x scale`, `scale = expected / sum_j w_j` over the
 * dataset's weights when the plan gives an expected yield, else 1 (the weights already are
 * yields). In a batch of m of the n events each weighs `w_i scale n / m`, so the batch counts
 * estimate the full-sample templates; the sum of squared weights is estimated by
 * `(m / n) sum_i (w_i scale n / m)^2` (each term has expectation `scale^2 E[w^2] n^2 / m^2`; m of
 * them times m / n give the full-sample `scale^2 sum_j w_j^2`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { argmaxBin, edgeBin, type Overflow } from '../autodiff/hard-bins.js';
import { kdeHistogram, type Bandwidth, type KdeKernel } from '../autodiff/kde-histogram.js';
import { softmaxHistogram } from '../autodiff/softmax-histogram.js';
import { InputError } from '../stats/errors.js';
import type { TemplateModel } from '../stats/templates/index.js';
import { NOMINAL_WEIGHTS, sumOfWeights, type Dataset } from './data.js';
import { analysisTemplates, type AnalysisTemplates, type AnalysisTemplateSpec, type SlotEntry } from './templates.js';

/** How a summary's output becomes counts. */
export type Binning =
  | { readonly kind: 'softmax'; readonly temperature: number }
  | { readonly kind: 'kde'; readonly edges: readonly number[]; readonly bandwidth: Bandwidth; readonly kernel?: KdeKernel };

/**
 * A differentiable transform of a dataset's features [n, d] -> [n, d]: a scale or a shift of some
 * columns (saveable, what configs use), or any tfjs function (library use; not saveable).
 */
export type FeatureTransform =
  | { readonly kind: 'scale'; readonly columns: readonly number[]; readonly factor: number }
  | { readonly kind: 'shift'; readonly columns: readonly number[]; readonly shift: number }
  | { readonly kind: 'function'; readonly apply: (x: tf.Tensor2D) => tf.Tensor2D };

/** The events that fill a slot. */
export interface EventSource {
  readonly dataset: string;
  /** The dataset's weights to use; default `"nominal"`. */
  readonly weights?: string;
  readonly transform?: FeatureTransform;
  /** Scale the weights so that the whole dataset sums to this yield; default: the weights as they are. */
  readonly expected?: number;
  /** The weights whose sum is scaled to `expected` (default `weights`): a weight systematic keeps the nominal's scale, and so its rate effect. */
  readonly expectedOf?: string;
}

/** The sources of one sample in one channel: its nominal events and, per histosys, its up and down events. */
export interface SampleSources {
  readonly nominal: EventSource;
  /** The events of the sum of squared weights (default: the nominal's), e.g. a workspace's uncertainties. */
  readonly sumw2?: EventSource;
  readonly variations?: Readonly<Record<string, { readonly up: EventSource; readonly down: EventSource }>>;
}

/** How a channel's events are binned. */
export type ChannelFill =
  /** Learned: the summary's output, binned by the analysis's binning. */
  | { readonly kind: 'summary' }
  /** Fixed: column 0 of the datasets, numpy's edge rule; outside the edges dropped (default) or folded into the end bins. */
  | { readonly kind: 'observable'; readonly edges: readonly number[]; readonly overflow?: Overflow };

export interface AnalysisSpec {
  readonly template: AnalysisTemplateSpec;
  /** Per channel name. */
  readonly channels: Readonly<Record<string, ChannelFill>>;
  /** Per channel name, per sample name. */
  readonly sources: Readonly<Record<string, Readonly<Record<string, SampleSources>>>>;
  /** The binning of the summary (learned channels). */
  readonly binning: Binning;
  /** Added to every soft count of a learned channel (keeps rates positive); default 1e-3 x the smallest expected yield / bins. */
  readonly floor?: number;
  /** Add the floor to the hard counts of the learned channels too (neos: a background-free bin keeps a finite Z0). */
  readonly hardFloor?: boolean;
}

/** One entry of the plan: what fills one slot. */
export interface PlanEntry {
  readonly slot: SlotEntry;
  readonly fill: ChannelFill;
  readonly source: EventSource;
  /** Sum of squared weights (sumw2 slots). */
  readonly square: boolean;
}

/** The bins of a learned channel under a binning. */
export function binningBins(b: Binning, logits?: number): number | undefined {
  return b.kind === 'kde' ? b.edges.length - 1 : logits;
}

/** A compiled analysis. */
export class Analysis {
  readonly spec: AnalysisSpec;
  readonly templates: AnalysisTemplates;
  /** The statistics model the slots fill. */
  readonly templateModel: TemplateModel;
  /** Bins of every learned channel (one summary, one binning). */
  readonly bins: number;
  readonly floor: number;
  private readonly entries: PlanEntry[];

  /**
   * @throws InputError naming the place when the spec is malformed: a slot without a source, a
   *   fixed channel whose edges do not increase or do not give its bins, learned channels with
   *   other bins than the binning's.
   */
  constructor(spec: AnalysisSpec) {
    this.spec = spec;
    this.templates = analysisTemplates(spec.template, 'analysis template ');
    this.templateModel = this.templates.templateModel;
    const b = spec.binning;
    if (b.kind === 'softmax' && !(b.temperature > 0)) throw new InputError('argument', 'analysis binning.temperature', `must be positive, got ${b.temperature}`);
    if (b.kind === 'kde') checkEdges(b.edges, 'analysis binning.edges');
    const learned = spec.template.channels.filter((c) => fillOf(spec, c.name).kind === 'summary');
    const bins = learned.map((c) => c.bins);
    if (new Set(bins).size > 1) throw new InputError('argument', 'analysis template channels', `learned channels ${learned.map((c) => `"${c.name}" (${c.bins})`).join(', ')} have different bins; one summary gives one binning`);
    this.bins = bins[0] ?? 0;
    if (b.kind === 'kde' && learned.length > 0 && b.edges.length - 1 !== this.bins) throw new InputError('argument', 'analysis binning.edges', `gives ${b.edges.length - 1} bins, the learned channels have ${this.bins}`);
    spec.template.channels.forEach((c, ci) => {
      const f = fillOf(spec, c.name);
      if (f.kind === 'observable') {
        checkEdges(f.edges, `analysis channels["${c.name}"].edges`);
        if (f.edges.length - 1 !== c.bins) throw new InputError('argument', `analysis channels["${c.name}"].edges`, `give ${f.edges.length - 1} bins, channel ${ci} has ${c.bins}`);
      }
    });
    this.entries = this.templates.slots.map((slot) => {
      const fill = fillOf(spec, slot.channel);
      const sources = spec.sources[slot.channel]?.[slot.sample];
      const where = `analysis sources["${slot.channel}"]["${slot.sample}"]`;
      if (!sources) throw new InputError('argument', where, 'is missing: every sample of every channel needs its events');
      let source = slot.role === 'sumw2' ? (sources.sumw2 ?? sources.nominal) : sources.nominal;
      if (slot.role === 'up' || slot.role === 'down') {
        const v = sources.variations?.[slot.modifier!];
        const carries = spec.template.channels.find((c) => c.name === slot.channel)!.samples.find((s) => s.name === slot.sample)!.modifiers.some((m) => m.type === 'histosys' && m.name === slot.modifier);
        if (!v && carries) throw new InputError('argument', `${where}.variations["${slot.modifier}"]`, 'is missing: every histosys of a sample needs an up and a down source');
        if (v) source = v[slot.role];
      }
      if (source.transform?.kind === 'scale' || source.transform?.kind === 'shift') {
        const t = source.transform;
        const value = t.kind === 'scale' ? t.factor : t.shift;
        if (!Number.isFinite(value)) throw new InputError('argument', `${where} transform`, `${t.kind} must be finite, got ${value}`);
      }
      if (source.expected !== undefined && !(source.expected > 0 && Number.isFinite(source.expected))) throw new InputError('argument', `${where} expected`, `must be positive and finite, got ${source.expected}`);
      return { slot, fill, source, square: slot.role === 'sumw2' };
    });
    const expected = this.entries.filter((e) => e.slot.role === 'nominal' && e.source.expected !== undefined).map((e) => e.source.expected!);
    const smallest = expected.length > 0 ? Math.min(...expected) : 1;
    this.floor = spec.floor ?? (1e-3 * smallest) / Math.max(1, this.bins);
  }

  /** The plan: one entry per slot, in slot order. */
  plan(): readonly PlanEntry[] {
    return this.entries;
  }

  /** The dataset names the analysis reads, in plan order (the order batches are drawn in). */
  datasetNames(): string[] {
    return [...new Set(this.entries.map((e) => e.source.dataset))];
  }

  /** The names of the learned channels. */
  learnedChannels(): string[] {
    return this.spec.template.channels.filter((c) => fillOf(this.spec, c.name).kind === 'summary').map((c) => c.name);
  }

  /** The samples scaled by the POI (their nominal normfactor is the POI). */
  signalSamples(channel: string): string[] {
    const c = this.spec.template.channels.find((x) => x.name === channel);
    return (c?.samples ?? []).filter((s) => s.modifiers.some((m) => m.type === 'normfactor' && m.name === this.spec.template.poi.name)).map((s) => s.name);
  }

  /** Soft counts [bins] of summary outputs with per-event weights, plus the floor. */
  softCounts(outputs: tf.Tensor2D, weights: tf.Tensor1D): tf.Tensor1D {
    const b = this.spec.binning;
    return tf.tidy(() => {
      const c = b.kind === 'softmax'
        ? softmaxHistogram(outputs, { temperature: b.temperature, weights })
        : kdeHistogram(tf.reshape(outputs, [-1]) as tf.Tensor1D, { edges: b.edges, bandwidth: b.bandwidth, kernel: b.kernel, weights, overflow: 'fold' });
      return tf.add(c, this.floor) as tf.Tensor1D;
    });
  }

  /** Hard bin index of each summary output (see {@link hardBins}). */
  hardBins(outputs: Float32Array, n: number): Int32Array {
    return hardBins(this.spec.binning, this.bins, outputs, n);
  }

  /**
   * The weight scale of a source on a dataset: `expected / sum_j w_j` when it names an expected
   * yield, else 1.
   *
   * @throws InputError when the weights sum to zero (or less) while an expected yield is asked for.
   */
  static weightScale(d: Dataset, source: EventSource): number {
    if (source.expected === undefined) return 1;
    const of = source.expectedOf ?? source.weights ?? NOMINAL_WEIGHTS;
    const sum = sumOfWeights(d, of);
    if (!(sum > 0)) throw new InputError('argument', `dataset "${source.dataset}" weights "${of}"`, `sum to ${sum}; they cannot be scaled to an expected yield of ${source.expected}`);
    return source.expected / sum;
  }
}

function fillOf(spec: AnalysisSpec, channel: string): ChannelFill {
  const f = spec.channels[channel];
  if (!f) throw new InputError('argument', `analysis channels["${channel}"]`, 'is missing: every channel is learned (summary) or fixed (observable)');
  return f;
}

function checkEdges(edges: readonly number[], where: string): void {
  if (edges.length < 2) throw new InputError('argument', where, `needs at least 2 edges, got ${edges.length}`);
  for (let k = 0; k < edges.length; k++) {
    if (!Number.isFinite(edges[k])) throw new InputError('argument', where, `edge ${k} is ${edges[k]}`);
    if (k > 0 && !(edges[k] > edges[k - 1])) throw new InputError('argument', where, `must increase: edge ${k} (${edges[k]}) is not above edge ${k - 1} (${edges[k - 1]})`);
  }
}

export { edgeBin };

/**
 * Hard bin index of each of `n` summary outputs ({@link argmaxBin}, {@link edgeBin}): the argmax of
 * K logits (row-major [n, K]; the first of tied largest logits; -1 for NaN outputs) for softmax binning, or the bin of the score among the fixed
 * edges ({@link edgeBin}) with the `fold` overflow the soft counts use (whose h -> 0 limit these
 * bins are): a float32 sigmoid score of exactly 1.0 lands in the last bin.
 *
 * @example
 * ```ts
 * hardBins({ kind: 'kde', edges: [0, 0.5, 1], bandwidth: { relative: 0.5 } }, 2, Float32Array.from([0.2, 0.7]), 2); // [0, 1]
 * ```
 */
export function hardBins(binning: Binning, bins: number, outputs: Float32Array, n: number): Int32Array {
  const out = new Int32Array(n);
  if (binning.kind === 'softmax') {
    for (let i = 0; i < n; i++) out[i] = argmaxBin(outputs, i, bins);
  } else {
    for (let i = 0; i < n; i++) out[i] = edgeBin(binning.edges, outputs[i], 'fold');
  }
  return out;
}

/**
 * A feature transform as a tfjs op on x [n, d] (scale: `x_c f`; shift: `x_c + s` for the
 * transform's columns c).
 *
 * @example
 * ```ts
 * applyTransform({ kind: 'shift', columns: [0], shift: 0.2 }, tf.tensor2d([[1, 2]])); // [[1.2, 2]]
 * ```
 */
export function applyTransform(t: FeatureTransform, x: tf.Tensor2D): tf.Tensor2D {
  if (t.kind === 'function') return t.apply(x);
  const d = x.shape[1];
  const v = new Float32Array(d).fill(t.kind === 'scale' ? 1 : 0);
  for (const c of t.columns) {
    if (!(c >= 0 && c < d)) throw new RangeError(`applyTransform: column ${c} is outside [0, ${d})`);
    v[c] = t.kind === 'scale' ? t.factor : t.shift;
  }
  return tf.tidy(() => (t.kind === 'scale' ? tf.mul(x, tf.tensor2d(v, [1, d])) : tf.add(x, tf.tensor2d(v, [1, d]))) as tf.Tensor2D);
}

/** A key naming a (dataset, transform) pair: events that give the same summary outputs share it. */
export function inputKey(source: EventSource, functions: Map<unknown, number>): string {
  const t = source.transform;
  if (!t) return source.dataset;
  if (t.kind === 'function') {
    if (!functions.has(t.apply)) functions.set(t.apply, functions.size);
    return `${source.dataset}|fn${functions.get(t.apply)}`;
  }
  return `${source.dataset}|${t.kind}:${t.columns.join(',')}:${t.kind === 'scale' ? t.factor : t.shift}`;
}
