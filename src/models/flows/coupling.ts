/**
 * Coupling flows: the machinery shared by RealNVP and the neural spline flow.
 *
 * Layer l splits the standardised coordinates u [N, d] into an identity block `u_A` and a
 * transformed block `u_B` with alternating masks (`B_l = { j : (j + l) odd }`, so every
 * coordinate is transformed by every other layer), and maps, in the density direction x -> z,
 *
 * `z_A = u_A`,  `z_B = g(u_B; theta_l([u_A, c']))`,  `log|det dz/du| = sum_{j in B} log g'_j`,
 *
 * with `g` an elementwise invertible transform (affine or rational-quadratic) whose parameters
 * come from the conditioner MLP `theta_l` fed with the identity block and the standardised
 * context c'. For d = 1 there is no identity block: every layer transforms the single
 * coordinate with parameters that depend on the context only (a learned constant when the flow
 * is unconditional).
 *
 * The whole flow, density direction: `u = (x - m) / s`, then layers 0..L-1, giving z. Sampling
 * runs the inverse layers L-1..0 and `x = m + s u`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Mlp, type ConditionerInit } from './conditioner.js';
import {
  checkContext,
  checkEvents,
  checkInteger,
  seededNormal,
  standardNormalLogProb,
  validateStandardisation,
  type Flow,
  type FlowJSON,
  type FlowKind,
  type RealNvpConfig,
  type SampleOptions,
  type SplineConfig,
  type Standardisation,
} from './flow.js';

/**
 * An elementwise invertible transform of the transformed block, parameterised per element
 * (affine for RealNVP, rational-quadratic for the spline flow).
 *
 * @example
 * ```ts
 * const t = affineTransform(2); // t.paramsPerDim === 2
 * ```
 */
export interface CouplingTransform {
  /** Parameters per transformed coordinate. */
  readonly paramsPerDim: number;
  /**
   * Density direction: u_B [N, m], params [N, m, P] or [1, m, P] (one row shared by all events)
   * -> z_B [N, m] and sum_j log|dz_j/du_j| [N] (or [1] when shared and constant in u).
   */
  toLatent(u: tf.Tensor2D, params: tf.Tensor3D): { out: tf.Tensor2D; logDet: tf.Tensor1D };
  /** Sampling direction: z_B -> u_B and sum_j log|du_j/dz_j|, shapes as `toLatent`. */
  toData(z: tf.Tensor2D, params: tf.Tensor3D): { out: tf.Tensor2D; logDet: tf.Tensor1D };
}

/** Options every coupling-flow factory takes. */
export interface CouplingFlowOptions {
  /** Event dimension d >= 1. */
  readonly dim: number;
  /** Context dimension k >= 0; default 0 (unconditional). */
  readonly contextDim?: number;
  /** Coupling layers >= 1. */
  readonly layers: number;
  /** Hidden width of the conditioner MLPs. */
  readonly hidden: number;
  /** Hidden layers per conditioner; default 2. */
  readonly depth?: number;
  /** Seed of the initial weights. */
  readonly seed: number;
  /**
   * 'identity' (default): output layers start at zero, so the fresh flow is the identity on
   * standardised coordinates; 'random': a generic invertible map (contract tests).
   */
  readonly init?: ConditionerInit;
  /** The fixed standardisation; default: none until `trainFlow` fits it. */
  readonly standardisation?: Standardisation;
}

/**
 * The common fields of the configuration, validated; `where` names the factory in errors.
 *
 * @example
 * ```ts
 * const { dim, contextDim, layers, hidden, depth } = couplingConfig(options, 'createRealNvp');
 * ```
 */
export function couplingConfig(options: CouplingFlowOptions, where: string): { dim: number; contextDim: number; layers: number; hidden: number; depth: number } {
  if (options === null || typeof options !== 'object') throw new RangeError(`${where}: options must be an object`);
  const dim = checkInteger(options.dim, 1, `${where}: dim`);
  const contextDim = checkInteger(options.contextDim ?? 0, 0, `${where}: contextDim`);
  const layers = checkInteger(options.layers, 1, `${where}: layers`);
  const hidden = checkInteger(options.hidden, 1, `${where}: hidden`);
  const depth = checkInteger(options.depth ?? 2, 1, `${where}: depth`);
  if (typeof options.seed !== 'number' || !Number.isFinite(options.seed)) throw new RangeError(`${where}: seed must be a finite number, got ${String(options.seed)}`);
  if (options.init !== undefined && options.init !== 'identity' && options.init !== 'random') throw new RangeError(`${where}: init must be 'identity' or 'random', got ${JSON.stringify(options.init)}`);
  if (options.standardisation !== undefined) validateStandardisation(options.standardisation, dim, contextDim, where);
  return { dim, contextDim, layers, hidden, depth };
}

