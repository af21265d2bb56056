/**
 * The analysis config (YAML or JSON): what a user writes to train a summary on their analysis.
 *
 * ```yaml
 * name: my-analysis
 * split: { train: 0.5, validation: 0.2, test: 0.3, seed: 1 }   # by event, seeded, per file set
 * summary: { features: [pt, eta, met, mjj], hidden: [64, 64], bins: 8 }
 * channels:
 *   - name: SR                       # learned: binned by the summary
 *     selection: "njets >= 2"
 *     samples:
 *       - name: signal
 *         files: [signal.parquet]    # .parquet or .csv, relative to the config
 *         weight: "w * sf"           # a column or an expression; default 1
 *         modifiers:
 *           - { type: normfactor, name: mu }
 *           - { type: lumi, name: lumi }
 *           - { type: staterror, name: staterror_SR }
 *           - { type: histosys, name: isr, weights: { up: w_isr_up, down: w_isr_down } }
 *           - { type: histosys, name: jes, transform: { kind: scale, columns: [pt, mjj], up: 1.02, down: 0.98 } }
 *           - { type: histosys, name: det, files: { up: [signal_up.parquet], down: [signal_down.parquet] } }
 *           - { type: normsys, name: xsec, hi: 1.1, lo: 0.9 }
 *   - name: CR                       # fixed: a hard histogram of a column
 *     observable: { column: mt, edges: [0, 50, 100, 150, 200] }
 *     samples: [...]
 *   - name: VR                       # counts copied from a pyhf workspace
 *     workspace: { file: other.json, channel: VR }
 * measurement:
 *   poi: mu
 *   parameters:
 *     - { name: mu, bounds: [0, 10], init: 1 }
 *     - { name: lumi, auxdata: 1.0, sigma: 0.017 }
 * training: { method: inferno, steps: 2000, batch: 2000, learningRate: 0.001 }
 * ```
 *
 * Modifiers have pyhf's seven types and names; the data of histosys, staterror and shapesys
 * come from the events (alternative weights, alternative files or a feature transform; the sum
 * of squared weights). A parameter's `constraint` (`free`, or `{ mean, sigma }` in the
 * modifier's own units, +-1 at its templates or factors) goes beyond pyhf and is rewritten by
 * the export (see src/stats/templates/export.ts).
 *
 * Built-in problems use `simulate` instead of `files` (a simulator registered by the caller,
 * e.g. INFERNO's) with per-split event counts and seeds (`simulation`).
 */
import { z } from 'zod';
import { ACTIVATIONS } from '../mlp.js';
import { METHOD_NAMES } from '../methods.js';

const name = z.string().min(1);
const finite = z.number().refine(Number.isFinite, 'must be finite');
const positiveInt = z.number().int().min(1);
const files = z.union([name, z.array(name).min(1)]);
const pair = z.tuple([finite, finite]);

/** Events drawn from a simulator the caller registers (built-in problems). */
const simulated = z.strictObject({ simulator: name, process: name });

const upDown = <T extends z.ZodType>(t: T) => z.strictObject({ up: t, down: t });

const histosys = z.strictObject({
  type: z.literal('histosys'),
  name,
  /** Alternative weights: columns or expressions of the sample's files. */
  weights: upDown(z.union([name, finite])).optional(),
  /** Alternative event files (e.g. a detector variation), read like the sample's. */
  files: upDown(files).optional(),
  /** Alternative simulated events. */
  simulate: upDown(simulated).optional(),
  /** A differentiable transform of columns: scale (x f) or shift (x + s), at up and down. */
  transform: z.strictObject({ kind: z.enum(['scale', 'shift']), columns: z.array(name).min(1), up: finite, down: finite }).optional(),
});

const modifier = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('normfactor'), name }),
  z.strictObject({ type: z.literal('shapefactor'), name }),
  z.strictObject({ type: z.literal('lumi'), name }),
  z.strictObject({ type: z.literal('normsys'), name, hi: z.number().positive(), lo: z.number().positive() }),
  histosys,
  z.strictObject({ type: z.literal('staterror'), name }),
  z.strictObject({ type: z.literal('shapesys'), name }),
]);

const sample = z.strictObject({
  name,
  files: files.optional(),
  simulate: simulated.optional(),
  /** A column, an expression of columns, or a number; default 1. */
  weight: z.union([name, finite]).optional(),
  /** Kept events: the expression is non-zero (with the channel's selection). */
  selection: z.string().min(1).optional(),
  /** Scale the sample's weights so they sum to this yield (in every split); alternative files are scaled to it too. */
  expected: z.number().positive().optional(),
  modifiers: z.array(modifier).default([]),
});

