/**
 * The challenge problem's inputs of the systematics arms (src/models/arms): raw events are the
 * simulator's stored components (every generated event; the post-selection is applied by the
 * transform at the drawn nuisances), and the nuisance transform is the differentiable
 * `challengeFeaturesTensor` at the standardised shape nuisances
 * `tes = 1 + 0.01 z`, `jes = 1 + 0.01 z`, `softMet = exp(z)` ({@link challengeNuisanceAt}),
 * each clipped to its challenge range as the challenge's draws are (`np.clip`), with the
 * post-selection as the events' weights.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { ArmSample, NuisanceTransform } from '../../src/models/arms/index.js';
import { saveBundle, type BundleFile, type CompiledAnalysis, type MethodName } from '../../src/models/index.js';
import type { Summary } from '../../src/models/summary.js';
import { fitStandardisation, type Standardisation } from '../../src/models/summary.js';
import { InputError } from '../../src/stats/errors.js';
import { challengeFeaturesTensor } from '../simulators/challenge-transforms.js';
import {
  CHALLENGE_COMPONENT_DIM,
  CHALLENGE_FEATURE_DIM,
  CHALLENGE_NUISANCE_PRIORS,
  CHALLENGE_PROCESSES,
  CHALLENGE_SIGNAL,
  CHALLENGE_YIELDS,
  challengeNuisanceAt,
  deriveChallengeFeatures,
  generateChallengeEvents,
} from '../simulators/challenge.js';
import { CHALLENGE_PROBLEM_NOMINAL, CHALLENGE_SHAPE_NUISANCES, type ChallengeShapeNuisance } from './problem.js';

/**
 * The physical value of a shape nuisance at standardised `z`, clipped to its challenge range.
 *
 * @example
 * ```ts
 * challengeShapeValue('softMet', 3); // 5 (exp(3) = 20 clipped to [0, 5])
 * ```
 */
export function challengeShapeValue(name: ChallengeShapeNuisance, z: number): number {
  const [lo, hi] = CHALLENGE_NUISANCE_PRIORS[name].range;
  return Math.min(hi, Math.max(lo, challengeNuisanceAt(name, z)));
}

/**
 * The challenge's nuisance transform for the arms: components [m, CHALLENGE_COMPONENT_DIM] at
 * standardised `z` (missing names: z = 0, the problem's nominal) -> the 11 features and the
 * post-selection as weights.
 *
 * @example
 * ```ts
 * const { x, weight } = challengeArmTransform(components, { tes: 1, jes: 0, softMet: -0.5 }, sample);
 * ```
 */
export const challengeArmTransform: NuisanceTransform = (raw: tf.Tensor2D, z) => {
  const at = (name: ChallengeShapeNuisance) => (z[name] === undefined ? CHALLENGE_PROBLEM_NOMINAL[name] : challengeShapeValue(name, z[name]));
  const { features, pass } = challengeFeaturesTensor(raw, { tes: at('tes'), jes: at('jes'), softMet: at('softMet') });
  return { x: features, weight: pass };
};

/**
 * The arms' samples of the challenge: `n` generated events per process (seed `<seed>`), the
 * signal `htautau` labelled 1, each sample's expected events the challenge's yield; and the input
 * standardisation of the features at the problem's nominal (events passing the post-selection,
 * all processes pooled, as the analysis config standardises).
 *
 * @throws InputError for a non-positive event count.
 * @example
 * ```ts
 * const { samples, standardisation } = challengeArmSamples({ n: 20_000, seed: 'train-0' });
 * ```
 */
export function challengeArmSamples(options: { readonly n: number; readonly seed: number | string }): { readonly samples: ArmSample[]; readonly standardisation: Standardisation } {
  if (!Number.isInteger(options.n) || options.n < 1) throw new InputError('argument', 'challengeArmSamples options.n', `must be a positive integer, got ${options.n}`);
  const pooled: Float32Array[] = [];
  const samples = CHALLENGE_PROCESSES.map((process) => {
    const ev = generateChallengeEvents({ process, n: options.n, seed: options.seed });
    const { x, pass } = deriveChallengeFeatures(ev.components, CHALLENGE_PROBLEM_NOMINAL);
    let kept = 0;
    for (let i = 0; i < ev.n; i++) kept += pass[i];
    const rows = new Float32Array(kept * CHALLENGE_FEATURE_DIM);
    for (let i = 0, k = 0; i < ev.n; i++) if (pass[i]) rows.set(x.subarray(i * CHALLENGE_FEATURE_DIM, (i + 1) * CHALLENGE_FEATURE_DIM), CHALLENGE_FEATURE_DIM * k++);
    pooled.push(rows);
    return { name: process, raw: ev.components, dim: CHALLENGE_COMPONENT_DIM, label: process === CHALLENGE_SIGNAL ? 1 : 0, expected: CHALLENGE_YIELDS[process] } satisfies ArmSample;
  });
  const all = new Float32Array(pooled.reduce((t, p) => t + p.length, 0));
  let o = 0;
  for (const p of pooled) (all.set(p, o), (o += p.length));
  return { samples, standardisation: fitStandardisation(all, CHALLENGE_FEATURE_DIM) };
}

/** The nuisances the challenge arms draw (standardised names of the shape nuisances). */
export const CHALLENGE_ARM_NUISANCES: readonly string[] = CHALLENGE_SHAPE_NUISANCES;

/**
 * Writes the bundle of an arm trained on the challenge problem: `summary` with the arm's
 * `config` (a `challengeConfig`), the compiled analysis's binning, output and features, `name`
 * recording the arm's settings (the config schema has no field for them) and the training
 * outcome (`extra` adds arm-specific records, e.g. the flows of nf-ensemble).
 *
 * @example
 * ```ts
 * await saveChallengeArmBundle(out, summary, { method: 'pivot', name: 'challenge (pivot: lambda 10)', config, compiled, training: { steps: 300, seed: 0, seconds: 41 } });
 * ```
 */
export function saveChallengeArmBundle(
  out: string,
  summary: Summary,
  o: { readonly method: MethodName; readonly name: string; readonly config: unknown; readonly compiled: CompiledAnalysis; readonly training: { readonly steps: number; readonly seed: number; readonly seconds: number } & Record<string, unknown> },
): Promise<BundleFile> {
  return saveBundle(out, summary, {
    name: o.name,
    method: o.method,
    config: o.config as Record<string, unknown>,
    baseDir: process.cwd(),
    binning: o.compiled.binning,
    output: o.compiled.output,
    features: o.compiled.features,
    training: { status: 'completed', ...o.training },
  });
}
