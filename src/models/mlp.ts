/**
 * The MLP summary on tfjs-layers: standardised inputs -> dense hidden layers -> one sigmoid
 * score or K logits. Weights are initialised from a seed (Glorot uniform, zero biases), so the
 * same seed gives the same network.
 *
 * Saved as a directory: `model.json` + `weights.bin` (the tfjs layers-model format, loadable
 * by `tf.loadLayersModel`) and `diffinfer.json`, a sidecar with the architecture, the input
 * standardisation and names. What the network was trained for (binning, analysis, method) is
 * the bundle's (bundle.ts), not the sidecar's.
 *
 * No file IO here (this module runs in a browser): {@link MlpSummary.files} gives the three
 * files' contents and {@link mlpFromFiles} restores a summary from them; `saveMlp` and `loadMlp`
 * (mlp-node.ts, Node only) write and read the directory.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InputError } from '../stats/errors.js';
import { defaultInputNames, type Standardisation, type Summary, type SummaryOutput } from './summary.js';

/** Hidden-layer activations. */
export type Activation = 'relu' | 'tanh' | 'elu' | 'selu' | 'swish';

export const ACTIVATIONS: readonly Activation[] = ['relu', 'tanh', 'elu', 'selu', 'swish'];

export interface MlpOptions {
  readonly inputDim: number;
  /** Hidden layer widths, e.g. [100, 100]. */
  readonly hidden: readonly number[];
  readonly activation?: Activation;
  readonly output: SummaryOutput;
  readonly seed: number;
  /** Default: identity (mean 0, std 1). */
  readonly standardisation?: Standardisation;
  readonly inputNames?: readonly string[];
}

/** What `diffinfer.json` holds. */
export interface MlpSidecar {
  readonly format: 'diffinfer-mlp';
  readonly version: 1;
  readonly inputDim: number;
  readonly hidden: readonly number[];
  readonly activation: Activation;
  readonly output: SummaryOutput;
  readonly seed: number;
  readonly standardisation: Standardisation;
  readonly inputNames: readonly string[];
}

/**
 * An MLP summary. Build with {@link createMlp}, restore with {@link mlpFromFiles} (or `loadMlp` of mlp-node.ts).
 */
export class MlpSummary implements Summary {
  readonly inputDim: number;
  readonly output: SummaryOutput;
  readonly inputNames: readonly string[];
  readonly options: Required<Omit<MlpOptions, 'inputNames'>> & { readonly inputNames: readonly string[] };
  private readonly mean: tf.Tensor2D;
  private readonly invStd: tf.Tensor2D;

  /** @internal use {@link createMlp} or {@link mlpFromFiles}. */
  constructor(
    readonly network: tfl.LayersModel,
    options: Required<Omit<MlpOptions, 'inputNames'>> & { readonly inputNames: readonly string[] },
  ) {
    this.options = options;
    this.inputDim = options.inputDim;
    this.output = options.output;
    this.inputNames = options.inputNames;
    this.mean = tf.keep(tf.tensor2d([...options.standardisation.mean], [1, options.inputDim]));
    this.invStd = tf.keep(tf.tensor2d(options.standardisation.std.map((s) => 1 / s), [1, options.inputDim]));
  }

  /**
   * Raw events [N, d] -> scores [N, 1] or logits [N, K].
   *
   * The layers' weights are applied with plain ops (`matMul`, `add`, the activation) rather than
   * tfjs-layers' fused dense kernel: the fused kernel's gradient multiplies with transposed
   * operands, ~10x slower on wasm, while a plain `matMul` takes diffinfer's BatchMatMul
   * gradient with explicit transposes (measured: an INFERNO training step 2x faster).
   */
  apply(x: tf.Tensor2D): tf.Tensor2D {
    if (x.rank !== 2 || x.shape[1] !== this.inputDim) throw new RangeError(`MlpSummary.apply: x must have shape [N, ${this.inputDim}], got [${x.shape}]`);
    return tf.tidy(() => {
      let h: tf.Tensor = tf.mul(tf.sub(x, this.mean), this.invStd);
      const layers = this.network.layers;
      layers.forEach((layer, i) => {
        const [kernel, bias] = layer.trainableWeights.map((w) => w.read());
        h = tf.add(tf.matMul(h as tf.Tensor2D, kernel as tf.Tensor2D), bias);
        h = activate(h, i < layers.length - 1 ? this.options.activation : this.output.kind === 'score' ? 'sigmoid' : 'linear');
      });
      return h as tf.Tensor2D;
    });
  }

