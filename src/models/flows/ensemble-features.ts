/**
 * Flow-ensemble features: log-likelihood ratios of per-process density estimates.
 *
 * With one flow per process k (signal, background, systematic variations such as
 * 'background:up'), the features of an event x are
 *
 * `f_k(x) = log p_k(x) - log p_ref(x)`,  k in the processes other than the reference,
 *
 * [N, F]. For two processes, f is the (estimated) optimal classifier's log-odds up to a constant
 * (Neyman–Pearson); with variations it also tells how the event's likelihood moves with the
 * nuisance. As an input transform in front of an MLP summary the flows are fixed: compute the
 * features once with `flowFeatures` and feed them to the MLP, or call the transform from
 * `flowFeatureTransform` inside a loss. The flows' weights are read, never trained, as long as
 * the summary's trainer passes its own variables to `tf.variableGrads` (the default variable
 * list would include the flows'). The features are differentiable in x (plain tfjs ops).
 */
import * as tf from '@tensorflow/tfjs-core';
import seedrandom from 'seedrandom';
import { checkContext, checkEvents, type Flow } from './flow.js';
import { createFlow, type FlowSpec } from './serialize.js';
import { trainFlow, type StandardiseMode } from './train.js';

export interface FlowFeatureOptions {
  /** The process in the denominator, a key of `flows`. */
  readonly reference: string;
  /** The processes in the numerators, in column order; default: every other key of `flows`, in key order. */
  readonly processes?: readonly string[];
}

/** The feature map as a tfjs function with its column names. */
export interface FlowFeatureTransform {
  /** x [N, d] (and a context [N, k] for conditional flows) -> features [N, F]. */
  (x: tf.Tensor2D, context?: tf.Tensor2D): tf.Tensor2D;
  /** The numerator process of each column, [F]. */
  readonly names: readonly string[];
  readonly reference: string;
  /** d */
  readonly inputDim: number;
  /** F */
  readonly outputDim: number;
}

/**
 * The feature map of `flows` as a function (see the module comment); checks once that the flows
 * share the event and context dimensions.
 *
 * @example
 * ```ts
 * const features = flowFeatureTransform(flows, { reference: 'background' });
 * features.names;                    // ['signal', 'background:up', 'background:down']
 * const scores = mlp(features(x));   // [N, F] -> summary
 * ```
 */
export function flowFeatureTransform(flows: Readonly<Record<string, Flow>>, options: FlowFeatureOptions): FlowFeatureTransform {
  if (flows === null || typeof flows !== 'object') throw new RangeError('flowFeatureTransform: flows must be a record of flows');
  if (options === null || typeof options !== 'object') throw new RangeError('flowFeatureTransform: options must be an object');
  const keys = Object.keys(flows);
  const { reference } = options;
  if (!keys.includes(reference)) throw new RangeError(`flowFeatureTransform: reference ${JSON.stringify(reference)} is not one of the flows (${keys.join(', ')})`);
  const names = [...(options.processes ?? keys.filter((k) => k !== reference))];
  if (names.length === 0) throw new RangeError('flowFeatureTransform: need at least one process besides the reference');
  const seen = new Set<string>();
  for (const name of names) {
    if (!keys.includes(name)) throw new RangeError(`flowFeatureTransform: process ${JSON.stringify(name)} is not one of the flows (${keys.join(', ')})`);
    if (name === reference) throw new RangeError(`flowFeatureTransform: process ${JSON.stringify(name)} is the reference`);
    if (seen.has(name)) throw new RangeError(`flowFeatureTransform: process ${JSON.stringify(name)} is listed twice`);
    seen.add(name);
  }
  const ref = flows[reference];
  for (const name of names) {
    const f = flows[name];
    if (f.dim !== ref.dim || f.contextDim !== ref.contextDim) {
      throw new RangeError(`flowFeatureTransform: flow ${JSON.stringify(name)} has dim ${f.dim}, contextDim ${f.contextDim}; the reference ${JSON.stringify(reference)} has dim ${ref.dim}, contextDim ${ref.contextDim}`);
    }
  }
  const apply = (x: tf.Tensor2D, context?: tf.Tensor2D): tf.Tensor2D => {
    checkEvents(x, ref.dim, 'flowFeatures: x');
    checkContext(context, ref.contextDim, x.shape[0], 'flowFeatures');
    return tf.tidy(() => {
      const base = ref.logProb(x, context);
      return tf.stack(names.map((name) => tf.sub(flows[name].logProb(x, context), base)), 1) as tf.Tensor2D;
    });
  };
  return Object.assign(apply, { names, reference, inputDim: ref.dim, outputDim: names.length });
}

/**
 * The features `log p_k(x) - log p_ref(x)` [N, F] of events x [N, d] (see the module comment).
 *
 * @example
 * ```ts
 * const f = flowFeatures(flows, x, { reference: 'background' }); // [N, F]
 * ```
 */
