/**
 * The saved form of a trained analysis — one folder that `evaluate`, `export` and `apply` read,
 * and nothing else:
 *
 * ```
 * DIR/bundle.json      format, version, name, method, the config as written and its folder,
 *                      binning, output, features, summary kind, training outcome, versions
 * DIR/summary/         the network (an MLP: model.json, weights.bin, diffinfer.json)
 * DIR/flows/<k>.json   a flow-ensemble feature summary's flows (its head in summary/)
 *                      (a parameterized summary f(x; z): its network on [features, nuisances]
 *                      in summary/, the nuisances and the z it is evaluated at in bundle.json)
 * ```
 *
 * `bundle.json` is validated by zod on load; the config inside is validated again (schema.ts)
 * when the analysis is rebuilt from it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { InputError } from '../stats/errors.js';
import { writeFileAtomic } from '../stats/io.js';
import type { Binning } from './analysis.js';
import type { CompiledAnalysis, CompileOptions } from './config/compile.js';
import { compileAnalysis } from './config/compile-node.js';
import { FeatureSummary } from './feature-summary.js';
import { loadFlow, saveFlow } from './flows/serialize.js';
import { MlpSummary } from './mlp.js';
import { ParameterizedSummary } from './parameterized.js';
import { loadMlp, saveMlp } from './mlp-node.js';
import { METHOD_NAMES, type MethodName } from './methods.js';
import type { Summary, SummaryOutput } from './summary.js';

/** The diffinfer version written into bundles. */
export const DIFFINFER_VERSION = '0.1.0';

const finite = z.number().refine(Number.isFinite, 'must be finite');

const binningSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('softmax'), temperature: z.number().positive() }),
  z.strictObject({
    kind: z.literal('kde'),
    edges: z.array(finite).min(2),
    bandwidth: z.union([z.strictObject({ absolute: z.number().positive() }), z.strictObject({ relative: z.number().positive() })]),
    kernel: z.enum(['gaussian', 'logistic']).optional(),
  }),
]);

const outputSchema = z.discriminatedUnion('kind', [z.strictObject({ kind: z.literal('score') }), z.strictObject({ kind: z.literal('logits'), bins: z.number().int().min(2) })]);

const summarySchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('mlp'), dir: z.string().min(1) }),
  z.strictObject({
    kind: z.literal('flow-features'),
    head: z.string().min(1),
    reference: z.string().min(1),
    processes: z.array(z.string().min(1)).min(1),
    flows: z.array(z.strictObject({ process: z.string().min(1), file: z.string().min(1) })).min(2),
    inputNames: z.array(z.string().min(1)).min(1),
  }),
  z.strictObject({ kind: z.literal('parameterized'), dir: z.string().min(1), nuisances: z.array(z.string().min(1)).min(1), at: z.array(finite) }),
]);

/** zod schema of `bundle.json`. */
export const bundleSchema = z.strictObject({
  format: z.literal('diffinfer-analysis'),
  version: z.literal(1),
  name: z.string().min(1),
  method: z.enum(METHOD_NAMES),
  /** The config as written (validated again when the analysis is rebuilt). */
  config: z.record(z.string(), z.unknown()),
  /** The folder the config's file names are relative to. */
  baseDir: z.string().min(1),
  binning: binningSchema,
  output: outputSchema,
  features: z.array(z.string().min(1)).min(1),
  summary: summarySchema,
  training: z
    .object({
      status: z.enum(['completed', 'early-stopped']),
      steps: z.number().int().min(0),
      seed: z.number().int(),
      seconds: z.number().min(0),
      bestStep: z.number().int().optional(),
      bestValidation: z.number().optional(),
    })
    .passthrough(),
  versions: z.strictObject({ diffinfer: z.string(), tfjs: z.string(), node: z.string() }),
  created: z.string(),
});

/** The contents of `bundle.json`. */
export type BundleFile = z.output<typeof bundleSchema>;