const channel = z.strictObject({
  name,
  selection: z.string().min(1).optional(),
  /** Fixed channel: a hard histogram of a column. */
  observable: z.strictObject({ column: name, edges: z.array(finite).min(2), overflow: z.enum(['drop', 'fold']).optional() }).optional(),
  /** Counts copied from a pyhf workspace. */
  workspace: z.strictObject({ file: name, channel: name }).optional(),
  samples: z.array(sample).optional(),
});

const parameter = z.strictObject({
  name,
  bounds: pair.optional(),
  init: finite.optional(),
  fixed: z.boolean().optional(),
  /** `free`, or N(mean, sigma) in the modifier's own units (diffinfer's extension of pyhf). */
  constraint: z.union([z.literal('free'), z.strictObject({ mean: finite, sigma: z.number().positive() })]).optional(),
  /** lumi only: the auxiliary measurement and its width. */
  auxdata: finite.optional(),
  sigma: z.number().positive().optional(),
});

const splitEvents = z.strictObject({ events: positiveInt, seed: z.union([z.string(), z.number()]) });

export const analysisConfigSchema = z.strictObject({
  version: z.literal(1).optional(),
  name: name.default('analysis'),
  split: z
    .strictObject({ train: z.number().gt(0).lt(1), validation: z.number().gt(0).lt(1), test: z.number().gt(0).lt(1), seed: z.union([z.string(), z.number()]).default(0) })
    .optional(),
  /** Simulated samples: events and seed per split. */
  simulation: z.strictObject({ train: splitEvents, validation: splitEvents, test: splitEvents }).optional(),
  summary: z.strictObject({
    features: z.array(name).min(1),
    hidden: z.array(positiveInt).default([64, 64]),
    activation: z.enum(ACTIVATIONS as unknown as [string, ...string[]]).default('relu'),
    /** Bins of every learned channel. */
    bins: z.number().int().min(2).default(10),
    /** Default: the method's (logits for inferno and profile-width, a score otherwise). */
    output: z.enum(['score', 'logits']).optional(),
    /** Softmax temperature (logits); default 0.1. */
    temperature: z.number().positive().optional(),
    /** KDE bandwidth relative to the bin width (score); default 0.5. */
    bandwidth: z.number().positive().optional(),
    /** Seed of the initial weights; default the training seed + 1000. */
    seed: z.number().int().optional(),
    /** The samples whose training events fit the input standardisation; default all of the learned channels. */
    standardise: z.array(name).optional(),
    /** Added to every soft count of the learned channels; default 1e-3 x the smallest nominal yield / bins. */
    floor: z.number().min(0).optional(),
    /** Add the floor to the hard counts too (neos's evaluation). */
    hardFloor: z.boolean().optional(),
  }),
  channels: z.array(channel).min(1),
  measurement: z.strictObject({
    poi: name,
    parameters: z.array(parameter).default([]),
    interpolation: z.strictObject({ histosys: z.enum(['code0', 'code4p']).optional(), normsys: z.enum(['code1', 'code4']).optional() }).optional(),
  }),
  training: z
    .strictObject({
      method: z.enum(METHOD_NAMES).default('inferno'),
      steps: positiveInt.default(1000),
      /** Events per sample per step. */
      batch: positiveInt.default(1000),
      learningRate: z.number().positive().default(1e-3),
      seed: z.number().int().min(0).default(0),
      /** Steps between validations; default steps / 20. */
      validationEvery: positiveInt.optional(),
      patience: positiveInt.optional(),
      /** Steps between checkpoints; default: 10 validations. */
      checkpointEvery: positiveInt.optional(),
      variationFraction: z.number().gt(0).max(1).default(1),
      /** Tested POI of the cls method. */
      testPoi: finite.default(1),
    })
    .default({ method: 'inferno', steps: 1000, batch: 1000, learningRate: 1e-3, seed: 0, variationFraction: 1, testPoi: 1 }),
});

/** An analysis config as written (before defaults). */
export type AnalysisConfigInput = z.input<typeof analysisConfigSchema>;
/** A validated analysis config (defaults filled in). */
export type AnalysisConfig = z.output<typeof analysisConfigSchema>;
export type ConfigChannel = AnalysisConfig['channels'][number];
export type ConfigSample = NonNullable<ConfigChannel['samples']>[number];
export type ConfigModifier = ConfigSample['modifiers'][number];
export type ConfigHistosys = Extract<ConfigModifier, { type: 'histosys' }>;
export type ConfigParameter = AnalysisConfig['measurement']['parameters'][number];
export type SimulatedSource = z.output<typeof simulated>;
