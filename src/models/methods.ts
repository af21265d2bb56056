/**
 * The registry of training methods: per method its loss (binary cross-entropy of a score, or a
 * float64 objective of the template counts), the summary output it trains (one sigmoid score or
 * K logits), its binning, the criterion that picks the best validation step, and its labels and
 * colour. The trainer, the CLI, the reports and the plots read this one table.
 *
 * | method | loss | output | binning (training / evaluation) | best step by |
 * |---|---|---|---|---|
 * | inferno | Cramér-Rao width of the POI | logits | softmax / argmax | validation Fisher width |
 * | profile-width | profile-likelihood half width | logits | softmax / argmax | validation Fisher width |
 * | bce | balanced binary cross-entropy | score | KDE / equal score bins | validation loss |
 * | cls | expected CLs at the tested POI | score | KDE / equal score bins | validation Fisher width |
 * | z0 | minus the discovery significance | score | KDE / equal score bins | validation Fisher width |
 * | bce-augmented | BCE on nuisance-augmented batches (arms/augmented.ts) | score | KDE / equal score bins | validation loss |
 * | pivot | BCE - lambda x adversary loss (arms/pivot.ts) | score | KDE / equal score bins | validation loss |
 * | nf-ensemble | BCE of a head on per-process flow log densities (FeatureSummary) | score | KDE / equal score bins | validation loss |
 * | parameterized | BCE of f(x; nu) on nuisance-augmented batches, nu as inputs | score | KDE / equal score bins | validation loss |
 *
 * A method with its own loss or hooks (issue 12's arms) adds a `loss` kind here and its branch
 * in the trainer.
 */
import { InputError } from '../stats/errors.js';
import { cramerRaoWidth, discoverySignificance, expectedCls, profileWidth, type ObjectiveResult } from '../stats/objectives/index.js';
import type { TemplateModel } from '../stats/templates/index.js';
import type { Binning } from './analysis.js';

/** The method names, in the order reports list them. */
export const METHOD_NAMES = ['inferno', 'profile-width', 'bce', 'cls', 'z0', 'bce-augmented', 'pivot', 'nf-ensemble', 'parameterized'] as const;

export type MethodName = (typeof METHOD_NAMES)[number];

/** Options a method's objective reads. */
export interface MethodObjectiveOptions {
  /** Tested POI of `cls`; default 1. */
  readonly testPoi?: number;
}

/** What a method minimises. */
export type MethodLoss =
  | { readonly kind: 'bce' }
  | { readonly kind: 'head'; readonly objective: (tm: TemplateModel, counts: Float64Array, options: MethodObjectiveOptions) => ObjectiveResult }
  /**
   * Issue 12's arms on nuisance-augmented batches (src/models/arms: `trainAugmentedBce`,
   * `trainPivot` with its lambda); the analysis trainer has no branch for them yet.
   */
  | { readonly kind: 'arm'; readonly arm: 'augmented' | 'pivot' | 'flows' | 'parameterized' };

/** Options of a method's binning. */
export interface BinningOptions {
  /** Softmax temperature (logits); default 0.1 (INFERNO's). */
  readonly temperature?: number;
  /** KDE bandwidth relative to the bin width (score); default 0.5. */
  readonly bandwidth?: number;
}

/** A training method. */
export interface Method {
  readonly name: MethodName;
  /** One line for help texts and reports. */
  readonly description: string;
  readonly loss: MethodLoss;
  /**
   * The summary output it trains by default (one sigmoid score or K logits). The inference-aware
   * losses take either (neos trains a score); `bce` needs a score.
   */
  readonly output: 'score' | 'logits';
  /** The binning of `bins` bins: softmax of logits, or a KDE of the score over equal bins of [0, 1]. */
  binning(bins: number, options?: BinningOptions): Binning;
  /** What picks the best validation step: the method's own loss, or the Fisher width on hard validation histograms. */
  readonly selection: 'validation-loss' | 'fisher-width';
  /** The loss axis label of training curves (`poi`: the POI's symbol). */
  lossLabel(poi: string): string;
  /** Plot colour (Tableau 10). */
  readonly color: string;
}

const softmax = (_bins: number, o: BinningOptions = {}): Binning => ({ kind: 'softmax', temperature: o.temperature ?? 0.1 });
const scoreBins = (bins: number, o: BinningOptions = {}): Binning => ({ kind: 'kde', edges: Array.from({ length: bins + 1 }, (_, k) => k / bins), bandwidth: { relative: o.bandwidth ?? 0.5 } });

