/**
 * The `nf-ensemble` arm of the challenge (issue 12): one normalizing flow per process, their
 * per-event log densities as the inputs of a classifier head — the design of the winning Higgs
 * Uncertainty Challenge solution, with the head at the size of the other arms.
 *
 * **Flows.** One flow p_k per process k in (htautau, ztautau, ttbar, diboson): RealNVP by
 * default, or the rational-quadratic spline flow (`trainFlowEnsemble`: maximum likelihood, Adam,
 * each flow its own seed), trained on the config's training split at the problem's nominal — the
 * same generated events as `challengeConfig('nf-ensemble', seed, options)` (`challengeArmSamples`,
 * seed `train-<seed>`, `trainEvents` per process), features by `deriveChallengeFeatures` at the
 * nominal shape nuisances, only events passing the post-selection. Two fixed choices make the
 * densities usable on these features:
 * - log columns ({@link NF_LOG_SHIFT}, `Standardisation.logShift` of src/models/flows): the
 *   long-tailed masses and momenta enter as `log(x + 1)`, the jet features (-25 when undefined)
 *   as `log(x + 26)`, then each flow's affine standardisation (fitted on its events). A
 *   Gaussian-based affine flow cannot fit an exponential tail: without the logs, background
 *   events in the signal flow's tail got log densities of -2000 and the flows' own likelihood
 *   ratio classified worse than chance (balanced BCE 1.22 on fresh events after 600 flow steps;
 *   with the logs 0.61 after 240 steps, 0.55 after 1000, 3000 events per process);
 * - dequantisation for training only: the jet multiplicity and the -25 entries (point masses)
 *   get uniform noise on [-1/2, 1/2), so a flow fits a density rather than spikes.
 * `flowSteps` optimiser steps per flow (default: the head's `steps`), rounded to whole epochs.
 *
 * **Features** (`FeatureSummary.fromFlows`, saved by bundle.ts as kind `flow-features`): for an
 * event x (the 11 challenge features),
 *
 * `f_k(x) = log p_k(x) - log q(x)`, k = htautau, ztautau, ttbar, diboson (4 columns),
 *
 * with q a fixed reference density, the fifth flow {@link NF_REFERENCE}: a RealNVP whose single
 * coupling is the identity, with the same log columns and the pooled nominal training events'
 * standardisation — a product of (log-)normal densities. So f_k is process k's per-event log
 * density up to one term common to all processes, and every log-density ratio
 * `log p_j(x) - log p_k(x) = f_j - f_k` is a linear function of the features (the head's first
 * layer forms it). The flows are frozen after their training: only the head's variables train.
 *
 * **Head.** The MLP the analysis config asks for (`summary.hidden`, default [32, 32]; the
 * config's activation and initial-weight seed), one sigmoid score. Its input standardisation is
 * robust — per feature the median and half the 15.87-84.13% range over the nominal training
 * events — because the log densities keep long tails that would set a mean and standard
 * deviation. It is stored in the head's sidecar, and each flow stores its own log columns and
 * standardisation, so the saved summary takes the raw 11 features. Trained by the
 * class-balanced BCE (`trainAugmentedBce`; Adam at the config's learning rate, `steps` steps of
 * `batch` events per process) on **nuisance-augmented** batches: raw events go through
 * `challengeArmTransform` at TES, JES and soft MET drawn from their priors (`groups` draws per
 * batch, default 1), then through the frozen flows and the head — the systematic-robust
 * augmentation of the winning solution. With `augment: false` the head sees nominal events only.
 *
 * The bundle stores `challengeConfig('nf-ensemble', seed, options)`, so `apply`, `evaluate` and
 * `export` treat it like any trained analysis (nominal templates, nuisances profiled in the fit);
 * its `training` record carries the flows' settings, steps, seconds and first/last epoch NLL. As
 * for the other arms (train-arms.ts) there is no validation-based best-step selection yet.
 */