/** The transformed and identity coordinates of layer l. */
function masks(dim: number, layers: number): { a: number[]; b: number[] }[] {
  return Array.from({ length: layers }, (_, l) => {
    if (dim === 1) return { a: [], b: [0] };
    const b = Array.from({ length: dim }, (_, j) => j).filter((j) => (j + l) % 2 === 1);
    const a = Array.from({ length: dim }, (_, j) => j).filter((j) => (j + l) % 2 === 0);
    return { a, b };
  });
}

/** The [d, |cols|] matrix with a 1 at (cols[i], i): `u S` picks the columns. */
function selection(dim: number, cols: readonly number[]): tf.Tensor2D {
  const values = new Float32Array(dim * cols.length);
  cols.forEach((c, i) => (values[c * cols.length + i] = 1));
  return tf.tensor2d(values, [dim, cols.length]);
}

/** A deep copy, so callers can neither mutate the flow's standardisation nor see it change. */
const copyStd = (s: Standardisation): Standardisation => ({
  mean: [...s.mean],
  std: [...s.std],
  ...(s.contextMean ? { contextMean: [...s.contextMean] } : {}),
  ...(s.contextStd ? { contextStd: [...s.contextStd] } : {}),
  ...(s.logShift ? { logShift: [...s.logShift] } : {}),
});

/**
 * A coupling flow (see the module comment). Built by `createRealNvp` and
 * `createNeuralSplineFlow`; not constructed directly.
 *
 * @example
 * ```ts
 * const flow = createNeuralSplineFlow({ dim: 2, layers: 4, hidden: 32, seed: 1 });
 * const { z, logDet } = flow.inverse(x); // [N, 2], [N]
 * ```
 */
export class CouplingFlow implements Flow {
  readonly dim: number;
  readonly contextDim: number;
  private std: Standardisation | undefined;
  private readonly masks: { a: number[]; b: number[] }[];
  private readonly conditioners: Mlp[];
  private disposed = false;

  constructor(
    readonly kind: FlowKind,
    readonly config: RealNvpConfig | SplineConfig,
    private readonly transform: CouplingTransform,
    seed: number,
    init: ConditionerInit,
    standardisation: Standardisation | undefined,
  ) {
    this.dim = config.dim;
    this.contextDim = config.contextDim;
    this.std = standardisation ? copyStd(standardisation) : undefined;
    this.masks = masks(config.dim, config.layers);
    this.conditioners = this.masks.map(
      (m, l) =>
        new Mlp({
          inputDim: m.a.length + config.contextDim,
          hidden: config.hidden,
          depth: config.depth,
          outputDim: m.b.length * transform.paramsPerDim,
          seed: `${seed}:${l}`,
          init,
          label: `coupling[${l}]`,
        }),
    );
  }

  get standardisation(): Standardisation | undefined {
    return this.std ? copyStd(this.std) : undefined;
  }

  setStandardisation(standardisation: Standardisation): void {
    this.alive('setStandardisation');
    validateStandardisation(standardisation, this.dim, this.contextDim, `${this.kind}.setStandardisation`);
    this.std = copyStd(standardisation);
  }

  logProb(x: tf.Tensor2D, context?: tf.Tensor2D): tf.Tensor1D {
    this.alive('logProb');
    checkEvents(x, this.dim, `${this.kind}.logProb: x`);
    const c = checkContext(context, this.contextDim, x.shape[0], `${this.kind}.logProb`);
    return tf.tidy(() => {
      const { z, logDet } = this.toLatent(x, c);
      return tf.add(standardNormalLogProb(z), logDet) as tf.Tensor1D;
    });
  }