/** The methods by name. */
export const METHODS: Readonly<Record<MethodName, Method>> = {
  inferno: {
    name: 'inferno',
    description: 'INFERNO: the Cramér-Rao width of the POI with every nuisance profiled (softmax of logits)',
    loss: { kind: 'head', objective: (tm, c) => cramerRaoWidth(tm, c) },
    output: 'logits',
    binning: softmax,
    selection: 'fisher-width',
    lossLabel: (poi) => `loss: Fisher sigma_${poi}`,
    color: '#4e79a7',
  },
  'profile-width': {
    name: 'profile-width',
    description: 'the profile-likelihood half width of the POI (softmax of logits)',
    loss: { kind: 'head', objective: (tm, c) => profileWidth(tm, c) },
    output: 'logits',
    binning: softmax,
    selection: 'fisher-width',
    lossLabel: (poi) => `loss: profile sigma_${poi}`,
    color: '#59a14f',
  },
  bce: {
    name: 'bce',
    description: 'binary cross-entropy of a signal-vs-background score (the classifier baseline), equal score bins',
    loss: { kind: 'bce' },
    output: 'score',
    binning: scoreBins,
    selection: 'validation-loss',
    lossLabel: () => 'loss: binary cross-entropy',
    color: '#e15759',
  },
  cls: {
    name: 'cls',
    description: 'neos: the expected CLs at the tested POI (KDE of a score)',
    loss: { kind: 'head', objective: (tm, c, o) => expectedCls(tm, c, { testPoi: o.testPoi ?? 1 }) },
    output: 'score',
    binning: scoreBins,
    selection: 'fisher-width',
    lossLabel: () => 'loss: expected CLs',
    color: '#f28e2c',
  },
  z0: {
    name: 'z0',
    description: 'minus the expected discovery significance Z0 (KDE of a score)',
    loss: {
      kind: 'head',
      objective: (tm, c) => {
        const r = discoverySignificance(tm, c);
        return { value: -r.value, gradient: r.gradient.map((g) => -g) };
      },
    },
    output: 'score',
    binning: scoreBins,
    selection: 'fisher-width',
    lossLabel: () => 'loss: -Z0 (sigma)',
    color: '#af7aa1',
  },
  // issue 12's baseline arms against systematics (src/models/arms), classifiers binned like bce
  'bce-augmented': {
    name: 'bce-augmented',
    description: 'binary cross-entropy on events whose nuisances are drawn from their priors per batch (systematic-robust augmentation), equal score bins',
    loss: { kind: 'arm', arm: 'augmented' },
    output: 'score',
    binning: scoreBins,
    selection: 'validation-loss',
    lossLabel: () => 'loss: binary cross-entropy (augmented)',
    color: '#ff9da7',
  },
  pivot: {
    name: 'pivot',
    description: 'a classifier with an adversary predicting the nuisances from its score, gradient reversal of strength lambda (arXiv:1611.01046), equal score bins',
    loss: { kind: 'arm', arm: 'pivot' },
    output: 'score',
    binning: scoreBins,
    selection: 'validation-loss',
    lossLabel: () => 'loss: BCE - lambda x adversary loss',
    color: '#9c755f',
  },
  'nf-ensemble': {
    name: 'nf-ensemble',
    description: 'one normalizing flow per process; their per-event log densities and log-density ratios feed a classifier trained with BCE, equal score bins',
    loss: { kind: 'arm', arm: 'flows' },
    output: 'score',
    binning: scoreBins,
    selection: 'validation-loss',
    lossLabel: () => 'loss: binary cross-entropy (head on flow features)',
    color: '#edc949',
  },
  parameterized: {
    name: 'parameterized',
    description: 'a classifier f(x; nu) with the shape nuisances as inputs, trained over their priors and evaluated at the fitted nuisance values, equal score bins',
    loss: { kind: 'arm', arm: 'parameterized' },
    output: 'score',
    binning: scoreBins,
    selection: 'validation-loss',
    lossLabel: () => 'loss: binary cross-entropy of f(x; nu)',
    color: '#bab0ab',
  },
};

/** Whether `name` is a method. */
export function isMethodName(name: string): name is MethodName {
  return (METHOD_NAMES as readonly string[]).includes(name);
}

/**
 * The method `name`.
 *
 * @throws InputError naming `where` for an unknown name.
 * @example
 * ```ts
 * methodOf('inferno').output; // 'logits'
 * ```
 */
export function methodOf(name: string, where = 'method'): Method {
  if (!isMethodName(name)) throw new InputError('argument', where, `unknown method ${JSON.stringify(name)} (expected ${METHOD_NAMES.join(', ')})`);
  return METHODS[name];
}