import * as tf from '@tensorflow/tfjs-core';
import seedrandom from 'seedrandom';
import { compileAnalysis, createMlp, FeatureSummary, type BundleFile, type CompiledAnalysis, type MlpSummary } from '../../src/models/index.js';
import { trainAugmentedBce, type ArmSample, type ArmStepRecord } from '../../src/models/arms/index.js';
import { createFlow } from '../../src/models/flows/serialize.js';
import { trainFlowEnsemble, type FlowEnsemble } from '../../src/models/flows/ensemble-features.js';
import { fitStandardisation as fitFlowStandardisation, type Flow } from '../../src/models/flows/flow.js';
import { InputError, NumericalError } from '../../src/stats/errors.js';
import { CHALLENGE_FEATURE_DIM, CHALLENGE_FEATURES, CHALLENGE_UNDEFINED, deriveChallengeFeatures } from '../simulators/challenge.js';
import { BUILTIN_SIMULATORS } from '../simulators/registry.js';
import { CHALLENGE_ARM_NUISANCES, challengeArmSamples, challengeArmTransform, saveChallengeArmBundle } from './arms.js';
import { CHALLENGE_PROBLEM_NOMINAL, challengeConfig } from './problem.js';
import type { ChallengeArmOptions } from './train-arms.js';

/** The fixed reference density's key among the flows (see the module comment). */
export const NF_REFERENCE = 'reference';

/**
 * The flows' log columns (`Standardisation.logShift`, in CHALLENGE_FEATURES order): the
 * long-tailed masses and momenta as `log(x + 1)`, the jet features (-25 when undefined) as
 * `log(x + 26)`; the jet multiplicity and Delta R as they are.
 */
export const NF_LOG_SHIFT: readonly (number | null)[] = CHALLENGE_FEATURES.map((name) => {
  if (name === 'PRI_n_jets' || name === 'DER_deltar_had_lep') return null;
  return name === 'PRI_jet_leading_pt' || name === 'PRI_jet_all_pt' || name === 'DER_mass_jet_jet' ? CHALLENGE_UNDEFINED - 1 : -1;
});

/** Row-major rows concatenated. */
function pooledRows(parts: readonly Float32Array[]): Float32Array {
  const all = new Float32Array(parts.reduce((a, r) => a + r.length, 0));
  let o = 0;
  for (const r of parts) (all.set(r, o), (o += r.length));
  return all;
}

/** Options of the nf-ensemble arm: {@link ChallengeArmOptions} and the flows' settings. */
export interface NfEnsembleArmOptions extends ChallengeArmOptions {
  /** Flow family; default 'realnvp'. */
  readonly flow?: 'realnvp' | 'spline';
  /** Coupling layers per flow; default 4. */
  readonly flowLayers?: number;
  /** Hidden width of the conditioners; default 32. */
  readonly flowHidden?: number;
  /** Optimiser steps per flow (rounded to whole epochs, at least one); default `steps`. */
  readonly flowSteps?: number;
  /** Events per flow minibatch; default 256. */
  readonly flowBatch?: number;
  /** Adam's step size for the flows; default 1e-2. */
  readonly flowLearningRate?: number;
  /** Head trained on nuisance-augmented batches (default true) or on nominal events. */
  readonly augment?: boolean;
}

/** The resolved flow and head settings of {@link NfEnsembleArmOptions}. */
export interface NfEnsembleSettings {
  readonly kind: 'realnvp' | 'spline';
  readonly layers: number;
  readonly hidden: number;
  readonly steps: number;
  readonly batch: number;
  readonly learningRate: number;
  readonly augment: boolean;
  readonly groups: number;
}

function flowSettings(o: NfEnsembleArmOptions): NfEnsembleSettings {
  const where = (k: string) => `nf-ensemble options.${k}`;
  const int = (k: keyof NfEnsembleArmOptions, v: unknown, dflt: number): number => {
    const x = v ?? dflt;
    if (typeof x !== 'number' || !Number.isInteger(x) || x < 1) throw new InputError('argument', where(k), `must be a positive integer, got ${JSON.stringify(v)}`);
    return x;
  };
  const kind = o.flow ?? 'realnvp';
  if (kind !== 'realnvp' && kind !== 'spline') throw new InputError('argument', where('flow'), `must be "realnvp" or "spline", got ${JSON.stringify(o.flow)}`);
  const learningRate = o.flowLearningRate ?? 1e-2;
  if (typeof learningRate !== 'number' || !(learningRate > 0) || !Number.isFinite(learningRate)) throw new InputError('argument', where('flowLearningRate'), `must be a finite number > 0, got ${JSON.stringify(o.flowLearningRate)}`);
  if (o.augment !== undefined && typeof o.augment !== 'boolean') throw new InputError('argument', where('augment'), `must be true or false, got ${JSON.stringify(o.augment)}`);
  return {
    kind,
    layers: int('flowLayers', o.flowLayers, 4),
    hidden: int('flowHidden', o.flowHidden, 32),
    steps: int('flowSteps', o.flowSteps, o.steps),
    batch: int('flowBatch', o.flowBatch, 256),
    learningRate,
    augment: o.augment ?? true,
    groups: int('groups', o.groups, 1),
  };
}

