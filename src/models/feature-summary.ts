/**
 * A summary made of a fixed feature map followed by a trainable head, e.g. the seed analyses'
 * flow ensemble: per-event log-likelihood ratios of normalizing flows trained per process (and
 * per nuisance variation) feed a small MLP. Only the head's variables are trained; the feature
 * map is frozen (its variables are not in {@link FeatureSummary.trainableVariables}).
 */
import * as tf from '@tensorflow/tfjs-core';
import { InputError } from '../stats/errors.js';
import { flowFeatureTransform, type FlowFeatureOptions } from './flows/ensemble-features.js';
import type { Flow } from './flows/flow.js';
import type { MlpSummary } from './mlp.js';
import type { Summary, SummaryOutput } from './summary.js';

/** A frozen feature map x [N, d] -> features [N, F]. */
export interface FeatureMap {
  (x: tf.Tensor2D): tf.Tensor2D;
  readonly inputDim: number;
  readonly outputDim: number;
}

/**
 * `head(features(x))`.
 *
 * @example
 * ```ts
 * const ens = await trainFlowEnsemble({ signal, background, 'background:up': up, 'background:down': down }, { ... });
 * const features = flowFeatureTransform(ens.flows, { reference: 'background' });
 * const head = createMlp({ inputDim: features.outputDim, hidden: [32], output: { kind: 'logits', bins: 10 }, seed: 1 });
 * const summary = new FeatureSummary(features, head, ['x0', 'x1']);
 * await train(summary, analysis, data, options);   // trains the head only
 * ```
 */
export class FeatureSummary implements Summary {
  readonly inputDim: number;
  readonly output: SummaryOutput;
  readonly inputNames: readonly string[];
  /** The flows and options of a flow-ensemble feature map ({@link FeatureSummary.fromFlows}): what a bundle saves. */
  flowSource?: { readonly flows: Readonly<Record<string, Flow>>; readonly options: FlowFeatureOptions };
  /** Whether {@link dispose} releases the flows of {@link flowSource} too. */
  private ownsFlows = false;

  constructor(
    readonly features: FeatureMap,
    readonly head: MlpSummary,
    inputNames?: readonly string[],
  ) {
    if (head.inputDim !== features.outputDim) throw new InputError('argument', 'FeatureSummary head', `takes ${head.inputDim} inputs, the feature map gives ${features.outputDim}`);
    this.inputDim = features.inputDim;
    this.output = head.output;
    this.inputNames = inputNames ?? Array.from({ length: features.inputDim }, (_, i) => `x${i}`);
    if (this.inputNames.length !== this.inputDim) throw new InputError('argument', 'FeatureSummary inputNames', `has ${this.inputNames.length} names, the feature map takes ${this.inputDim} inputs`);
  }

  /**
   * A summary on flow-ensemble features (`flowFeatureTransform(flows, options)`), saveable in a
   * bundle (bundle.ts writes the flows and the head). With `ownsFlows`, {@link dispose} releases
   * the flows too (a summary loaded from a bundle, or one whose flows were trained for it).
   *
   * @example
   * ```ts
   * const summary = FeatureSummary.fromFlows(ens.flows, { reference: 'background' }, head, ['x0', 'x1'], { ownsFlows: true });
   * ```
   */
  static fromFlows(flows: Readonly<Record<string, Flow>>, options: FlowFeatureOptions, head: MlpSummary, inputNames?: readonly string[], ownership: { readonly ownsFlows?: boolean } = {}): FeatureSummary {
    const s = new FeatureSummary(flowFeatureTransform(flows, options), head, inputNames);
    s.flowSource = { flows, options };
    s.ownsFlows = ownership.ownsFlows ?? false;
    return s;
  }

  apply(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => this.head.apply(this.features(x)));
  }

  trainableVariables(): tf.Variable[] {
    return this.head.trainableVariables();
  }

  /** Releases the head (and the flows when the summary owns them, see {@link FeatureSummary.fromFlows}). */
  dispose(): void {
    this.head.dispose();
    if (this.ownsFlows) for (const f of Object.values(this.flowSource?.flows ?? {})) f.dispose();
  }
}
