/**
 * Maximum-likelihood training of a flow: minimise the mean negative log-likelihood
 *
 * `NLL(phi) = -(1/|b|) sum_{i in b} log p_phi(x_i | c_i)`
 *
 * over minibatches b with Adam. Each epoch visits the data once in an order drawn from
 * seedrandom (Fisher–Yates), so the same seed gives the same weights on one backend. Each step
 * runs inside tf.tidy with tf.variableGrads; the loss and the gradient norm are read back every
 * step, and a non-finite value stops training with a NumericalError before the weights change.
 */
import * as tf from '@tensorflow/tfjs-core';
import seedrandom from 'seedrandom';
import { NumericalError } from '../../stats/errors.js';
import { checkContext, checkEvents, checkInteger, fitStandardisation, type Flow } from './flow.js';

/** 'auto': fit the standardisation from the data unless the flow has one; 'fit': always refit; 'keep': never. */
export type StandardiseMode = 'auto' | 'fit' | 'keep';

export interface TrainFlowOptions {
  readonly epochs: number;
  readonly batchSize: number;
  /** Adam's step size. */
  readonly learningRate: number;
  /** Seed of the minibatch order. */
  readonly seed: number;
  /** [N, contextDim], row i the context of event i; required for a conditional flow. */
  readonly context?: tf.Tensor2D;
  /** Default 'auto'. */
  readonly standardise?: StandardiseMode;
  /** When the standardisation is fitted: its log columns (Standardisation.logShift); default the flow's, or none. */
  readonly logShift?: readonly (number | null)[];
  /** Receives one line per epoch; default: silent. */
  readonly log?: (line: string) => void;
}

export interface TrainFlowResult {
  /** Mean NLL per event over each epoch (nats, in the data's original units), [epochs]. */
  readonly nll: readonly number[];
  /** Optimiser steps taken. */
  readonly steps: number;
}

function checkFinite(t: tf.Tensor, where: string): void {
  const v = t.dataSync();
  const cols = t.shape[1] ?? 1;
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i])) throw new RangeError(`${where}[${Math.floor(i / cols)}, ${i % cols}] is not finite (${v[i]})`);
  }
}

/**
 * Trains `flow` by maximum likelihood on `data` [N, d] (see the module comment) and returns the
 * per-epoch mean NLL. With `standardise` 'auto' (default) a flow without a standardisation gets
 * the data's mean and standard deviation first.
 *
 * @example
 * ```ts
 * const flow = createNeuralSplineFlow({ dim: 1, layers: 2, hidden: 16, seed: 1 });
 * const { nll } = trainFlow(flow, data, { epochs: 40, batchSize: 250, learningRate: 1e-2, seed: 2 });
 * ```
 */
export function trainFlow(flow: Flow, data: tf.Tensor2D, options: TrainFlowOptions): TrainFlowResult {
  checkEvents(data, flow.dim, 'trainFlow: data');
  const n = data.shape[0];
  if (options === null || typeof options !== 'object') throw new RangeError('trainFlow: options must be an object');
  const epochs = checkInteger(options.epochs, 1, 'trainFlow: epochs');
  const batchSize = checkInteger(options.batchSize, 1, 'trainFlow: batchSize');
  const lr = options.learningRate;
  if (typeof lr !== 'number' || !(lr > 0) || !Number.isFinite(lr)) throw new RangeError(`trainFlow: learningRate must be a finite number > 0, got ${String(lr)}`);
  if (typeof options.seed !== 'number' || !Number.isFinite(options.seed)) throw new RangeError(`trainFlow: seed must be a finite number, got ${String(options.seed)}`);
  const mode = options.standardise ?? 'auto';
  if (mode !== 'auto' && mode !== 'fit' && mode !== 'keep') throw new RangeError(`trainFlow: standardise must be 'auto', 'fit' or 'keep', got ${JSON.stringify(mode)}`);
  const context = checkContext(options.context, flow.contextDim, n, 'trainFlow');
  checkFinite(data, 'trainFlow: data');
  if (context) checkFinite(context, 'trainFlow: context');
  if (mode === 'fit' || (mode === 'auto' && flow.standardisation === undefined)) {
    if (n < 2) throw new RangeError(`trainFlow: fitting the standardisation needs at least 2 events, got ${n}`);
    flow.setStandardisation(fitStandardisation(data, context, options.logShift ?? flow.standardisation?.logShift));
  }

  const vars = flow.trainableVariables();
  const optimizer = tf.train.adam(lr);
  const rng = seedrandom(`diffinfer-train:${options.seed}`);
  const order = Array.from({ length: n }, (_, i) => i);
  const batches = Math.ceil(n / batchSize);
  const nll: number[] = [];
  let steps = 0;
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(rng() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
      let total = 0;
      for (let b = 0; b < batches; b++) {
        const idx = order.slice(b * batchSize, Math.min(n, (b + 1) * batchSize));
        const loss = tf.tidy(() => {
          const indices = tf.tensor1d(idx, 'int32');
          const xb = tf.gather(data, indices) as tf.Tensor2D;
          const cb = context ? (tf.gather(context, indices) as tf.Tensor2D) : undefined;
          const { value, grads } = tf.variableGrads(() => tf.neg(tf.mean(flow.logProb(xb, cb))) as tf.Scalar, vars);
          const list = Object.values(grads).filter((g): g is tf.Tensor => g !== null);
          const [lossValue, squared] = tf.stack([value, tf.addN(list.map((g) => tf.sum(tf.square(g))))]).dataSync();
          if (!Number.isFinite(lossValue) || !Number.isFinite(squared)) {
            throw new NumericalError(
              `trainFlow: the ${Number.isFinite(lossValue) ? 'gradient' : 'loss'} is not finite (loss ${lossValue}, squared gradient norm ${squared}) at epoch ${epoch + 1}, step ${b + 1} of ${batches}; ` +
                `the weights are left as they were before this step (check the data, or lower the learning rate ${lr})`,
            );
          }
          optimizer.applyGradients(grads as tf.NamedTensorMap as Parameters<typeof optimizer.applyGradients>[0]);
          return lossValue;
        });
        total += loss * idx.length;
        steps++;
      }
      nll.push(total / n);
      options.log?.(`trainFlow: epoch ${epoch + 1}/${epochs} mean NLL ${(total / n).toFixed(5)}`);
    }
  } finally {
    optimizer.dispose();
  }
  return { nll, steps };
}
