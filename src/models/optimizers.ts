/**
 * Optimisers as pure transformations with explicit state (optax style): `init(params)` makes the
 * state, `update(grads, state, params)` returns the parameter updates and the next state. The
 * state is plain tensors plus a step counter, so a checkpoint saves it exactly and a resumed run
 * continues bit for bit. Learning-rate schedules are functions of the step.
 *
 * - SGD with momentum mu: `b <- mu b + g`, `update = -lr(t) b` (PyTorch's convention).
 * - Adam (Kingma & Ba): `m <- b1 m + (1 - b1) g`, `v <- b2 v + (1 - b2) g^2`,
 *   `update = -lr(t) (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)`, t = step + 1.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Learning rate as a function of the step (0-based). */
export type Schedule = (step: number) => number;

/** Serializable schedule descriptions. */
export type ScheduleConfig =
  | { readonly kind: 'constant'; readonly learningRate: number }
  | { readonly kind: 'step'; readonly learningRate: number; readonly every: number; readonly factor: number }
  | { readonly kind: 'exponential'; readonly learningRate: number; readonly decay: number; readonly every: number }
  | { readonly kind: 'cosine'; readonly learningRate: number; readonly steps: number; readonly final?: number };

/**
 * The schedule a config describes: constant; `lr factor^floor(t / every)`;
 * `lr decay^(t / every)`; cosine from lr to `final` (default 0) over `steps`, then `final`.
 *
 * @example
 * ```ts
 * scheduleFrom({ kind: 'step', learningRate: 1e-3, every: 100, factor: 0.5 })(250); // 2.5e-4
 * ```
 */
export function scheduleFrom(config: ScheduleConfig): Schedule {
  const lr = config.learningRate;
  if (!(lr > 0) || !Number.isFinite(lr)) throw new RangeError(`schedule: learningRate must be positive and finite, got ${lr}`);
  switch (config.kind) {
    case 'constant':
      return () => lr;
    case 'step':
      return (t) => lr * config.factor ** Math.floor(t / config.every);
    case 'exponential':
      return (t) => lr * config.decay ** (t / config.every);
    case 'cosine': {
      const final = config.final ?? 0;
      return (t) => (t >= config.steps ? final : final + 0.5 * (lr - final) * (1 + Math.cos((Math.PI * t) / config.steps)));
    }
  }
}

/** Optimiser state: the step counter and per-parameter slot tensors (momentum, moments). */
export interface OptimizerState {
  readonly step: number;
  /** slots[k][i]: slot k of parameter i. */
  readonly slots: readonly (readonly tf.Tensor[])[];
}

/** An optimiser as a pure gradient transformation. */
export interface Optimizer {
  readonly kind: 'adam' | 'sgd';
  init(params: readonly tf.Tensor[]): OptimizerState;
  /** Updates to add to the parameters, and the next state; inputs are not disposed. */
  update(grads: readonly tf.Tensor[], state: OptimizerState): { updates: tf.Tensor[]; state: OptimizerState };
}

/** Serializable optimiser descriptions. */
export type OptimizerConfig =
  | { readonly kind: 'adam'; readonly schedule: ScheduleConfig; readonly beta1?: number; readonly beta2?: number; readonly epsilon?: number }
  | { readonly kind: 'sgd'; readonly schedule: ScheduleConfig; readonly momentum?: number };

/**
 * Adam.
 *
 * @example
 * ```ts
 * const opt = adam({ schedule: scheduleFrom({ kind: 'constant', learningRate: 1e-3 }) });
 * let state = opt.init(vars);
 * state = applyGradients(opt, vars, grads, state);
 * ```
 */
