/**
 * The conditioner networks of coupling layers: small tanh MLPs built from tf.Variables with
 * seeded initial values.
 *
 * `h_0 = input [N, in]`, `h_l = tanh(h_{l-1} W_l + b_l)` for the hidden layers,
 * `out = h_L W_out + b_out` [N, out]. Hidden kernels start Glorot-uniform
 * (`U(-a, a)`, `a = sqrt(6 / (fan_in + fan_out))`), biases at 0. The output layer starts at
 * zero (`init: 'identity'`: every coupling then starts as the identity map) or Glorot-uniform
 * (`init: 'random'`: a generic invertible map, for tests).
 *
 * With no input (`in = 0`: a one-dimensional flow without context) the conditioner is a
 * learned constant: `out = b_out`, one row [1, out] shared by every event.
 */
import * as tf from '@tensorflow/tfjs-core';
import seedrandom from 'seedrandom';

/** How the output layer starts. */
export type ConditionerInit = 'identity' | 'random';

export interface MlpOptions {
  readonly inputDim: number;
  readonly hidden: number;
  readonly depth: number;
  readonly outputDim: number;
  readonly seed: string;
  readonly init: ConditionerInit;
  /** Label prefix of the weights, e.g. `coupling[0]`. */
  readonly label: string;
}

/** A labelled variable. */
export interface LabelledVariable {
  readonly label: string;
  readonly variable: tf.Variable;
}

function glorot(rng: () => number, fanIn: number, fanOut: number): Float32Array {
  const a = Math.sqrt(6 / (fanIn + fanOut));
  const out = new Float32Array(fanIn * fanOut);
  for (let i = 0; i < out.length; i++) out[i] = (2 * rng() - 1) * a;
  return out;
}

/**
 * A tanh MLP (see the module comment).
 *
 * @example
 * ```ts
 * const mlp = new Mlp({ inputDim: 1, hidden: 16, depth: 2, outputDim: 2, seed: '1', init: 'identity', label: 'c' });
 * const y = mlp.apply(x); // [N, 2]
 * ```
 */
export class Mlp {
  readonly weights: readonly LabelledVariable[];
  readonly inputDim: number;
  readonly outputDim: number;

  constructor(options: MlpOptions) {
    const { inputDim, hidden, depth, outputDim, init, label } = options;
    this.inputDim = inputDim;
    this.outputDim = outputDim;
    const rng = seedrandom(`diffinfer-mlp:${options.seed}`);
    const weights: LabelledVariable[] = [];
    const make = (name: string, values: Float32Array, shape: number[]) => {
      // tf.variable shares the initial tensor's data; dispose that tensor so the flow's dispose frees everything
      const initial = tf.tensor(values, shape, 'float32');
      weights.push({ label: `${label}.${name}`, variable: tf.variable(initial, true) });
      initial.dispose();
    };
    let fanIn = inputDim;
    if (inputDim > 0) {
      for (let l = 0; l < depth; l++) {
        make(`dense[${l}].kernel`, glorot(rng, fanIn, hidden), [fanIn, hidden]);
        make(`dense[${l}].bias`, new Float32Array(hidden), [hidden]);
        fanIn = hidden;
      }
      make(`dense[${depth}].kernel`, init === 'identity' ? new Float32Array(fanIn * outputDim) : glorot(rng, fanIn, outputDim), [fanIn, outputDim]);
    }
    const bias = new Float32Array(outputDim);
    if (init === 'random' && inputDim === 0) for (let i = 0; i < outputDim; i++) bias[i] = 2 * rng() - 1;
    make(`dense[${inputDim > 0 ? depth : 0}].bias`, bias, [outputDim]);
    this.weights = weights;
  }

  /** [N, inputDim] -> [N, outputDim]; with inputDim 0 (input null) the shared row [1, outputDim]. */
  apply(input: tf.Tensor2D | null): tf.Tensor2D {
    return tf.tidy(() => {
      const vars = this.weights.map((w) => w.variable);
      // no input: one row shared by all events (broadcasting it here would cost a reduction of
      // [N, out] in the backward pass)
      if (this.inputDim === 0 || input === null) return tf.reshape(vars[vars.length - 1], [1, this.outputDim]) as tf.Tensor2D;
      let h: tf.Tensor2D = input;
      const layers = (vars.length - 2) / 2;
      for (let l = 0; l < layers; l++) h = tf.tanh(tf.add(tf.matMul(h, vars[2 * l] as tf.Tensor2D), vars[2 * l + 1])) as tf.Tensor2D;
      return tf.add(tf.matMul(h, vars[vars.length - 2] as tf.Tensor2D), vars[vars.length - 1]) as tf.Tensor2D;
    });
  }

  dispose(): void {
    for (const w of this.weights) w.variable.dispose();
  }
}
