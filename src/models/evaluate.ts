/**
 * Evaluation on hard histograms — what reports use: every event goes to one bin (argmax of the
 * logits, or the fixed edges of the score), templates are filled with the analysis weights
 * from the whole dataset, and the interval width is computed by the float64 engine.
 */
import * as tf from '@tensorflow/tfjs-core';
import { cramerRaoWidth, profileWidth } from '../stats/objectives/index.js';
import { TemplateModel, type TemplateSpec } from '../stats/templates/index.js';
import { Analysis, type VariationSource } from './analysis.js';
import type { Dataset } from './data.js';
import type { Summary } from './summary.js';

/** Summary outputs of a whole dataset (optionally transformed), evaluated in chunks. */
export function summaryOutputs(summary: Summary, d: Dataset, transform?: (x: tf.Tensor2D) => tf.Tensor2D, chunk = 50_000): Float32Array {
  const width = summary.output.kind === 'score' ? 1 : summary.output.bins;
  const out = new Float32Array(d.n * width);
  for (let start = 0; start < d.n; start += chunk) {
    const m = Math.min(chunk, d.n - start);
    // the tensor leaves tidy and is read outside it: tidy would walk a returned typed array
    // element by element looking for tensors (~1 us per value)
    const y = tf.tidy(() => {
      let x = tf.tensor2d(d.x.subarray(start * d.dim, (start + m) * d.dim), [m, d.dim]);
      if (transform) x = transform(x);
      return summary.apply(x);
    });
    out.set(y.dataSync() as Float32Array, start * width);
    y.dispose();
  }
  return out;
}

/** Hard-histogram template counts (flat, in the template layout) of a summary on datasets. */
export function hardTemplateCounts(summary: Summary, analysis: Analysis, datasets: Readonly<Record<string, Dataset>>): Float64Array {
  const tm = analysis.templateModel;
  const counts = new Float64Array(tm.size);
  const cache = new Map<string, Int32Array>();
  const binsOf = (key: string, d: Dataset, transform?: (x: tf.Tensor2D) => tf.Tensor2D) => {
    let b = cache.get(key);
    if (!b) {
      b = analysis.hardBins(summaryOutputs(summary, d, transform), d.n);
      cache.set(key, b);
    }
    return b;
  };
  const fill = (offset: number, bins: Int32Array, w: Float32Array, square = false) => {
    for (let i = 0; i < bins.length; i++) counts[offset + bins[i]] += square ? w[i] * w[i] : w[i];
  };
  const need = (name: string) => {
    const d = datasets[name];
    if (!d) throw new RangeError(`hardTemplateCounts: no dataset "${name}" (have ${Object.keys(datasets).join(', ')})`);
    return d;
  };
  for (const e of tm.layout) {
    const s = analysis.spec.samples[e.sample];
    const d = need(s.dataset);
    if (e.role === 'nominal' || e.role === 'sumw2') {
      fill(e.offset, binsOf(s.dataset, d), Analysis.eventWeights(d, s.expected), e.role === 'sumw2');
      continue;
    }
    const src: VariationSource = analysis.spec.variations![`${e.sample}:${e.nuisance}`][e.role];
    if (src.kind === 'dataset') {
      const dv = need(src.dataset);
      fill(e.offset, binsOf(src.dataset, dv), Analysis.eventWeights(dv, src.expected ?? s.expected));
    } else {
      fill(e.offset, binsOf(`${s.dataset}|${e.sample}:${e.nuisance}:${e.role}`, d, src.apply), Analysis.eventWeights(d, s.expected * (src.expectedFactor ?? 1)));
    }
  }
  return counts;
}

/** The template model and counts with the bins that hold no nominal expected events removed. */
export function withoutEmptyBins(spec: TemplateSpec, tm: TemplateModel, counts: Float64Array): { tm: TemplateModel; counts: Float64Array; kept: number[] } {
  const B = spec.bins;
  const kept: number[] = [];
  for (let b = 0; b < B; b++) {
    let total = 0;
    for (const e of tm.layout) if (e.role === 'nominal') total += counts[e.offset + b];
    if (total > 0) kept.push(b);
  }
  if (kept.length === B) return { tm, counts, kept };
  const reduced = new TemplateModel({ ...spec, bins: kept.length });
  const out = new Float64Array(reduced.size);
  tm.layout.forEach((e, k) => kept.forEach((b, j) => (out[k * kept.length + j] = counts[e.offset + b])));
  return { tm: reduced, counts: out, kept };
}

/** Interval widths of a summary evaluated on hard histograms. */
export interface HardEvaluation {
  readonly counts: Float64Array;
  /** Cramér-Rao width of the POI (Fisher information of the Asimov likelihood). */
  readonly sigmaFisher: number;
  /** Profile-likelihood half-width (when asked). */
  readonly sigmaProfile?: number;
}

/**
 * Fills hard-histogram templates and computes the POI width (empty bins dropped).
 *
 * @example
 * ```ts
 * const { sigmaFisher } = evaluateHard(mlp, analysis, testDatasets);
 * ```
 */
export function evaluateHard(summary: Summary, analysis: Analysis, datasets: Readonly<Record<string, Dataset>>, options: { profile?: boolean } = {}): HardEvaluation {
  const counts = hardTemplateCounts(summary, analysis, datasets);
  const reduced = withoutEmptyBins(analysis.spec.template, analysis.templateModel, counts);
  const sigmaFisher = cramerRaoWidth(reduced.tm, reduced.counts).value;
  const sigmaProfile = options.profile ? profileWidth(reduced.tm, reduced.counts).value : undefined;
  return { counts, sigmaFisher, sigmaProfile };
}