export function flowFeatures(flows: Readonly<Record<string, Flow>>, x: tf.Tensor2D, options: FlowFeatureOptions & { readonly context?: tf.Tensor2D }): tf.Tensor2D {
  return flowFeatureTransform(flows, options)(x, options.context);
}

/**
 * The seed of one process's flow, derived from the ensemble seed and the process name (so
 * adding a process does not change the others').
 *
 * @example
 * ```ts
 * processSeed(1, 'signal'); // a 32-bit integer
 * ```
 */
export function processSeed(seed: number, name: string): number {
  return seedrandom(`diffinfer-ensemble:${seed}:${name}`).int32();
}

/** A flow specification without the per-process fields. */
export type EnsembleFlowSpec = FlowSpec extends infer S ? (S extends FlowSpec ? Omit<S, 'dim' | 'seed' | 'standardisation'> : never) : never;

export interface TrainFlowEnsembleOptions {
  /** The architecture of every flow (dim comes from the data). */
  readonly flow: EnsembleFlowSpec;
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  /** Ensemble seed; each process gets `processSeed(seed, name)` for its weights and batches. */
  readonly seed: number;
  /** Per-process context [N_k, contextDim] for conditional flows. */
  readonly context?: Readonly<Record<string, tf.Tensor2D>>;
  readonly standardise?: StandardiseMode;
  /** Log columns of every flow's fitted standardisation (Standardisation.logShift); default none. */
  readonly logShift?: readonly (number | null)[];
  /** Receives the training lines prefixed with the process name. */
  readonly log?: (line: string) => void;
}

export interface FlowEnsemble {
  readonly flows: Record<string, Flow>;
  /** Per-process per-epoch mean NLL. */
  readonly nll: Record<string, readonly number[]>;
  readonly seeds: Record<string, number>;
}

/**
 * Trains one flow per process on `data[process]` [N_k, d], each with its own seed, in key
 * order. On failure the flows created so far are disposed and the error is rethrown.
 *
 * @example
 * ```ts
 * const { flows } = trainFlowEnsemble({ signal: xs, background: xb }, {
 *   flow: { kind: 'realnvp', layers: 4, hidden: 32 }, epochs: 30, batchSize: 256, learningRate: 5e-3, seed: 1,
 * });
 * const f = flowFeatures(flows, x, { reference: 'background' });
 * ```
 */
export function trainFlowEnsemble(data: Readonly<Record<string, tf.Tensor2D>>, options: TrainFlowEnsembleOptions): FlowEnsemble {
  if (data === null || typeof data !== 'object') throw new RangeError('trainFlowEnsemble: data must be a record of tensors');
  const names = Object.keys(data);
  if (names.length === 0) throw new RangeError('trainFlowEnsemble: data has no processes');
  for (const name of names) {
    const x = data[name];
    if (!(x instanceof tf.Tensor) || x.rank !== 2) throw new RangeError(`trainFlowEnsemble: data[${JSON.stringify(name)}] must be a tf.Tensor2D [N, d]`);
    if (x.shape[1] !== data[names[0]].shape[1]) throw new RangeError(`trainFlowEnsemble: data[${JSON.stringify(name)}] has ${x.shape[1]} columns, data[${JSON.stringify(names[0])}] has ${data[names[0]].shape[1]}`);
  }
  if (options === null || typeof options !== 'object' || options.flow === null || typeof options.flow !== 'object') throw new RangeError('trainFlowEnsemble: options.flow must be a flow specification');
  if (typeof options.seed !== 'number' || !Number.isFinite(options.seed)) throw new RangeError(`trainFlowEnsemble: seed must be a finite number, got ${String(options.seed)}`);
  const dim = data[names[0]].shape[1];
  const flows: Record<string, Flow> = {};
  const nll: Record<string, readonly number[]> = {};
  const seeds: Record<string, number> = {};
  try {
    for (const name of names) {
      const seed = processSeed(options.seed, name);
      seeds[name] = seed;
      const flow = createFlow({ ...options.flow, dim, seed } as FlowSpec);
      flows[name] = flow;
      const log = options.log;
      const result = trainFlow(flow, data[name], {
        epochs: options.epochs,
        batchSize: options.batchSize,
        learningRate: options.learningRate,
        seed: seed + 1,
        context: options.context?.[name],
        standardise: options.standardise,
        ...(options.logShift ? { logShift: options.logShift } : {}),
        log: log ? (line) => log(`${name}: ${line}`) : undefined,
      });
      nll[name] = result.nll;
    }
  } catch (e) {
    for (const flow of Object.values(flows)) flow.dispose();
    throw e;
  }
  return { flows, nll, seeds };
}
