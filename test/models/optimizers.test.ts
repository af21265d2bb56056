/**
 * Optimisers: Adam and SGD with momentum equal float64 reference recursions over several steps
 * (1e-6 relative: float32 state), schedules give their formulas, a serialized state continues
 * exactly, and a non-finite gradient is refused.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/autodiff/backend.js';
import { adam, applyGradients, deserializeState, disposeState, scheduleFrom, serializeState, sgd } from '../../src/models/index.js';

beforeAll(async () => {
  await initBackend({ request: 'cpu', log: () => {} });
});

/** f(p) = sum (p - target)^2 / 2, gradient p - target. */
const TARGET = [1, -2, 0.5];

function run(opt: ReturnType<typeof adam>, steps: number): number[] {
  const v = tf.variable(tf.tensor1d([0, 0, 0]));
  let state = opt.init([v.size]);
  for (let t = 0; t < steps; t++) {
    const g = tf.tidy(() => tf.sub(v, tf.tensor1d(TARGET)));
    state = applyGradients(opt, [v], [g], state)!;
    g.dispose();
  }
  disposeState(state);
  const out = Array.from(v.dataSync());
  v.dispose();
  return out;
}

describe('optimizers', () => {
  it('Adam equals the reference recursion (bias-corrected moments)', () => {
    const lr = (t: number) => 0.1 / (1 + t);
    const got = run(adam({ schedule: lr }), 7);
    const p = [0, 0, 0];
    const m = [0, 0, 0];
    const v = [0, 0, 0];
    for (let t = 0; t < 7; t++) {
      for (let i = 0; i < 3; i++) {
        const g = p[i] - TARGET[i];
        m[i] = 0.9 * m[i] + 0.1 * g;
        v[i] = 0.999 * v[i] + 0.001 * g * g;
        p[i] -= (lr(t) * (m[i] / (1 - 0.9 ** (t + 1)))) / (Math.sqrt(v[i] / (1 - 0.999 ** (t + 1))) + 1e-8);
      }
    }
    got.forEach((x, i) => expect(Math.abs(x - p[i])).toBeLessThan(1e-6 * Math.max(1, Math.abs(p[i]))));
  });

  it('SGD with momentum equals the reference recursion', () => {
    const got = run(sgd({ schedule: () => 0.05, momentum: 0.9 }), 9);
    const p = [0, 0, 0];
    const b = [0, 0, 0];
    for (let t = 0; t < 9; t++) {
      for (let i = 0; i < 3; i++) {
        b[i] = 0.9 * b[i] + (p[i] - TARGET[i]);
        p[i] -= 0.05 * b[i];
      }
    }
    got.forEach((x, i) => expect(Math.abs(x - p[i])).toBeLessThan(1e-6 * Math.max(1, Math.abs(p[i]))));
  });

  it('schedules follow their formulas', () => {
    expect(scheduleFrom({ kind: 'constant', learningRate: 0.1 })(1000)).toBe(0.1);
    expect(scheduleFrom({ kind: 'step', learningRate: 1e-3, every: 100, factor: 0.5 })(250)).toBeCloseTo(2.5e-4, 15);
    expect(scheduleFrom({ kind: 'exponential', learningRate: 1, decay: 0.5, every: 10 })(5)).toBeCloseTo(Math.SQRT1_2, 15);
    const cos = scheduleFrom({ kind: 'cosine', learningRate: 1, steps: 100, final: 0.1 });
    expect(cos(0)).toBe(1);
    expect(cos(50)).toBeCloseTo(0.55, 15);
    expect(cos(100)).toBe(0.1);
    expect(() => scheduleFrom({ kind: 'constant', learningRate: 0 })).toThrow('schedule: learningRate must be positive and finite, got 0');
  });

  it('a serialized state continues exactly', () => {
    const opt = adam({ schedule: () => 0.01 });
    const a = tf.variable(tf.tensor1d([0, 0, 0]));
    const b = tf.variable(tf.tensor1d([0, 0, 0]));
    let sa = opt.init([a.size]);
    const step = (v: tf.Variable, s: typeof sa) => {
      const g = tf.tidy(() => tf.sub(v, tf.tensor1d(TARGET)));
      const next = applyGradients(opt, [v], [g], s)!;
      g.dispose();
      return next;
    };
    for (let t = 0; t < 3; t++) sa = step(a, sa);
    b.assign(a);
    let sb = deserializeState(JSON.parse(JSON.stringify(serializeState(sa))), [b.size]);
    for (let t = 0; t < 3; t++) {
      sa = step(a, sa);
      sb = step(b, sb);
    }
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    expect(sb.step).toBe(6);
    disposeState(sa);
    disposeState(sb);
  });

  it('a non-finite gradient changes nothing and returns undefined', () => {
    const opt = adam({ schedule: () => 0.01 });
    const v = tf.variable(tf.tensor1d([1, 2]));
    const state = opt.init([v.size]);
    const g = tf.tensor1d([0.5, NaN]);
    expect(applyGradients(opt, [v], [g], state)).toBeUndefined();
    expect(Array.from(v.dataSync())).toEqual([1, 2]);
    g.dispose();
    v.dispose();
  });
});