/** What {@link saveBundle} writes besides the summary. */
export interface BundleContents {
  readonly name: string;
  readonly method: MethodName;
  readonly config: Record<string, unknown>;
  readonly baseDir: string;
  readonly binning: Binning;
  readonly output: SummaryOutput;
  readonly features: readonly string[];
  readonly training: BundleFile['training'];
}

/**
 * Writes a bundle (see the module comment): the summary's files first, `bundle.json` last, each
 * atomically, so a folder with a `bundle.json` always has its summary.
 *
 * @throws InputError when the summary is of a kind a bundle cannot hold (a feature summary
 *   without its flows).
 * @example
 * ```ts
 * await saveBundle('runs/ex/inferno', mlp, { name: 'ex', method: 'inferno', config: raw, baseDir, binning, output, features, training });
 * ```
 */
export async function saveBundle(dir: string, summary: Summary, contents: BundleContents): Promise<BundleFile> {
  let summaryEntry: BundleFile['summary'];
  if (summary instanceof ParameterizedSummary) {
    await saveMlp(summary.network, join(dir, 'summary'));
    summaryEntry = { kind: 'parameterized', dir: 'summary', nuisances: [...summary.nuisanceNames], at: [...summary.atValues] };
  } else if (summary instanceof MlpSummary) {
    await saveMlp(summary, join(dir, 'summary'));
    summaryEntry = { kind: 'mlp', dir: 'summary' };
  } else if (summary instanceof FeatureSummary && summary.flowSource) {
    const { flows, options } = summary.flowSource;
    await saveMlp(summary.head, join(dir, 'summary'));
    const entries = Object.keys(flows).map((process, k) => ({ process, file: join('flows', `${k}.json`) }));
    for (const e of entries) saveFlow(flows[e.process], join(dir, e.file));
    summaryEntry = {
      kind: 'flow-features',
      head: 'summary',
      reference: options.reference,
      processes: [...(options.processes ?? Object.keys(flows).filter((k) => k !== options.reference))],
      flows: entries,
      inputNames: [...summary.inputNames],
    };
  } else {
    throw new InputError('argument', 'bundle summary', 'must be an MLP, a parameterized summary or a feature summary made by FeatureSummary.fromFlows (its flows are saved with it)');
  }
  const file: BundleFile = {
    format: 'diffinfer-analysis',
    version: 1,
    name: contents.name,
    method: contents.method,
    config: contents.config,
    baseDir: contents.baseDir,
    binning: contents.binning as BundleFile['binning'],
    output: contents.output as BundleFile['output'],
    features: [...contents.features],
    summary: summaryEntry,
    training: contents.training,
    versions: { diffinfer: DIFFINFER_VERSION, tfjs: tf.version_core, node: process.version },
    created: new Date().toISOString(),
  };
  writeFileAtomic(join(dir, 'bundle.json'), `${JSON.stringify(file, null, 2)}\n`);
  return file;
}

/** Whether `dir` holds a bundle. */
export function isBundle(dir: string): boolean {
  return existsSync(join(dir, 'bundle.json'));
}

/**
 * Reads and validates `DIR/bundle.json` (no TensorFlow.js needed).
 *
 * @throws InputError naming the file and the first invalid entry.
 * @example
 * ```ts
 * readBundle('runs/ex/inferno').method; // 'inferno'
 * ```
 */
export function readBundle(dir: string): BundleFile {
  const file = join(dir, 'bundle.json');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InputError('io', file, existsSync(file) ? `is not valid JSON (${(e as Error).message})` : 'is missing: is this a folder written by diffinfer train?');
  }
  const r = bundleSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new InputError('io', `${file}: ${issue.path.map(String).join('.') || '(top level)'}`, issue.message);
  }
  return r.data;
}