/** The features of a sample's events passing the post-selection at the nominal, row-major [n_pass, 11]. */
function nominalPassing(sample: ArmSample): Float32Array {
  const { x, pass } = deriveChallengeFeatures(sample.raw, CHALLENGE_PROBLEM_NOMINAL);
  const D = CHALLENGE_FEATURE_DIM;
  let kept = 0;
  for (let i = 0; i < pass.length; i++) kept += pass[i];
  const rows = new Float32Array(kept * D);
  for (let i = 0, k = 0; i < pass.length; i++) if (pass[i]) rows.set(x.subarray(i * D, (i + 1) * D), D * k++);
  return rows;
}

/**
 * The flows' training events, dequantised: the jet multiplicity (integer) and every undefined
 * entry (-25, a point mass) get uniform noise on [-1/2, 1/2), so a flow fits a density rather
 * than spikes; a copy, seeded.
 */
function dequantised(rows: Float32Array, seed: string): Float32Array {
  const D = CHALLENGE_FEATURE_DIM;
  const jets = CHALLENGE_FEATURES.indexOf('PRI_n_jets');
  const rng = seedrandom(`nf-ensemble-dequantise/${seed}`);
  const out = Float32Array.from(rows);
  for (let i = 0; i < out.length; i++) if (i % D === jets || out[i] === CHALLENGE_UNDEFINED) out[i] += rng() - 0.5;
  return out;
}

/**
 * A robust input standardisation of row-major rows [n, d]: per column the median and half the
 * 15.87-84.13% inter-quantile range (the standard deviation for a normal column). The flows'
 * log densities have long tails (events far outside a process's bulk get very low densities);
 * mean and standard deviation would be set by those few events and squeeze the bulk.
 */
function robustStandardisation(rows: Float32Array, d: number): { mean: number[]; std: number[] } {
  const n = rows.length / d;
  const mean: number[] = [];
  const std: number[] = [];
  for (let j = 0; j < d; j++) {
    const col = Float64Array.from({ length: n }, (_, i) => rows[i * d + j]).sort();
    const q = (p: number) => col[Math.min(n - 1, Math.max(0, Math.round(p * (n - 1))))];
    mean.push(q(0.5));
    const half = (q(0.8413) - q(0.1587)) / 2;
    std.push(half > 0 ? half : 1);
  }
  return { mean, std };
}

/** `map` applied to row-major events [n, d] in chunks; the outputs row-major [n, F]. */
function mapRows(map: (x: tf.Tensor2D) => tf.Tensor2D, rows: Float32Array, d: number, chunk = 4096): Float32Array {
  const n = rows.length / d;
  const parts: Float32Array[] = [];
  for (let lo = 0; lo < n; lo += chunk) {
    const hi = Math.min(n, lo + chunk);
    parts.push(tf.tidy(() => map(tf.tensor2d(rows.subarray(lo * d, hi * d), [hi - lo, d])).dataSync() as Float32Array));
  }
  const out = new Float32Array(parts.reduce((t, p) => t + p.length, 0));
  let o = 0;
  for (const p of parts) (out.set(p, o), (o += p.length));
  return out;
}

/** What {@link trainNfEnsemble} returns: the trained summary (flows + head) and the records. */
export interface NfEnsembleResult {
  /** Owns its flows: release with {@link disposeNfEnsemble}. */
  readonly summary: FeatureSummary;
  /** The head's per-step records (BCE on the augmented batches). */
  readonly history: ArmStepRecord[];
  /** Per process: per-epoch mean NLL of its flow (nats). */
  readonly flowNll: Readonly<Record<string, readonly number[]>>;
  /** Per process: optimiser steps its flow took. */
  readonly flowSteps: Readonly<Record<string, number>>;
  readonly flowSeconds: number;
  readonly headSeconds: number;
  readonly config: ReturnType<typeof challengeConfig>;
  readonly compiled: CompiledAnalysis;
  readonly settings: NfEnsembleSettings;
  readonly seed: number;
}

