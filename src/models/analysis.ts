/**
 * An analysis ties a summary to a template model: which dataset fills each sample, its expected
 * yield, how each shape variation is made (its own dataset, or a differentiable transform of the
 * sample's events, e.g. INFERNO's shift of a feature by the nuisance), and how the summary is
 * binned (KDE of a score, or softmax of logits in training; fixed bins or argmax in evaluation).
 *
 * Per-event weights in a batch of size m drawn from a dataset of n events with weights w:
 * `w_i' = expected w_i / (mean(w) m)`, so the counts estimate the expected yields; the staterror
 * template (the full dataset's sum of squared weights, `sum_j (expected w_j / (mean(w) n))^2`)
 * is estimated by `(m / n) sum_i w_i'^2`: each batch term has expectation
 * `expected^2 E[w^2] / (mean(w)^2 m^2)`, m of them times m / n give the full-sample value
 * (`stepTemplates` in trainer.ts; tested against `hardTemplateCounts`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { kdeHistogram, type Bandwidth, type KdeKernel } from '../autodiff/kde-histogram.js';
import { softmaxHistogram } from '../autodiff/softmax-histogram.js';
import { InputError } from '../stats/errors.js';
import { TemplateModel, type TemplateSpec } from '../stats/templates/index.js';
import type { Dataset } from './data.js';
import type { Summary } from './summary.js';

/** How a summary's output becomes counts. */
export type Binning =
  | { readonly kind: 'softmax'; readonly temperature: number }
  | { readonly kind: 'kde'; readonly edges: readonly number[]; readonly bandwidth: Bandwidth; readonly kernel?: KdeKernel };

/** Where a shape variation's events come from. */
export type VariationSource =
  | { readonly kind: 'dataset'; readonly dataset: string; readonly expected?: number }
  | { readonly kind: 'transform'; readonly apply: (x: tf.Tensor2D) => tf.Tensor2D; readonly expectedFactor?: number };

/** A sample of the template model, filled from a dataset. */
export interface AnalysisSample {
  readonly dataset: string;
  /** Expected yield of the sample (sum of its event weights after scaling). */
  readonly expected: number;
}

export interface AnalysisSpec {
  readonly template: TemplateSpec;
  /** Per template sample. */
  readonly samples: Readonly<Record<string, AnalysisSample>>;
  /** Per `${sample}:${nuisance}` shape variation. */
  readonly variations?: Readonly<Record<string, { readonly up: VariationSource; readonly down: VariationSource }>>;
  readonly binning: Binning;
  /** Added to every soft count (keeps rates positive); default 1e-3 x the smallest expected yield / bins. */
  readonly floor?: number;
}

/** A compiled analysis. */
export class Analysis {
  readonly spec: AnalysisSpec;
  readonly templateModel: TemplateModel;
  readonly bins: number;
  readonly floor: number;

  constructor(spec: AnalysisSpec) {
    this.spec = spec;
    this.templateModel = new TemplateModel(spec.template);
    this.bins = spec.template.bins;
    const b = spec.binning;
    if (b.kind === 'kde' && b.edges.length - 1 !== this.bins) throw new InputError('argument', 'analysis binning.edges', `gives ${b.edges.length - 1} bins, the template has ${this.bins}`);
    if (b.kind === 'softmax' && !(b.temperature > 0)) throw new InputError('argument', 'analysis binning.temperature', `must be positive, got ${b.temperature}`);
    for (const e of this.templateModel.layout) {
      if (!spec.samples[e.sample]) throw new InputError('argument', `analysis samples["${e.sample}"]`, 'is missing: every template sample needs a dataset and an expected yield');
      if ((e.role === 'up' || e.role === 'down') && !spec.variations?.[`${e.sample}:${e.nuisance}`]) {
        throw new InputError('argument', `analysis variations["${e.sample}:${e.nuisance}"]`, 'is missing: every shape nuisance of a sample needs an up and a down source');
      }
    }
    for (const [name, s] of Object.entries(spec.samples)) {
      if (!(s.expected > 0)) throw new InputError('argument', `analysis samples["${name}"].expected`, `must be positive, got ${s.expected}`);
    }
    const smallest = Math.min(...Object.values(spec.samples).map((s) => s.expected));
    this.floor = spec.floor ?? (1e-3 * smallest) / this.bins;
  }

  /** The dataset names the analysis reads. */
  datasetNames(): string[] {
    const names = new Set(Object.values(this.spec.samples).map((s) => s.dataset));
    for (const v of Object.values(this.spec.variations ?? {})) for (const src of [v.up, v.down]) if (src.kind === 'dataset') names.add(src.dataset);
    return [...names];
  }

  /** Soft counts [bins] of summary outputs with per-event weights. */
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
   * The expected yield scale of a dataset's events: per-event weight factor so that the
   * dataset's (weighted) events sum to `expected`.
   */
  static eventWeights(d: Dataset, expected: number, idx?: ArrayLike<number>): Float32Array {
    const n = idx ? idx.length : d.n;
    let sumW = d.n;
    if (d.weights) {
      sumW = 0;
      for (let i = 0; i < d.n; i++) sumW += d.weights[i];
    }
    const scale = (expected * d.n) / (sumW * n); // expected w_i / (mean(w) n)
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = scale * (d.weights ? d.weights[idx ? idx[i] : i] : 1);
    return out;
  }
}

/**
 * Hard bin index of each of `n` summary outputs: the argmax of K logits (row-major [n, K]; the
 * first of tied largest logits) for softmax binning, or the bin of the score among the fixed
 * edges for KDE binning, with numpy's edge rule as everywhere in diffinfer (`hardHistogram`):
 * bin k is `[e_k, e_{k+1})`, the last bin `[e_{B-1}, e_B]` closed, so a score on an interior edge
 * opens the upper bin and a float32 sigmoid score of exactly 1.0 lands in the last bin; below
 * the first edge bin 0, above the last the last bin (the `fold` overflow the analysis's soft
 * counts use, whose h -> 0 limit these bins are).
 *
 * @example
 * ```ts
 * hardBins({ kind: 'kde', edges: [0, 0.5, 1], bandwidth: { relative: 0.5 } }, 2, Float32Array.from([0.2, 0.7]), 2); // [0, 1]
 * ```
 */
export function hardBins(binning: Binning, bins: number, outputs: Float32Array, n: number): Int32Array {
  const out = new Int32Array(n);
  if (binning.kind === 'softmax') {
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let j = 1; j < bins; j++) if (outputs[i * bins + j] > outputs[i * bins + best]) best = j;
      out[i] = best;
    }
  } else {
    const e = binning.edges;
    for (let i = 0; i < n; i++) {
      const s = outputs[i];
      let lo = 0;
      let hi = bins - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (s >= e[mid]) lo = mid;
        else hi = mid - 1;
      }
      out[i] = lo;
    }
  }
  return out;
}
