/**
 * The `parameterized` arm on the challenge problem: a classifier `f(x; z)` of the 11 features
 * and the three standardised shape nuisances `z = (tes, jes, softMet)` (src/models/parameterized.ts),
 * trained by BCE on the raw events of the config's training split (the same generated events as
 * the other arms: seed `train-<seed>`, `trainEvents` per process) with the nuisances drawn from
 * their N(0, 1) priors per group of events and applied through the differentiable transform
 * (`challengeArmTransform`), each event's drawn z fed to the network (the draw as it is: soft
 * MET is clipped to the challenge's [0, 5] GeV by the transform, so above z = ln 5 the events no
 * longer change and the network learns that). Default 8 nuisance draws per batch.
 *
 * The network is the one the trainer builds for `challengeConfig('parameterized', seed, options)`
 * (hidden layers, activation, seed and feature standardisation of `createAnalysisSummary`) with
 * three more inputs whose first-layer weights start at zero (at initialisation `f(x; z)` is
 * that network for every z). The bundle stores that config and the summary evaluated at **z = 0** (the
 * nominal): that is what `apply`, `evaluate` and `export` use (templates filled with
 * `f(x; 0)`, nuisances profiled as histosys, like `bce`). The challenge protocol uses it at the
 * fitted nuisances instead (two passes: fit with `f(.; 0)`, refill templates and data with
 * `summary.at(z_hat)` and refit; experiments/challenge/protocol*.ts).
 */
import { compileAnalysis, createAnalysisSummary, type BundleFile } from '../../src/models/index.js';
import { createParameterizedSummary, trainParameterized } from '../../src/models/parameterized.js';
import type { ArmStepRecord } from '../../src/models/arms/index.js';
import { InputError } from '../../src/stats/errors.js';
import { BUILTIN_SIMULATORS } from '../simulators/registry.js';
import { CHALLENGE_ARM_NUISANCES, challengeArmSamples, challengeArmTransform, saveChallengeArmBundle } from './arms.js';
import { challengeConfig } from './problem.js';
import type { ChallengeArmOptions } from './train-arms.js';

/** Nuisance draws per batch of the parameterized arm unless `options.groups` says otherwise. */
export const PARAMETERIZED_DEFAULT_GROUPS = 8;

/**
 * Trains the parameterized arm on the challenge problem (see the module comment) and writes its
 * bundle to `out` (method `parameterized`, the summary at z = 0).
 *
 * @throws InputError naming the option for bad options (e.g. `groups` not dividing the batch);
 *   NumericalError when a step's loss or gradient is not finite (nothing is written then).
 * @example
 * ```ts
 * const { bundle, history } = await trainParameterizedArm(0, { steps: 500, groups: 8 }, 'runs/challenge/parameterized');
 * ```
 */
export async function trainParameterizedArm(seed: number, options: ChallengeArmOptions, out: string): Promise<{ readonly history: ArmStepRecord[]; readonly bundle: BundleFile }> {
  const config = challengeConfig('parameterized', seed, options);
  const groups = options.groups ?? PARAMETERIZED_DEFAULT_GROUPS;
  const batch = config.training!.batch!; // challengeConfig sets it
  if (!Number.isInteger(groups) || groups < 1 || batch % groups !== 0) throw new InputError('argument', 'trainParameterizedArm groups', `must be a positive integer dividing the batch ${batch}, got ${groups}`);
  const compiled = await compileAnalysis(config, { splits: ['train'], simulators: BUILTIN_SIMULATORS });
  const t = compiled.config.training;
  const { samples } = challengeArmSamples({ n: config.simulation!.train.events, seed: String(config.simulation!.train.seed) });
  const base = createAnalysisSummary(compiled);
  const baseOptions = base.options;
  base.dispose();
  const summary = createParameterizedSummary(baseOptions, CHALLENGE_ARM_NUISANCES);
  try {
    const t0 = performance.now();
    const history = trainParameterized(summary, samples, challengeArmTransform, {
      nuisances: CHALLENGE_ARM_NUISANCES,
      batch: t.batch,
      groups,
      steps: t.steps,
      seed: `parameterized/${seed}`,
      optimizer: { kind: 'adam', schedule: { kind: 'constant', learningRate: t.learningRate } },
    });
    const seconds = (performance.now() - t0) / 1000;
    const bundle = await saveChallengeArmBundle(out, summary, {
      method: 'parameterized',
      name: `challenge (parameterized: f(x; ${CHALLENGE_ARM_NUISANCES.join(', ')}), ${groups} nuisance draws per batch, saved at z = 0)`,
      config,
      compiled,
      training: { steps: history.length, seed, seconds },
    });
    return { history, bundle };
  } finally {
    summary.dispose();
  }
}