export function adam(options: { schedule: Schedule; beta1?: number; beta2?: number; epsilon?: number }): Optimizer {
  const { schedule, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8 } = options;
  return {
    kind: 'adam',
    init: (params) => ({ step: 0, slots: [params.map((p) => tf.keep(tf.zerosLike(p))), params.map((p) => tf.keep(tf.zerosLike(p)))] }),
    update: (grads, state) => {
      const t = state.step + 1;
      const lr = schedule(state.step);
      const c1 = 1 / (1 - beta1 ** t);
      const c2 = 1 / (1 - beta2 ** t);
      const m: tf.Tensor[] = [];
      const v: tf.Tensor[] = [];
      const updates = grads.map((g, i) =>
        tf.tidy(() => {
          const mi = tf.keep(tf.add(tf.mul(state.slots[0][i], beta1), tf.mul(g, 1 - beta1)));
          const vi = tf.keep(tf.add(tf.mul(state.slots[1][i], beta2), tf.mul(tf.square(g), 1 - beta2)));
          m.push(mi);
          v.push(vi);
          return tf.mul(tf.div(tf.mul(mi, c1), tf.add(tf.sqrt(tf.mul(vi, c2)), epsilon)), -lr);
        }),
      );
      return { updates, state: { step: t, slots: [m, v] } };
    },
  };
}

/** SGD with optional momentum. */
export function sgd(options: { schedule: Schedule; momentum?: number }): Optimizer {
  const { schedule, momentum = 0 } = options;
  return {
    kind: 'sgd',
    init: (params) => ({ step: 0, slots: momentum > 0 ? [params.map((p) => tf.keep(tf.zerosLike(p)))] : [] }),
    update: (grads, state) => {
      const lr = schedule(state.step);
      if (momentum === 0) return { updates: grads.map((g) => tf.mul(g, -lr)), state: { step: state.step + 1, slots: [] } };
      const b: tf.Tensor[] = [];
      const updates = grads.map((g, i) =>
        tf.tidy(() => {
          const bi = tf.keep(tf.add(tf.mul(state.slots[0][i], momentum), g));
          b.push(bi);
          return tf.mul(bi, -lr);
        }),
      );
      return { updates, state: { step: state.step + 1, slots: [b] } };
    },
  };
}

/** The optimiser a config describes. */
export function optimizerFrom(config: OptimizerConfig): Optimizer {
  const schedule = scheduleFrom(config.schedule);
  return config.kind === 'adam' ? adam({ schedule, beta1: config.beta1, beta2: config.beta2, epsilon: config.epsilon }) : sgd({ schedule, momentum: config.momentum });
}

/**
 * One optimiser step: computes the updates, adds them to `vars`, disposes the old state and
 * the updates, and returns the new state.
 */
export function applyGradients(opt: Optimizer, vars: readonly tf.Variable[], grads: readonly tf.Tensor[], state: OptimizerState): OptimizerState {
  const { updates, state: next } = opt.update(grads, state);
  vars.forEach((v, i) => v.assign(tf.tidy(() => tf.add(v, updates[i]))));
  tf.dispose(updates);
  disposeState(state);
  return next;
}

/** Disposes the state's tensors. */
export function disposeState(state: OptimizerState): void {
  for (const slot of state.slots) tf.dispose([...slot]);
}

/** A JSON-serializable copy of the state (float32 values round-trip exactly through JSON numbers). */
export interface SerializedOptimizerState {
  readonly step: number;
  readonly slots: number[][][];
}

export function serializeState(state: OptimizerState): SerializedOptimizerState {
  return { step: state.step, slots: state.slots.map((s) => s.map((t) => Array.from(t.dataSync()))) };
}

/** Rebuilds a state for parameters shaped like `params`. */
export function deserializeState(s: SerializedOptimizerState, params: readonly tf.Tensor[]): OptimizerState {
  return {
    step: s.step,
    slots: s.slots.map((slot) => {
      if (slot.length !== params.length) throw new RangeError(`deserializeState: a slot has ${slot.length} tensors for ${params.length} parameters`);
      return slot.map((values, i) => tf.keep(tf.tensor(values, params[i].shape, 'float32')));
    }),
  };
}
