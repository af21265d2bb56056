/**
 * The two fillers of an analysis's plan (analysis.ts): soft templates from a training batch
 * (differentiable in the summary's weights) and hard templates from whole datasets (what
 * evaluation, export and validation use). Both read `analysis.plan()`: the same events, weights,
 * transforms and scales fill the same slot, binned softly or hard.
 *
 * Fixed channels (an observable with edges) are hard histograms in both: in training they are
 * the constant hard templates of the whole training datasets ({@link hardTemplates} with
 * `fixedOnly`), computed once.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Analysis, applyTransform, edgeBin, inputKey, type EventSource, type PlanEntry } from './analysis.js';
import { gatherRows, weightsOf, type BatchSampler, type Dataset } from './data.js';
import type { Summary } from './summary.js';

/**
 * A training batch: per dataset the learned channels read, event indices drawn with replacement
 * and the events [size, d] — `m` events of the datasets nominal templates read, `f m` of
 * datasets only variations read (alternative event files) when the batch is drawn with a
 * variation fraction f < 1.
 */
export interface TrainingBatch {
  /** Events per nominal dataset. */
  readonly m: number;
  readonly idx: ReadonlyMap<string, Int32Array>;
  readonly x: ReadonlyMap<string, tf.Tensor2D>;
}

/** The datasets a training batch holds: those of the learned channels' slots, in plan order. */
export function batchDatasets(analysis: Analysis): string[] {
  return [...new Set(analysis.plan().filter((e) => e.fill.kind === 'summary').map((e) => e.source.dataset))];
}

/**
 * Draws one training batch from every dataset of the learned channels (the sampler's indices in
 * the order of {@link batchDatasets}): `m` events of each dataset a nominal template reads, and
 * `max(1, round(f m))` of each dataset only variations read (alternative event files; f the
 * variation fraction, default 1). The caller disposes `x`.
 *
 * @example
 * ```ts
 * const batch = drawTrainingBatch(BatchSampler.seeded(1), analysis, datasets, 500);
 * ```
 */
export function drawTrainingBatch(sampler: BatchSampler, analysis: Analysis, datasets: Readonly<Record<string, Dataset>>, m: number, variationFraction = 1): TrainingBatch {
  const idx = new Map<string, Int32Array>();
  const x = new Map<string, tf.Tensor2D>();
  const nominal = new Set(analysis.plan().filter((e) => e.slot.role === 'nominal').map((e) => e.source.dataset));
  const small = Math.max(1, Math.round(variationFraction * m));
  for (const name of batchDatasets(analysis)) {
    const d = datasets[name];
    const i = sampler.indices(d.n, nominal.has(name) ? m : small);
    idx.set(name, i);
    x.set(name, tf.tensor2d(gatherRows(d, i), [i.length, d.dim]));
  }
  return { m, idx, x };
}

/** Per-event weights of a source on the batch rows `idx` (first `count` of them): `w_i scale n / m`. */
function batchWeights(d: Dataset, source: EventSource, idx: Int32Array, count: number, m: number): Float32Array {
  const w = weightsOf(d, source.weights);
  const f = (Analysis.weightScale(d, source) * d.n) / m;
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = f * (w ? w[idx[i]] : 1);
  return out;
}

/**
 * The flat soft templates [size] one training step fills from a batch, each slot an unbiased
 * estimate of its full-sample hard template (`hardTemplates`) as the soft binning becomes hard:
 *
 * - nominal and weight variations: `sum_i w_i'` per bin, `w_i' = w_i scale n / m` (m the
 *   dataset's batch size);
 * - transform variations: the same of the transformed events; with `variationFraction` f < 1 the
 *   control variate `nominal(batch) + (variation(first f m) - nominal(first f m)) / f`
 *   (unbiased, the noise of the correlated difference only, `m (1 + 2 f k)` instead of
 *   `m (1 + 2 k)` network rows for k transform systematics);
 * - sumw2: `(m / n) sum_i w_i'^2`;
 * - fixed channels: `constants` (their hard templates on the whole training datasets).
 *
 * Learned counts get `analysis.floor` added. Call inside `tf.tidy`.
 *
 * @example
 * ```ts
 * const flat = tf.tidy(() => softTemplates(mlp, analysis, datasets, batch, constants));
 * ```
 */
