/**
 * A faster gradient for `BatchMatMul` (every `tf.matMul`) on the WebAssembly backend.
 *
 * For `C = op(A) op(B)` with `op` the identity or the transpose of the last two axes, the
 * gradients are again products: with `G = dL/dC`,
 *
 * | transposeA, transposeB | dL/dA          | dL/dB          |
 * |---|---|---|
 * | false, false | `G B^T`        | `A^T G`        |
 * | false, true  | `G B`          | `G^T A`        |
 * | true,  false | `B G^T`        | `A G`          |
 * | true,  true  | `(G B)^T`      | `(A G)^T`      |
 *
 * tfjs-core's own gradient (registered when `@tensorflow/tfjs-layers` is imported) computes the
 * transposed factors with `matMul(.., transposeA, transposeB)`; on the wasm backend a matmul with
 * a transposed operand is ~10x slower than a plain one (measured 170 ms against 12 ms for
 * [10000, 100] x [100, 100]). This gradient materialises every transpose with `tf.transpose`
 * (a cheap copy) and then runs plain, non-transposed matmuls only. The values are the same
 * products summed in a possibly different order (float32 round-off only).
 *
 * Shapes: rank >= 2 operands with batch dimensions `[...batch, rows, cols]`; ranks 2 and 3 (and
 * higher) are supported. When the batch dimensions were broadcast (e.g. A [b, m, k] times
 * B [k, n]) the gradient of the broadcast operand is summed over the broadcast axes, so it has
 * the operand's own shape (tfjs-core's gradient returns the broadcast shape there, which the
 * engine rejects).
 */
import * as tf from '@tensorflow/tfjs-core';

const KERNEL = 'BatchMatMul';

/** Swaps the last two axes. */
function swapLast(t: tf.Tensor): tf.Tensor {
  const r = t.rank;
  const perm = Array.from({ length: r }, (_, i) => i);
  perm[r - 2] = r - 1;
  perm[r - 1] = r - 2;
  return tf.transpose(t, perm);
}

/** Sums `g` over the leading (batch) axes that were broadcast so it gets `shape`. */
function reduceTo(g: tf.Tensor, shape: readonly number[]): tf.Tensor {
  if (g.shape.length === shape.length && g.shape.every((d, i) => d === shape[i])) return g;
  const lead = g.rank - shape.length; // axes the operand did not have at all
  const axes: number[] = [];
  for (let i = 0; i < g.rank - 2; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  const s = axes.length ? tf.sum(g, axes) : g;
  return tf.reshape(s, [...shape]);
}

/** The gradient function; `dy`, `a`, `b` as tfjs passes them. */
function fastGradFunc(dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap): ReturnType<tf.GradFunc> {
  const g = dy as tf.Tensor;
  const [a, b] = saved;
  const transposeA = Boolean(attrs.transposeA);
  const transposeB = Boolean(attrs.transposeB);
  let da: () => tf.Tensor;
  let db: () => tf.Tensor;
  if (!transposeA && !transposeB) {
    da = () => tf.matMul(g, swapLast(b));
    db = () => tf.matMul(swapLast(a), g);
  } else if (!transposeA && transposeB) {
    da = () => tf.matMul(g, b);
    db = () => tf.matMul(swapLast(g), a);
  } else if (transposeA && !transposeB) {
    da = () => tf.matMul(b, swapLast(g));
    db = () => tf.matMul(a, g);
  } else {
    da = () => swapLast(tf.matMul(g, b));
    db = () => swapLast(tf.matMul(a, g));
  }
  return { a: () => reduceTo(da(), a.shape), b: () => reduceTo(db(), b.shape) };
}

const FAST_CONFIG: tf.GradConfig = { kernelName: KERNEL, inputsToSave: ['a', 'b'], gradFunc: fastGradFunc };

/** What was registered before the first fast registration (undefined: nothing, or not yet). */
let previous: tf.GradConfig | undefined;

function currentGradient(): tf.GradConfig | undefined {
  // getGradient returns undefined (despite its declared type) when nothing is registered
  return tf.getGradient(KERNEL) as tf.GradConfig | undefined;
}

/** Registers `config`, keeping tfjs's "Overriding the gradient" debug-mode warning quiet. */
function quietRegister(config: tf.GradConfig): void {
  if (!tf.env().getBool('DEBUG')) {
    tf.registerGradient(config);
    return;
  }
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].startsWith(`Overriding the gradient for '${KERNEL}'`)) return;
    warn(...args);
  };
  try {
    tf.registerGradient(config);
  } finally {
    console.warn = warn;
  }
}

/**
 * Re-registers the `BatchMatMul` gradient with explicit transposes and plain matmuls (see the
 * module comment). Idempotent; call it after `initBackend` (importing `@tensorflow/tfjs-layers`
 * registers tfjs's own gradient and would replace this one). The gradient it replaces is kept
 * for {@link restoreBatchMatMulGradient}.
 *
 * @example
 * ```ts
 * await initBackend();
 * registerFastBatchMatMulGradient();
 * const [dW] = tf.grads((w: tf.Tensor) => tf.sum(tf.relu(tf.matMul(x, w))))([w]); // 5x faster on wasm
 * ```
 */
export function registerFastBatchMatMulGradient(): void {
  const current = currentGradient();
  if (current === FAST_CONFIG) return;
  previous = current;
  quietRegister(FAST_CONFIG);
}

/**
 * Puts back the `BatchMatMul` gradient that {@link registerFastBatchMatMulGradient} replaced
 * (nothing happens if the fast one is not registered; if nothing was registered before, the
 * gradient is unregistered).
 *
 * @example
 * ```ts
 * registerFastBatchMatMulGradient();
 * restoreBatchMatMulGradient(); // tfjs's own gradient again
 * ```
 */
export function restoreBatchMatMulGradient(): void {
  if (currentGradient() !== FAST_CONFIG) return;
  if (previous) quietRegister(previous);
  else tf.unregisterGradient(KERNEL);
  previous = undefined;
}

/**
 * Whether the fast `BatchMatMul` gradient is the one registered now.
 *
 * @example
 * ```ts
 * registerFastBatchMatMulGradient();
 * isFastBatchMatMulGradientRegistered(); // true
 * ```
 */
export function isFastBatchMatMulGradientRegistered(): boolean {
  return currentGradient() === FAST_CONFIG;
}