  trainableVariables(): tf.Variable[] {
    return this.network.trainableWeights.map((w) => w.read() as tf.Variable);
  }

  /** The weights as float32 arrays, in {@link trainableVariables} order. */
  weightValues(): Float32Array[] {
    return this.trainableVariables().map((v) => Float32Array.from(v.dataSync() as Float32Array));
  }

  dispose(): void {
    this.network.dispose();
    this.mean.dispose();
    this.invStd.dispose();
  }

  /**
   * The model's files: `model.json` and `weights.bin` (the tfjs layers-model format, loadable by
   * `tf.loadLayersModel`) and the sidecar `diffinfer.json`. `saveMlp` (mlp-node.ts) writes them.
   *
   * @example
   * ```ts
   * const files = await mlp.files(); // { 'model.json': '{...}', 'weights.bin': Uint8Array, 'diffinfer.json': '{...}' }
   * ```
   */
  async files(): Promise<MlpFiles> {
    let out: Pick<MlpFiles, 'model.json' | 'weights.bin'> | undefined;
    await this.network.save(
      tf.io.withSaveHandler(async (artifacts) => {
        const weightData = artifacts.weightData instanceof ArrayBuffer ? artifacts.weightData : tf.io.concatenateArrayBuffers(artifacts.weightData ?? []);
        const modelJson = {
          format: 'layers-model',
          generatedBy: `TensorFlow.js tfjs-layers v${tfl.version_layers}`,
          convertedBy: 'diffinfer',
          modelTopology: artifacts.modelTopology,
          weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
        };
        out = { 'weights.bin': new Uint8Array(weightData), 'model.json': `${JSON.stringify(modelJson)}\n` };
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const { seed, hidden, activation, output, standardisation, inputDim } = this.options;
    const sidecar: MlpSidecar = { format: 'diffinfer-mlp', version: 1, inputDim, hidden, activation, output, seed, standardisation, inputNames: this.inputNames };
    return { ...out!, 'diffinfer.json': `${JSON.stringify(sidecar, null, 2)}\n` };
  }
}

/** The files of a saved MLP, by name (see {@link MlpSummary.files}). */
export interface MlpFiles {
  readonly 'model.json': string;
  readonly 'weights.bin': Uint8Array;
  readonly 'diffinfer.json': string;
}

/** The names of an MLP's files, in the order `saveMlp` writes them. */
export const MLP_FILE_NAMES = ['weights.bin', 'model.json', 'diffinfer.json'] as const satisfies ReadonlyArray<keyof MlpFiles>;

function activate(h: tf.Tensor, name: Activation | 'sigmoid' | 'linear'): tf.Tensor {
  switch (name) {
    case 'relu':
      return tf.relu(h);
    case 'tanh':
      return tf.tanh(h);
    case 'elu':
      return tf.elu(h);
    case 'selu':
      return tf.selu(h);
    case 'swish':
      return tf.mul(h, tf.sigmoid(h));
    case 'sigmoid':
      return tf.sigmoid(h);
    case 'linear':
      return h;
  }
}

function checkOptions(o: MlpOptions): void {
  if (!Number.isInteger(o.inputDim) || o.inputDim < 1) throw new InputError('argument', 'mlp inputDim', `must be a positive integer, got ${o.inputDim}`);
  o.hidden.forEach((h, i) => {
    if (!Number.isInteger(h) || h < 1) throw new InputError('argument', `mlp hidden[${i}]`, `must be a positive integer, got ${h}`);
  });
  if (o.activation !== undefined && !ACTIVATIONS.includes(o.activation)) throw new InputError('argument', 'mlp activation', `must be one of ${ACTIVATIONS.join(', ')}, got ${JSON.stringify(o.activation)}`);
  if (o.output.kind === 'logits' && (!Number.isInteger(o.output.bins) || o.output.bins < 2)) throw new InputError('argument', 'mlp output.bins', `must be an integer >= 2, got ${o.output.bins}`);
  const st = o.standardisation;
  if (st && (st.mean.length !== o.inputDim || st.std.length !== o.inputDim || st.std.some((s) => !(s > 0)))) {
    throw new InputError('argument', 'mlp standardisation', `needs ${o.inputDim} means and ${o.inputDim} positive standard deviations`);
  }
  if (o.inputNames && o.inputNames.length !== o.inputDim) throw new InputError('argument', 'mlp inputNames', `has ${o.inputNames.length} names, inputDim is ${o.inputDim}`);
}

/**
 * Builds an MLP summary with seeded Glorot-uniform weights.
 *
 * @example
 * ```ts
 * const mlp = createMlp({ inputDim: 3, hidden: [100, 100], output: { kind: 'logits', bins: 10 }, seed: 1 });
 * const logits = mlp.apply(tf.randomNormal([5, 3])); // [5, 10]
 * ```
 */
export function createMlp(options: MlpOptions): MlpSummary {
  checkOptions(options);
  const activation = options.activation ?? 'relu';
  const net = tfl.sequential();
  let seed = options.seed;
  const sizes = [...options.hidden, options.output.kind === 'score' ? 1 : options.output.bins];
  sizes.forEach((units, i) => {
    net.add(
      tfl.layers.dense({
        units,
        ...(i === 0 ? { inputShape: [options.inputDim] } : {}),
        activation: i < sizes.length - 1 ? activation : options.output.kind === 'score' ? 'sigmoid' : 'linear',
        kernelInitializer: tfl.initializers.glorotUniform({ seed: seed++ }),
        biasInitializer: 'zeros',
      }),
    );
  });
  return new MlpSummary(net, {
    inputDim: options.inputDim,
    hidden: [...options.hidden],
    activation,
    output: options.output,
    seed: options.seed,
    standardisation: options.standardisation ?? { mean: new Array<number>(options.inputDim).fill(0), std: new Array<number>(options.inputDim).fill(1) },
    inputNames: options.inputNames ?? defaultInputNames(options.inputDim),
  });
}

/**
 * Restores a summary from its files (see {@link MlpSummary.files}): `read(name)` gives a file's
 * bytes and throws an InputError naming it when it cannot; `where(name)` names a file in
 * messages (a path on disk). Returns the summary and the parsed sidecar.
 *
 * @throws InputError naming the file when a file is malformed.
 * @example
 * ```ts
 * const files = await mlp.files();
 * const { mlp: copy } = await mlpFromFiles((name) => (typeof files[name] === 'string' ? new TextEncoder().encode(files[name]) : files[name]), (name) => name);
 * ```
 */
export async function mlpFromFiles(read: (name: keyof MlpFiles) => Uint8Array, where: (name: keyof MlpFiles | '') => string): Promise<{ mlp: MlpSummary; sidecar: MlpSidecar }> {
  const text = (name: keyof MlpFiles) => new TextDecoder().decode(read(name));
  let sidecar: MlpSidecar;
  let modelJson: { modelTopology: object; weightsManifest: Array<{ weights: tf.io.WeightsManifestEntry[] }> };
  try {
    sidecar = JSON.parse(text('diffinfer.json')) as MlpSidecar;
    modelJson = JSON.parse(text('model.json'));
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError('io', where(''), `model files are not valid JSON (${(e as Error).message})`);
  }
  if (sidecar.format !== 'diffinfer-mlp') throw new InputError('io', where('diffinfer.json'), `format is ${JSON.stringify(sidecar.format)}, expected "diffinfer-mlp"`);
  const bin = read('weights.bin');
  const weightData = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) as ArrayBuffer;
  const network = await tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs: modelJson.weightsManifest.flatMap((m) => m.weights), weightData }));
  const mlp = new MlpSummary(network, {
    inputDim: sidecar.inputDim,
    hidden: sidecar.hidden,
    activation: sidecar.activation,
    output: sidecar.output,
    seed: sidecar.seed,
    standardisation: sidecar.standardisation,
    inputNames: sidecar.inputNames,
  });
  return { mlp, sidecar };
}
