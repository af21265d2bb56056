/**
 * Optimisers as pure transformations with explicit state (optax style): `init(sizes)` makes the
 * state, `update(grads, state)` returns the parameter updates and the next state. The state is
 * host arrays (float32) plus a step counter, so a checkpoint saves it exactly and a resumed run
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

/**
 * Optimiser state: the step counter and per-parameter slots (momentum, moments) in host memory.
 * A summary network has ~1e4-1e5 weights, so updating them in JS costs microseconds, while the
 * same update as tfjs ops is ~10 small kernels per weight tensor (~60 per step, ~5 ms on wasm).
 */
export interface OptimizerState {
  readonly step: number;
  /** slots[k][i]: slot k of parameter i. */
  readonly slots: readonly (readonly Float32Array[])[];
}

/** An optimiser as a pure gradient transformation on host arrays. */
export interface Optimizer {
  readonly kind: 'adam' | 'sgd';
  init(sizes: readonly number[]): OptimizerState;
  /** Updates to add to the parameters, and the next state; inputs are not modified. */
  update(grads: readonly Float32Array[], state: OptimizerState): { updates: Float32Array[]; state: OptimizerState };
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
 * let state = opt.init(vars.map((v) => v.size));
 * state = applyGradients(opt, vars, grads, state);
 * ```
 */
export function adam(options: { schedule: Schedule; beta1?: number; beta2?: number; epsilon?: number }): Optimizer {
  const { schedule, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8 } = options;
  return {
    kind: 'adam',
    init: (sizes) => ({ step: 0, slots: [sizes.map((n) => new Float32Array(n)), sizes.map((n) => new Float32Array(n))] }),
    update: (grads, state) => {
      const t = state.step + 1;
      const lr = schedule(state.step);
      const c1 = 1 / (1 - beta1 ** t);
      const c2 = 1 / (1 - beta2 ** t);
      const m: Float32Array[] = [];
      const v: Float32Array[] = [];
      const updates = grads.map((g, i) => {
        const m0 = state.slots[0][i];
        const v0 = state.slots[1][i];
        const mi = new Float32Array(g.length);
        const vi = new Float32Array(g.length);
        const u = new Float32Array(g.length);
        for (let k = 0; k < g.length; k++) {
          mi[k] = beta1 * m0[k] + (1 - beta1) * g[k];
          vi[k] = beta2 * v0[k] + (1 - beta2) * g[k] * g[k];
          u[k] = (-lr * (mi[k] * c1)) / (Math.sqrt(vi[k] * c2) + epsilon);
        }
        m.push(mi);
        v.push(vi);
        return u;
      });
      return { updates, state: { step: t, slots: [m, v] } };
    },
  };
}

/** SGD with optional momentum. */
export function sgd(options: { schedule: Schedule; momentum?: number }): Optimizer {
  const { schedule, momentum = 0 } = options;
  return {
    kind: 'sgd',
    init: (sizes) => ({ step: 0, slots: momentum > 0 ? [sizes.map((n) => new Float32Array(n))] : [] }),
    update: (grads, state) => {
      const lr = schedule(state.step);
      if (momentum === 0) return { updates: grads.map((g) => g.map((x) => -lr * x)), state: { step: state.step + 1, slots: [] } };
      const b: Float32Array[] = [];
      const updates = grads.map((g, i) => {
        const b0 = state.slots[0][i];
        const bi = new Float32Array(g.length);
        const u = new Float32Array(g.length);
        for (let k = 0; k < g.length; k++) {
          bi[k] = momentum * b0[k] + g[k];
          u[k] = -lr * bi[k];
        }
        b.push(bi);
        return u;
      });
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
 * One optimiser step: reads the gradients, computes the updates on the host, writes the new
 * weights into `vars` and returns the new state. Returns undefined (and changes nothing) when a
 * gradient is not finite.
 */
export function applyGradients(opt: Optimizer, vars: readonly tf.Variable[], grads: readonly tf.Tensor[], state: OptimizerState): OptimizerState | undefined {
  const g = grads.map((t) => t.dataSync() as Float32Array);
  for (const a of g) for (let k = 0; k < a.length; k++) if (!Number.isFinite(a[k])) return undefined;
  const { updates, state: next } = opt.update(g, state);
  vars.forEach((v, i) => {
    const w = Float32Array.from(v.dataSync() as Float32Array);
    const u = updates[i];
    for (let k = 0; k < w.length; k++) w[k] += u[k];
    v.assign(tf.tensor(w, v.shape, 'float32'));
  });
  return next;
}

/** Nothing to release: the state lives in host memory (kept for API symmetry). */
export function disposeState(state: OptimizerState): void {
  void state;
}

/** A JSON-serializable copy of the state (float32 values round-trip exactly through JSON numbers). */
export interface SerializedOptimizerState {
  readonly step: number;
  readonly slots: number[][][];
}

export function serializeState(state: OptimizerState): SerializedOptimizerState {
  return { step: state.step, slots: state.slots.map((s) => s.map((a) => Array.from(a))) };
}

/** Rebuilds a state for parameters of the given sizes. */
export function deserializeState(s: SerializedOptimizerState, sizes: readonly number[]): OptimizerState {
  return {
    step: s.step,
    slots: s.slots.map((slot) => {
      if (slot.length !== sizes.length) throw new RangeError(`deserializeState: a slot has ${slot.length} arrays for ${sizes.length} parameters`);
      return slot.map((values, i) => {
        if (values.length !== sizes[i]) throw new RangeError(`deserializeState: slot array ${i} has ${values.length} values, the parameter has ${sizes[i]}`);
        return Float32Array.from(values);
      });
    }),
  };
}