/**
 * Trains the nf-ensemble arm's flows and head on the challenge problem (see the module comment)
 * and keeps them in memory; {@link saveNfEnsemble} writes the bundle.
 *
 * @throws InputError naming the option for bad options; NumericalError when a flow's or the
 *   head's loss or gradient, or a flow's log density of a training event, is not finite.
 * @example
 * ```ts
 * const r = await trainNfEnsemble(0, { steps: 60, trainEvents: 3000 });
 * r.history.at(-1)!.bce;   // the head's BCE on the last batch
 * disposeNfEnsemble(r);
 * ```
 */
export async function trainNfEnsemble(seed: number, options: NfEnsembleArmOptions): Promise<NfEnsembleResult> {
  if (options === null || typeof options !== 'object') throw new InputError('argument', 'nf-ensemble options', 'must be an object');
  const settings = flowSettings(options);
  const config = challengeConfig('nf-ensemble', seed, options);
  const compiled = await compileAnalysis(config, { splits: ['train'], simulators: BUILTIN_SIMULATORS });
  if (compiled.output.kind !== 'score') throw new InputError('argument', 'nf-ensemble method', 'needs a score output');
  const t = compiled.config.training;
  const s = compiled.config.summary;
  if (t.batch % settings.groups !== 0) throw new InputError('argument', 'nf-ensemble options.groups', `must divide the batch ${t.batch}, got ${settings.groups}`);
  const { samples } = challengeArmSamples({ n: config.simulation!.train.events, seed: String(config.simulation!.train.seed) });

  const D = CHALLENGE_FEATURE_DIM;
  const passing = Object.fromEntries(samples.map((p) => [p.name, nominalPassing(p)]));
  for (const p of samples) if (passing[p.name].length / D < 2) throw new InputError('argument', 'nf-ensemble options.trainEvents', `leaves ${passing[p.name].length / D} events of ${p.name} after the post-selection; a flow needs at least 2`);
  const meanEvents = samples.reduce((a, p) => a + passing[p.name].length / D, 0) / samples.length;
  const epochs = Math.max(1, Math.round(settings.steps / Math.ceil(meanEvents / settings.batch)));

  let ensemble: FlowEnsemble | undefined;
  let reference: Flow | undefined;
  let head: MlpSummary | undefined;
  try {
    const t0 = performance.now();
    const data = Object.fromEntries(samples.map((p) => [p.name, tf.tensor2d(dequantised(passing[p.name], `${seed}/${p.name}`), [passing[p.name].length / D, D])]));
    try {
      const flow = settings.kind === 'realnvp' ? { kind: 'realnvp' as const, layers: settings.layers, hidden: settings.hidden } : { kind: 'spline' as const, layers: settings.layers, hidden: settings.hidden };
      ensemble = trainFlowEnsemble(data, { flow, epochs, batchSize: settings.batch, learningRate: settings.learningRate, seed: 7000 + seed, logShift: NF_LOG_SHIFT });
    } finally {
      tf.dispose(Object.values(data));
    }
    const flowSeconds = (performance.now() - t0) / 1000;
    const pooledTensor = tf.tensor2d(pooledRows(samples.map((p) => passing[p.name])), [samples.reduce((a, p) => a + passing[p.name].length / D, 0), D]);
    let qStandardisation;
    try {
      qStandardisation = fitFlowStandardisation(pooledTensor, undefined, NF_LOG_SHIFT);
    } finally {
      pooledTensor.dispose();
    }
    reference = createFlow({ kind: 'realnvp', dim: D, layers: 1, hidden: 1, seed: 0, standardisation: qStandardisation });
    const flows: Record<string, Flow> = { ...ensemble.flows, [NF_REFERENCE]: reference };
    const processes = samples.map((p) => p.name);
    const probe = FeatureSummary.fromFlows(flows, { reference: NF_REFERENCE, processes }, createMlp({ inputDim: processes.length, hidden: [1], output: { kind: 'score' }, seed: 0 }), compiled.features);
    const features = mapRows(probe.features, pooledRows(samples.map((p) => passing[p.name])), D);
    probe.dispose();
    for (let i = 0; i < features.length; i++) {
      if (!Number.isFinite(features[i])) throw new NumericalError(`nf-ensemble: the flows give a non-finite log density (${features[i]}) for nominal training event ${Math.floor(i / processes.length)}; lower flowLearningRate (${settings.learningRate})`);
    }
    head = createMlp({
      inputDim: processes.length,
      hidden: s.hidden,
      activation: s.activation as MlpSummary['options']['activation'],
      output: compiled.output,
      seed: s.seed ?? t.seed + 1000,
      standardisation: robustStandardisation(features, processes.length),
      inputNames: processes.map((k) => `logp_${k}-logq`),
    });
    const summary = FeatureSummary.fromFlows(flows, { reference: NF_REFERENCE, processes }, head, compiled.features, { ownsFlows: true });
    const t1 = performance.now();
    const history = trainAugmentedBce(summary, samples, challengeArmTransform, {
      nuisances: settings.augment ? CHALLENGE_ARM_NUISANCES : [],
      groups: settings.groups,
      batch: t.batch,
      steps: t.steps,
      seed: `nf-ensemble/${seed}`,
      optimizer: { kind: 'adam', schedule: { kind: 'constant', learningRate: t.learningRate } },
    });
    const headSeconds = (performance.now() - t1) / 1000;
    const flowSteps = Object.fromEntries(processes.map((k) => [k, epochs * Math.ceil(passing[k].length / D / settings.batch)]));
    return { summary, history, flowNll: ensemble.nll, flowSteps, flowSeconds, headSeconds, config, compiled, settings, seed };
  } catch (e) {
    head?.dispose();
    reference?.dispose();
    for (const f of Object.values(ensemble?.flows ?? {})) f.dispose();
    throw e;
  }
}

