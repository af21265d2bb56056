/**
 * Trains issue 12's arms (`bce-augmented`, `pivot`: src/models/arms) on the challenge problem
 * and saves them as analysis bundles, until the analysis trainer has a branch for them (see
 * /work/notes/issue12-next.md): the summary is the MLP the trainer would build for
 * `challengeConfig(arm, seed, options)` (same layers, initial weights and input
 * standardisation), trained by the arm on the raw events of the config's training split (the same
 * generated events: seed `train-<seed>`, `trainEvents` per process) with nuisances drawn per batch
 * through the differentiable transform; the bundle stores that config, so `apply`, `evaluate` and
 * `export` treat it like any trained analysis (its templates are the nominal analysis's, the
 * nuisances profiled in the fit). The bundle's name records the arm's settings (lambda, K,
 * warm-up, groups), which the config schema has no field for yet.
 */
import { compileAnalysis, createAnalysisSummary, methodOf, trainAnalysis, type BundleFile, type MethodName } from '../../src/models/index.js';
import { trainAugmentedBce, trainPivot, type ArmStepRecord } from '../../src/models/arms/index.js';
import { InputError } from '../../src/stats/errors.js';
import { BUILTIN_SIMULATORS } from '../simulators/registry.js';
import { CHALLENGE_ARM_NUISANCES, challengeArmSamples, challengeArmTransform, saveChallengeArmBundle } from './arms.js';
import { trainNfEnsembleArm, type NfEnsembleArmOptions } from './nf-ensemble.js';
import { trainParameterizedArm } from './parameterized.js';
import { challengeConfig, type ChallengeConfigOptions } from './problem.js';

/** The arms trained here (the registry's methods with loss kind `arm`). */
export type ChallengeArm = 'bce-augmented' | 'pivot' | 'nf-ensemble' | 'parameterized';

/** The arms in the order the challenge table lists them. */
export const CHALLENGE_ARMS: readonly MethodName[] = ['bce', 'bce-augmented', 'nf-ensemble', 'parameterized', 'pivot', 'inferno', 'profile-width'];

/** Options of {@link trainChallengeArm}. */
export interface ChallengeArmOptions extends ChallengeConfigOptions {
  /** pivot: the adversary's weight; default 10. */
  readonly lambda?: number;
  /** Nuisance draws per batch; default 1 (bce-augmented), 8 (pivot, parameterized). Must divide the batch. */
  readonly groups?: number;
  /** pivot: adversary updates per step (K); default 5. */
  readonly adversaryUpdates?: number;
  /** pivot: steps at lambda 0 first; default 0. */
  readonly warmup?: number;
}

/**
 * Trains `arm` on the challenge problem and writes its bundle to `out` (see the module comment).
 *
 * @throws InputError naming the option for an unknown arm or bad options; NumericalError when a
 *   step's loss or gradient is not finite (nothing is written then).
 * @example
 * ```ts
 * const { bundle, history } = await trainChallengeArm('pivot', 0, { steps: 500, lambda: 10 }, 'runs/challenge/pivot');
 * ```
 */
export async function trainChallengeArm(arm: ChallengeArm, seed: number, options: ChallengeArmOptions & NfEnsembleArmOptions, out: string): Promise<{ readonly history: ArmStepRecord[]; readonly bundle: BundleFile }> {
  if (arm === 'nf-ensemble') return trainNfEnsembleArm(seed, options, out);
  if (arm === 'parameterized') return trainParameterizedArm(seed, options, out);
  if (arm !== 'bce-augmented' && arm !== 'pivot') throw new InputError('argument', 'trainChallengeArm arm', `must be one of bce-augmented, pivot, nf-ensemble, parameterized, got ${JSON.stringify(arm)}`);
  const config = challengeConfig(arm, seed, options);
  const compiled = await compileAnalysis(config, { splits: ['train'], simulators: BUILTIN_SIMULATORS });
  const t = compiled.config.training;
  const { samples } = challengeArmSamples({ n: config.simulation!.train.events, seed: String(config.simulation!.train.seed) });
  const summary = createAnalysisSummary(compiled);
  try {
    const optimizer = { kind: 'adam' as const, schedule: { kind: 'constant' as const, learningRate: t.learningRate } };
    const common = { nuisances: CHALLENGE_ARM_NUISANCES, batch: t.batch, steps: t.steps, seed: `${arm}/${seed}`, optimizer };
    const t0 = performance.now();
    let history: ArmStepRecord[];
    let label: string;
    if (arm === 'bce-augmented') {
      const groups = options.groups ?? 1;
      history = trainAugmentedBce(summary, samples, challengeArmTransform, { ...common, groups });
      label = `challenge (bce-augmented: ${groups} nuisance draw${groups === 1 ? '' : 's'} per batch)`;
    } else {
      const lambda = options.lambda ?? 10;
      const groups = options.groups ?? 8;
      const K = options.adversaryUpdates ?? 5;
      const warmup = options.warmup ?? 0;
      const r = trainPivot(summary, samples, challengeArmTransform, { ...common, groups, lambda, adversaryUpdates: K, warmup });
      r.adversary.dispose();
      history = r.history;
      label = `challenge (pivot: lambda ${lambda}, K ${K}, warm-up ${warmup}, ${groups} nuisance draws per batch)`;
    }
    const seconds = (performance.now() - t0) / 1000;
    const bundle = await saveChallengeArmBundle(out, summary, { method: arm, name: label, config, compiled, training: { steps: history.length, seed, seconds } });
    return { history, bundle };
  } finally {
    summary.dispose();
  }
}

/**
 * Trains any method of the registry on the challenge problem and saves its bundle in `out`: the
 * analysis trainer (`trainAnalysis` of `challengeConfig(method, seed, options)`) for `bce` and
 * the inference-aware methods, {@link trainChallengeArm} for the arms (loss kind `arm`).
 *
 * @throws InputError for an unknown method or bad options; NumericalError when training fails.
 * @example
 * ```ts
 * const bundle = await trainChallengeBundle('inferno', 0, { steps: 300 }, 'runs/challenge/inferno/seed-0');
 * ```
 */
export async function trainChallengeBundle(method: string, seed: number, options: ChallengeArmOptions & NfEnsembleArmOptions, out: string): Promise<BundleFile> {
  const m = methodOf(method, 'challenge arm');
  if (m.loss.kind === 'arm') return (await trainChallengeArm(m.name as ChallengeArm, seed, options, out)).bundle;
  const config = challengeConfig(m.name, seed, options);
  const compiled = await compileAnalysis(config, { splits: ['train', 'validation'], simulators: BUILTIN_SIMULATORS });
  const trained = await trainAnalysis(compiled, { out, source: { config: config as Record<string, unknown>, baseDir: process.cwd() } });
  if (!trained.bundle) throw new Error('trainChallengeBundle: the trainer wrote no bundle');
  return trained.bundle;
}