  inverse(x: tf.Tensor2D, context?: tf.Tensor2D): { z: tf.Tensor2D; logDet: tf.Tensor1D } {
    this.alive('inverse');
    checkEvents(x, this.dim, `${this.kind}.inverse: x`);
    const c = checkContext(context, this.contextDim, x.shape[0], `${this.kind}.inverse`);
    return tf.tidy(() => this.toLatent(x, c));
  }

  forward(z: tf.Tensor2D, context?: tf.Tensor2D): { x: tf.Tensor2D; logDet: tf.Tensor1D } {
    this.alive('forward');
    checkEvents(z, this.dim, `${this.kind}.forward: z`);
    const c = checkContext(context, this.contextDim, z.shape[0], `${this.kind}.forward`);
    return tf.tidy(() => this.toData(z, c));
  }

  sample(n: number, options: SampleOptions): tf.Tensor2D {
    this.alive('sample');
    checkInteger(n, 1, `${this.kind}.sample: n`);
    if (options === null || typeof options !== 'object' || typeof options.seed !== 'number' || !Number.isFinite(options.seed)) {
      throw new RangeError(`${this.kind}.sample: options.seed must be a finite number`);
    }
    const c = checkContext(options.context, this.contextDim, n, `${this.kind}.sample`, true);
    return tf.tidy(() => {
      const z = tf.tensor2d(seededNormal(n * this.dim, options.seed), [n, this.dim]);
      const ctx = c && c.shape[0] !== n ? (tf.tile(c, [n, 1]) as tf.Tensor2D) : c;
      return this.toData(z, ctx).x;
    });
  }

  trainableVariables(): tf.Variable[] {
    this.alive('trainableVariables');
    return this.conditioners.flatMap((m) => m.weights.map((w) => w.variable));
  }

  /** The weights with their labels, in the saved order. */
  labelledVariables(): { label: string; variable: tf.Variable }[] {
    this.alive('labelledVariables');
    return this.conditioners.flatMap((m) => m.weights.map((w) => ({ label: w.label, variable: w.variable })));
  }

  toJSON(): FlowJSON {
    this.alive('toJSON');
    const weights = this.labelledVariables().map(({ label, variable }) => ({ name: label, shape: [...variable.shape], values: Array.from(variable.dataSync()) }));
    const base = { format: 'diffinfer-flow' as const, version: 1 as const, standardisation: this.standardisation ?? null, weights };
    return this.kind === 'realnvp' ? { ...base, kind: 'realnvp', config: { ...(this.config as RealNvpConfig) } } : { ...base, kind: 'spline', config: { ...(this.config as SplineConfig) } };
  }

  dispose(): void {
    if (this.disposed) return;
    for (const m of this.conditioners) m.dispose();
    this.disposed = true;
  }

  private alive(method: string): void {
    if (this.disposed) throw new Error(`${this.kind}.${method}: the flow has been disposed`);
  }

  /** The standardisation as tensors [d] (rank 1: the cpu backend broadcasts trailing dimensions fast) and the constant sum_j log s_j. */
  private affine(): { mean: tf.Tensor1D; std: tf.Tensor1D; logStd: number } | undefined {
    if (!this.std) return undefined;
    const { mean, std } = this.std;
    return { mean: tf.tensor1d([...mean]), std: tf.tensor1d([...std]), logStd: std.reduce((s, v) => s + Math.log(v), 0) };
  }

  /** The log columns (Standardisation.logShift) as a 0/1 mask [d] and shifts [d] (0 where no log), or undefined. */
  private logColumns(): { mask: tf.Tensor1D; shift: tf.Tensor1D } | undefined {
    const ls = this.std?.logShift;
    if (!ls || ls.every((a) => a === null)) return undefined;
    return { mask: tf.tensor1d(ls.map((a) => (a === null ? 0 : 1))), shift: tf.tensor1d(ls.map((a) => a ?? 0)) };
  }

  private standardContext(c: tf.Tensor2D | undefined): tf.Tensor2D | undefined {
    if (!c) return undefined;
    const { contextMean, contextStd } = this.std ?? {};
    let out = c;
    if (contextMean) out = tf.sub(out, tf.tensor1d([...contextMean]));
    if (contextStd) out = tf.div(out, tf.tensor1d([...contextStd]));
    return out;
  }