/**
 * Releases a feature summary's head and its flows (the summary owns them), e.g. of {@link trainNfEnsemble}'s result or a loaded nf-ensemble bundle.
 *
 * @example
 * ```ts
 * disposeNfEnsemble(await loadBundleSummary(dir, readBundle(dir)));
 * ```
 */
export function disposeNfEnsemble(r: unknown): void {
  const summary = r instanceof FeatureSummary ? r : r !== null && typeof r === 'object' ? (r as { summary?: unknown }).summary : undefined;
  if (summary instanceof FeatureSummary) summary.dispose(); // it owns its flows (fromFlows ownsFlows)
}

/** The bundle's name: the arm's settings (the config schema has no field for them). */
function bundleName(r: NfEnsembleResult): string {
  const st = r.settings;
  return `challenge (nf-ensemble: ${st.kind} flows, ${st.layers} layers x ${st.hidden} hidden, ${st.steps} flow steps; head ${st.augment ? `on nuisance-augmented batches, ${st.groups} draw${st.groups === 1 ? '' : 's'} per batch` : 'on nominal events'})`;
}

/**
 * Writes the bundle of a {@link trainNfEnsemble} result to `out` (method `nf-ensemble`, the
 * challenge config; binning, output and features of the compiled analysis).
 *
 * @example
 * ```ts
 * const bundle = await saveNfEnsemble('runs/challenge/nf-ensemble', r);
 * ```
 */
export async function saveNfEnsemble(out: string, r: NfEnsembleResult): Promise<BundleFile> {
  const nll = Object.fromEntries(Object.entries(r.flowNll).map(([k, v]) => [k, { first: v[0], last: v.at(-1)! }]));
  return saveChallengeArmBundle(out, r.summary, {
    method: 'nf-ensemble',
    name: bundleName(r),
    config: r.config,
    compiled: r.compiled,
    training: {
      steps: r.history.length,
      seed: r.seed,
      seconds: r.flowSeconds + r.headSeconds,
      flows: { kind: r.settings.kind, layers: r.settings.layers, hidden: r.settings.hidden, batch: r.settings.batch, learningRate: r.settings.learningRate, steps: r.flowSteps, seconds: r.flowSeconds, nll },
      head: { augment: r.settings.augment, groups: r.settings.groups, seconds: r.headSeconds },
    },
  });
}

/**
 * Trains the nf-ensemble arm on the challenge problem and writes its bundle to `out` (see the
 * module comment); `trainChallengeArm('nf-ensemble', …)` dispatches here.
 *
 * @throws InputError naming the option for bad options; NumericalError when training fails
 *   (nothing is written then).
 * @example
 * ```ts
 * const { bundle, history } = await trainNfEnsembleArm(0, { steps: 500, flowSteps: 1000 }, 'runs/challenge/nf-ensemble');
 * ```
 */
export async function trainNfEnsembleArm(seed: number, options: ChallengeArmOptions, out: string): Promise<{ readonly history: ArmStepRecord[]; readonly bundle: BundleFile }> {
  const r = await trainNfEnsemble(seed, options as NfEnsembleArmOptions);
  try {
    return { history: r.history, bundle: await saveNfEnsemble(out, r) };
  } finally {
    disposeNfEnsemble(r);
  }
}