export function softTemplates(summary: Summary, analysis: Analysis, datasets: Readonly<Record<string, Dataset>>, batch: TrainingBatch, constants: Float64Array, variationFraction = 1): tf.Tensor1D {
  const m = batch.m;
  const sub = Math.max(1, Math.round(variationFraction * m));
  const fns = new Map<unknown, number>();
  // every network input of the step in one forward pass: fewer, larger kernels
  const inputs = new Map<string, tf.Tensor2D>();
  const need = (key: string, make: () => tf.Tensor2D) => {
    if (!inputs.has(key)) inputs.set(key, make());
    return key;
  };
  type Piece =
    | { offset: number; constant: true; bins: number }
    | { offset: number; constant: false; key: string; w: tf.Tensor1D; control?: { nominal: number; key: string; w: tf.Tensor1D } };
  const plan = analysis.plan();
  const nominalIndex = new Map<string, number>();
  plan.forEach((e, i) => e.slot.role === 'nominal' && nominalIndex.set(`${e.slot.channel}\u0000${e.slot.sample}`, i));
  const pieces: Piece[] = plan.map((e): Piece => {
    const { offset, bins } = e.slot;
    if (e.fill.kind !== 'summary') return { offset, constant: true, bins };
    const src = e.source;
    const d = datasets[src.dataset];
    const idx = batch.idx.get(src.dataset)!;
    const xs = batch.x.get(src.dataset)!;
    const md = idx.length;
    const key = inputKey(src, fns);
    if (e.square) {
      const w = batchWeights(d, src, idx, md, md).map((v) => v * v * (md / d.n));
      return { offset, constant: false, key: need(key, () => xs), w: tf.tensor1d(w) };
    }
    const nominal = plan[nominalIndex.get(`${e.slot.channel}\u0000${e.slot.sample}`)!];
    const control = src.transform && sub < m && nominal.source.dataset === src.dataset && (nominal.source.weights ?? 'nominal') === (src.weights ?? 'nominal') && !nominal.source.transform;
    if (!control) {
      return { offset, constant: false, key: need(key, () => (src.transform ? applyTransform(src.transform, xs) : xs)), w: tf.tensor1d(batchWeights(d, src, idx, md, md)) };
    }
    // control variate: the variation of the first `sub` events minus their nominal, scaled to
    // the batch and added to the full nominal template
    const xsSub = tf.slice(xs, [0, 0], [sub, -1]) as tf.Tensor2D;
    const ws = batchWeights(d, src, idx, sub, sub);
    const wn = batchWeights(d, nominal.source, idx, sub, sub);
    const nominalKey = inputKey(nominal.source, fns);
    return {
      offset,
      constant: false,
      key: need(`${key}|first${sub}`, () => applyTransform(src.transform!, xsSub)),
      w: tf.tensor1d(ws),
      // the nominal outputs of the first `sub` events are the first rows of the batch's
      control: { nominal: nominalIndex.get(`${e.slot.channel}\u0000${e.slot.sample}`)!, key: need(nominalKey, () => xs), w: tf.tensor1d(wn) },
    };
  });
  const keys = [...inputs.keys()];
  const outputs = new Map<string, tf.Tensor2D>();
  if (keys.length > 0) {
    const all = summary.apply(keys.length === 1 ? inputs.get(keys[0])! : (tf.concat(keys.map((k) => inputs.get(k)!), 0) as tf.Tensor2D));
    let row = 0;
    for (const k of keys) {
      const rows = inputs.get(k)!.shape[0];
      outputs.set(k, keys.length === 1 ? all : (tf.slice(all, [row, 0], [rows, -1]) as tf.Tensor2D));
      row += rows;
    }
  }
  const counts = pieces.map((p) => (p.constant ? undefined : analysis.softCounts(outputs.get(p.key)!, p.w)));
  const out: Array<{ offset: number; t: tf.Tensor1D }> = pieces.map((p, i) => {
    if (p.constant) return { offset: p.offset, t: tf.tensor1d(Float32Array.from(constants.subarray(p.offset, p.offset + p.bins))) };
    if (!p.control) return { offset: p.offset, t: counts[i]! };
    const nominalSub = analysis.softCounts(tf.slice(outputs.get(p.control.key)!, [0, 0], [sub, -1]) as tf.Tensor2D, p.control.w);
    // floors cancel in the difference; keep the result at or above the floor
    return { offset: p.offset, t: tf.maximum(tf.add(counts[p.control.nominal]!, tf.sub(counts[i]!, nominalSub)), analysis.floor) as tf.Tensor1D };
  });
  out.sort((a, b) => a.offset - b.offset);
  return (out.length === 1 ? out[0].t : tf.concat(out.map((o) => o.t))) as tf.Tensor1D;
}