  /**
   * Parameters [N, |B|, P] of layer l from the identity block and the context; [1, |B|, P]
   * (shared by all events) when the layer has neither (d = 1, unconditional).
   */
  private params(l: number, ua: tf.Tensor2D | null, c: tf.Tensor2D | undefined): tf.Tensor3D {
    const parts = [ua, c ?? null].filter((t): t is tf.Tensor2D => t !== null && t.shape[1] > 0);
    const input = parts.length === 0 ? null : parts.length === 1 ? parts[0] : (tf.concat(parts, 1) as tf.Tensor2D);
    const raw = this.conditioners[l].apply(input);
    return tf.reshape(raw, [raw.shape[0], this.masks[l].b.length, this.transform.paramsPerDim]);
  }

  /**
   * The identity and transformed blocks of layer l, by matmuls with 0/1 selection matrices
   * (exact for finite values; the cpu backend's column gather and its gradient are slower).
   */
  private split(u: tf.Tensor2D, l: number): { ua: tf.Tensor2D | null; ub: tf.Tensor2D } {
    const { a, b } = this.masks[l];
    if (a.length === 0) return { ua: null, ub: u };
    return { ua: tf.matMul(u, selection(this.dim, a)) as tf.Tensor2D, ub: tf.matMul(u, selection(this.dim, b)) as tf.Tensor2D };
  }

  private join(ua: tf.Tensor2D | null, out: tf.Tensor2D, l: number): tf.Tensor2D {
    if (ua === null) return out;
    const { a, b } = this.masks[l];
    return tf.add(tf.matMul(ua, selection(this.dim, a), false, true), tf.matMul(out, selection(this.dim, b), false, true)) as tf.Tensor2D;
  }

  /** x -> z, log|det dz/dx|; call inside tidy. */
  private toLatent(x: tf.Tensor2D, context: tf.Tensor2D | undefined): { z: tf.Tensor2D; logDet: tf.Tensor1D } {
    const n = x.shape[0];
    const affine = this.affine();
    const c = this.standardContext(context);
    const logs = this.logColumns();
    let logDet: tf.Tensor1D = tf.fill([n], affine ? -affine.logStd : 0) as tf.Tensor1D;
    let y = x;
    if (logs) {
      // t = x - a on the log columns, 1 elsewhere (log 1 = 0: no NaN in the unused branch or its gradient)
      const t = tf.add(tf.mul(logs.mask, tf.sub(x, logs.shift)), tf.sub(1, logs.mask));
      const logT = tf.log(t) as tf.Tensor2D;
      y = tf.add(tf.mul(logs.mask, logT), tf.mul(tf.sub(1, logs.mask), x)) as tf.Tensor2D;
      logDet = tf.sub(logDet, tf.sum(logT, 1)) as tf.Tensor1D;
    }
    let u: tf.Tensor2D = affine ? tf.div(tf.sub(y, affine.mean), affine.std) : y;
    for (let l = 0; l < this.masks.length; l++) {
      const { ua, ub } = this.split(u, l);
      const step = this.transform.toLatent(ub, this.params(l, ua, c));
      u = this.join(ua, step.out, l);
      logDet = tf.add(logDet, step.logDet);
    }
    return { z: u, logDet };
  }

  /** z -> x, log|det dx/dz|; call inside tidy. */
  private toData(z: tf.Tensor2D, context: tf.Tensor2D | undefined): { x: tf.Tensor2D; logDet: tf.Tensor1D } {
    const n = z.shape[0];
    const affine = this.affine();
    const c = this.standardContext(context);
    let u = z;
    let logDet: tf.Tensor1D = tf.fill([n], affine ? affine.logStd : 0) as tf.Tensor1D;
    for (let l = this.masks.length - 1; l >= 0; l--) {
      const { ua, ub } = this.split(u, l);
      const step = this.transform.toData(ub, this.params(l, ua, c));
      u = this.join(ua, step.out, l);
      logDet = tf.add(logDet, step.logDet);
    }
    const y = affine ? (tf.add(tf.mul(u, affine.std), affine.mean) as tf.Tensor2D) : u;
    const logs = this.logColumns();
    if (!logs) return { x: y, logDet };
    const ly = tf.mul(logs.mask, y);
    return { x: tf.add(tf.mul(logs.mask, tf.add(tf.exp(ly), logs.shift)), tf.mul(tf.sub(1, logs.mask), y)) as tf.Tensor2D, logDet: tf.add(logDet, tf.sum(ly, 1)) as tf.Tensor1D };
  }
}