/**
 * Loads a bundle's summary (an MLP, a {@link ParameterizedSummary} at its stored z, or a
 * flow-ensemble feature summary).
 *
 * @throws InputError naming the file when a summary file is missing or malformed, or when its
 *   inputs are not the bundle's features.
 * @example
 * ```ts
 * const bundle = readBundle(dir);
 * const summary = await loadBundleSummary(dir, bundle);
 * ```
 */
export async function loadBundleSummary(dir: string, bundle: BundleFile): Promise<Summary> {
  const s = bundle.summary;
  if (s.kind === 'mlp') {
    const { mlp } = await loadMlp(join(dir, s.dir));
    checkInputs(mlp, bundle, dir);
    return mlp;
  }
  if (s.kind === 'parameterized') {
    const { mlp } = await loadMlp(join(dir, s.dir));
    let summary: ParameterizedSummary;
    try {
      summary = new ParameterizedSummary(mlp, s.nuisances, s.at);
    } catch (e) {
      mlp.dispose();
      if (e instanceof InputError) throw new InputError('io', join(dir, 'bundle.json'), `summary: ${e.message}`);
      throw e;
    }
    try {
      checkInputs(summary, bundle, dir);
    } catch (e) {
      summary.dispose();
      throw e;
    }
    return summary;
  }
  const { mlp: head } = await loadMlp(join(dir, s.head));
  const flows: Record<string, ReturnType<typeof loadFlow>> = {};
  for (const f of s.flows) flows[f.process] = loadFlow(join(dir, f.file));
  const summary = FeatureSummary.fromFlows(flows, { reference: s.reference, processes: s.processes }, head, s.inputNames, { ownsFlows: true });
  checkInputs(summary, bundle, dir);
  return summary;
}

function checkInputs(summary: Summary, bundle: BundleFile, dir: string): void {
  if (summary.inputNames.join('\u0000') !== bundle.features.join('\u0000')) {
    throw new InputError('io', join(dir, 'bundle.json'), `features [${bundle.features.join(', ')}] are not the summary's inputs [${summary.inputNames.join(', ')}]`);
  }
  const k = summary.output.kind === 'score' ? 'score' : 'logits';
  if (k !== bundle.output.kind) throw new InputError('io', join(dir, 'bundle.json'), `output is ${bundle.output.kind}, the summary gives ${k}`);
}

/** A bundle opened for use: its file, its analysis rebuilt from the stored config, its summary. */
export interface OpenedBundle {
  readonly dir: string;
  readonly bundle: BundleFile;
  readonly compiled: CompiledAnalysis;
  readonly summary: Summary;
}

/**
 * Opens a bundle: reads `bundle.json`, rebuilds the analysis from its config (the splits asked
 * for; the config's files relative to the stored folder) and loads the summary.
 *
 * @param options.config a config to use instead of the stored one (e.g. another INFERNO
 *   benchmark for the same network)
 * @throws InputError naming the bundle file or the config path.
 * @example
 * ```ts
 * const { compiled, summary } = await openBundle('runs/ex/inferno', { splits: ['test'] });
 * const counts = hardTemplates(summary, compiled.analysis, compiled.datasets.test!);
 * ```
 */
export async function openBundle(dir: string, options: Omit<CompileOptions, 'method' | 'baseDir'> & { readonly config?: Record<string, unknown> } = {}): Promise<OpenedBundle> {
  const bundle = readBundle(dir);
  let compiled: CompiledAnalysis;
  try {
    compiled = await compileAnalysis(options.config ?? bundle.config, { ...options, baseDir: bundle.baseDir, method: bundle.method });
  } catch (e) {
    if (e instanceof InputError) throw new InputError(e.kind, `${join(dir, 'bundle.json')} config: ${e.where}`, e.problem);
    throw e;
  }
  if (compiled.features.join('\u0000') !== bundle.features.join('\u0000')) throw new InputError('io', join(dir, 'bundle.json'), 'its config reads other features than its summary');
  const summary = await loadBundleSummary(dir, bundle);
  return { dir, bundle, compiled, summary };
}