/** Summary outputs of a whole dataset (optionally transformed), evaluated in chunks. */
export function summaryOutputs(summary: Summary, d: Dataset, transform?: EventSource['transform'], chunk = 50_000): Float32Array {
  const width = summary.output.kind === 'score' ? 1 : summary.output.bins;
  const out = new Float32Array(d.n * width);
  for (let start = 0; start < d.n; start += chunk) {
    const m = Math.min(chunk, d.n - start);
    // the tensor leaves tidy and is read outside it: tidy would walk a returned typed array
    // element by element looking for tensors (~1 us per value)
    const y = tf.tidy(() => {
      let x = tf.tensor2d(d.x.subarray(start * d.dim, (start + m) * d.dim), [m, d.dim]);
      if (transform) x = applyTransform(transform, x);
      return summary.apply(x);
    });
    out.set(y.dataSync() as Float32Array, start * width);
    y.dispose();
  }
  return out;
}

/** Column 0 of a dataset after a transform (the observable of a fixed channel). */
function observableValues(d: Dataset, transform?: EventSource['transform']): Float32Array {
  const col = new Float32Array(d.n);
  for (let i = 0; i < d.n; i++) col[i] = d.x[i * d.dim];
  if (!transform) return col;
  if (transform.kind === 'function') {
    const y = tf.tidy(() => tf.slice(applyTransform(transform, tf.tensor2d(d.x, [d.n, d.dim])), [0, 0], [-1, 1]));
    const v = Float32Array.from(y.dataSync() as Float32Array);
    y.dispose();
    return v;
  }
  if (!transform.columns.includes(0)) return col;
  for (let i = 0; i < d.n; i++) col[i] = transform.kind === 'scale' ? Math.fround(col[i] * transform.factor) : Math.fround(col[i] + transform.shift);
  return col;
}

/** The hard bin of every event of a plan entry's dataset (-1: outside a fixed channel's edges). */
function entryBins(summary: Summary | undefined, analysis: Analysis, e: PlanEntry, d: Dataset): Int32Array {
  if (e.fill.kind === 'summary') {
    if (!summary) throw new RangeError('hardTemplates: a learned channel needs a summary');
    return analysis.hardBins(summaryOutputs(summary, d, e.source.transform), d.n);
  }
  const x = observableValues(d, e.source.transform);
  const out = new Int32Array(d.n);
  const overflow = e.fill.overflow ?? 'drop';
  for (let i = 0; i < d.n; i++) out[i] = edgeBin(e.fill.edges, x[i], overflow);
  return out;
}

/**
 * The hard templates (flat, float64) of a summary on whole datasets: every event in one bin
 * (argmax of logits, the score's edges, a fixed channel's observable edges), weighted by its
 * plan weight `w_i scale` (squared for sumw2 slots), plus the floor on the learned channels'
 * non-sumw2 slots when the analysis asks for `hardFloor`. With `fixedOnly` only the fixed channels
 * are filled (the constants of training; no summary needed).
 *
 * @throws RangeError naming the dataset when a plan entry's dataset is missing.
 * @example
 * ```ts
 * const counts = hardTemplates(mlp, analysis, testDatasets);
 * ```
 */
export function hardTemplates(summary: Summary | undefined, analysis: Analysis, datasets: Readonly<Record<string, Dataset>>, options: { readonly fixedOnly?: boolean } = {}): Float64Array {
  const counts = new Float64Array(analysis.templateModel.size);
  const cache = new Map<string, Int32Array>();
  const fns = new Map<unknown, number>();
  for (const e of analysis.plan()) {
    if (options.fixedOnly && e.fill.kind === 'summary') continue;
    const d = datasets[e.source.dataset];
    if (!d) throw new RangeError(`hardTemplates: no dataset "${e.source.dataset}" (have ${Object.keys(datasets).join(', ')})`);
    const key = `${e.fill.kind === 'summary' ? 'summary' : `obs:${e.slot.channel}`}|${inputKey(e.source, fns)}`;
    let bins = cache.get(key);
    if (!bins) {
      bins = entryBins(summary, analysis, e, d);
      cache.set(key, bins);
    }
    const w = weightsOf(d, e.source.weights);
    const scale = Analysis.weightScale(d, e.source);
    const { offset } = e.slot;
    for (let i = 0; i < d.n; i++) {
      const b = bins[i];
      if (b < 0) continue;
      const wi = (w ? w[i] : 1) * scale;
      counts[offset + b] += e.square ? wi * wi : wi;
    }
    if (analysis.spec.hardFloor && e.fill.kind === 'summary' && !e.square) for (let k = 0; k < e.slot.bins; k++) counts[offset + k] += analysis.floor;
  }
  return counts;
}
