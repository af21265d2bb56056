/**
 * The bridge between tfjs (float32, large N) and the float64 statistics head: a `tf.customGrad`
 * op that reads its input tensors (e.g. the soft-histogram counts of every sample and
 * variation), evaluates a float64 function with its gradient in JS doubles, and returns the
 * value as a float32 scalar whose backward pass is `dy * gradient` per input.
 *
 * The head computes value and gradient together in the forward pass (for fitted objectives the
 * fits dominate and the gradient is nearly free afterwards); the gradient tensors are saved for
 * the backward pass and disposed with the forward's tidy scope when no gradient is taken.
 * A non-finite value or gradient is an error, never a silent NaN.
 */
import * as tf from '@tensorflow/tfjs-core';

/** A float64 function of several arrays, returning its value and one gradient per input. */
export type Float64Head = (inputs: readonly Float64Array[]) => { readonly value: number; readonly gradients: readonly ArrayLike<number>[] };

/**
 * Wraps a float64 head as a differentiable tfjs op of any number of tensors.
 *
 * @example
 * ```ts
 * const loss = float64Op(([c]) => ({ value: c.reduce((s, x) => s + x * x, 0), gradients: [c.map((x) => 2 * x)] }));
 * const g = tf.grad((x: tf.Tensor) => loss(x))(tf.tensor1d([1, 2])); // [2, 4]
 * ```
 */
export function float64Op(head: Float64Head): (...inputs: tf.Tensor[]) => tf.Scalar {
  return (...inputs: tf.Tensor[]): tf.Scalar => {
    if (inputs.length === 0) throw new RangeError('float64Op: needs at least one input tensor');
    const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
      const save = args[args.length - 1] as tf.GradSaveFunc;
      const xs = args.slice(0, -1) as tf.Tensor[];
      const arrays = xs.map((x) => Float64Array.from(x.dataSync()));
      const r = head(arrays);
      if (!Number.isFinite(r.value)) throw new RangeError(`float64Op: the head returned a non-finite value (${r.value})`);
      if (r.gradients.length !== xs.length) throw new RangeError(`float64Op: the head returned ${r.gradients.length} gradients for ${xs.length} inputs`);
      const grads = r.gradients.map((g, i) => {
        if (g.length !== arrays[i].length) throw new RangeError(`float64Op: gradient ${i} has ${g.length} values, input ${i} has ${arrays[i].length}`);
        for (let k = 0; k < g.length; k++) {
          if (!Number.isFinite(g[k])) throw new RangeError(`float64Op: gradient ${i} is not finite at index ${k} (${g[k]})`);
        }
        return tf.tensor(Float32Array.from(g), xs[i].shape, 'float32');
      });
      save(grads);
      return {
        value: tf.scalar(r.value, 'float32'),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => saved.map((g) => tf.mul(dy, g)),
      };
    });
    return op(...inputs) as tf.Scalar;
  };
}
