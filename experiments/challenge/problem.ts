/**
 * The HiggsML-Uncertainty-Challenge-style problem (experiments/simulators/challenge.ts) as an
 * analysis config (src/models/config): what `inferno`, `profile-width`, `bce` (and the other
 * registry methods the trainer runs) train on through the one analysis trainer, and what the
 * bundle, `evaluate` and `export` read back.
 *
 * **Model.** One learned channel `SR` over the eleven challenge features
 * ({@link CHALLENGE_FEATURES}), samples `htautau` (scaled by `mu`), `ztautau`, `ttbar`,
 * `diboson`, with the challenge's six nuisances:
 * - the shape nuisances `tes`, `jes`, `softMet` as histosys on every sample, N(0, 1) in the
 *   standardised form of their priors ({@link challengeNuisanceAt}): templates at `z = +-1`,
 *   i.e. TES and JES at `1 +- 0.01`, the soft-MET width at `e^{+-1}` GeV around the nominal
 *   `softMet = 1` (the log-normal prior's median; the challenge's no-bias value 0 lies at
 *   `z = -infinity`). The up and down events are the nominal events (same seed: common random
 *   numbers) re-derived at those values by the simulator's feature derivation
 *   (`deriveChallengeFeatures`, the float64 twin of the differentiable `challengeFeaturesTensor`),
 *   with the post-selection applied at the varied values, so the templates carry the acceptance
 *   change of the tau-pT cut as well as the shape;
 * - the normalisations as constrained normfactors, the challenge's priors as Gaussian
 *   constraints (diffinfer's extension of pyhf, rewritten by the export): `ttbar_scale`
 *   N(1, 0.02) on ttbar, `diboson_scale` N(1, 0.25) on diboson, `bkg_scale` N(1, 0.001) on
 *   the three backgrounds, each bounded by its challenge range — the products of
 *   `get_bootstrapped_dataset` ({@link challengeNormalisation}).
 *
 * **Events.** The simulator `challenge` ({@link CHALLENGE_CONFIG_SIMULATOR}) returns every
 * generated event with the features at the requested nuisances, `pass` (the post-selection at
 * those values) and `weight = pass Y_p / n_pass(nominal)` — expected events per simulated event,
 * so each split's nominal templates sum to the challenge's yields {@link CHALLENGE_YIELDS} and a
 * variation's to its accepted share. Samples keep the events with `pass != 0` and weigh them by
 * `weight` (no `expected`: a variation keeps its rate effect).
 *
 * @example
 * ```ts
 * const compiled = await compileAnalysis(challengeConfig('inferno', 0, { steps: 200 }), { simulators: BUILTIN_SIMULATORS });
 * ```
 */
import type { AnalysisConfigInput, Simulator } from '../../src/models/config/index.js';
import type { MethodName } from '../../src/models/methods.js';
import { InputError } from '../../src/stats/errors.js';
import {
  CHALLENGE_FEATURE_DIM,
  CHALLENGE_FEATURES,
  CHALLENGE_NUISANCE_PRIORS,
  CHALLENGE_PROCESSES,
  CHALLENGE_SIGNAL,
  CHALLENGE_YIELDS,
  challengeNuisanceAt,
  deriveChallengeFeatures,
  generateChallengeEvents,
  type ChallengeEvents,
  type ChallengeNuisanceName,
  type ChallengeNuisances,
  type ChallengeProcess,
} from '../simulators/challenge.js';

/** The shape nuisances of the problem (histosys from the feature derivation). */
export const CHALLENGE_SHAPE_NUISANCES = ['tes', 'jes', 'softMet'] as const satisfies readonly ChallengeNuisanceName[];

export type ChallengeShapeNuisance = (typeof CHALLENGE_SHAPE_NUISANCES)[number];

/**
 * The problem's reference point of the shape nuisances (z = 0 of their standardised priors):
 * TES = JES = 1, soft MET at the log-normal's median 1 GeV.
 */
export const CHALLENGE_PROBLEM_NOMINAL: Readonly<Record<ChallengeShapeNuisance, number>> = { tes: 1, jes: 1, softMet: 1 };

/** The normalisation nuisances: the config's parameter name, the challenge nuisance, the processes it scales. */
export const CHALLENGE_NORM_PARAMETERS = [
  { name: 'ttbar_scale', nuisance: 'ttbarScale', processes: ['ttbar'] },
  { name: 'diboson_scale', nuisance: 'dibosonScale', processes: ['diboson'] },
  { name: 'bkg_scale', nuisance: 'bkgScale', processes: ['ztautau', 'ttbar', 'diboson'] },
] as const satisfies ReadonlyArray<{ name: string; nuisance: ChallengeNuisanceName; processes: readonly ChallengeProcess[] }>;

/** The columns of the `challenge` config simulator: the features, then `pass` and `weight`. */
export const CHALLENGE_CONFIG_COLUMNS: readonly string[] = [...CHALLENGE_FEATURES, 'pass', 'weight'];

/**
 * The process string of the config simulator: `<process>` (the challenge's no-bias nuisances)
 * or `<process>@<name>=<value>,...` with shape nuisances by their challenge names.
 *
 * @example
 * ```ts
 * challengeProcessString('ztautau', { tes: 1.01, jes: 1, softMet: 1 }); // 'ztautau@tes=1.01,jes=1,softMet=1'
 * ```
 */
export function challengeProcessString(process: ChallengeProcess, nuisances: Partial<Record<ChallengeShapeNuisance, number>> = {}): string {
  const parts = CHALLENGE_SHAPE_NUISANCES.filter((n) => nuisances[n] !== undefined).map((n) => `${n}=${nuisances[n]}`);
  return parts.length === 0 ? process : `${process}@${parts.join(',')}`;
}

/**
 * Parses {@link challengeProcessString}'s form.
 *
 * @throws InputError naming the process string for an unknown process or nuisance, or a value
 *   that is not a number in its challenge range.
 */
export function parseChallengeProcess(text: string): { readonly process: ChallengeProcess; readonly nuisances: Partial<ChallengeNuisances> } {
  const where = `simulator challenge process "${text}"`;
  const at = text.indexOf('@');
  const head = at < 0 ? text : text.slice(0, at);
  const tail = at < 0 ? undefined : text.slice(at + 1);
  if (!CHALLENGE_PROCESSES.includes(head as ChallengeProcess)) throw new InputError('argument', where, `expected one of ${CHALLENGE_PROCESSES.join(', ')}, optionally @name=value,... (shape nuisances ${CHALLENGE_SHAPE_NUISANCES.join(', ')})`);
  const nuisances: Record<string, number> = {};
  if (tail !== undefined) {
    for (const part of tail.split(',')) {
      const eq = part.indexOf('=');
      const name = eq < 0 ? part : part.slice(0, eq);
      const value = eq < 0 ? undefined : part.slice(eq + 1);
      if (!(CHALLENGE_SHAPE_NUISANCES as readonly string[]).includes(name)) throw new InputError('argument', where, `"${name}" is not a shape nuisance (expected ${CHALLENGE_SHAPE_NUISANCES.join(', ')})`);
      const v = Number(value);
      const [lo, hi] = CHALLENGE_NUISANCE_PRIORS[name as ChallengeShapeNuisance].range;
      if (value === undefined || value.trim() === '' || !Number.isFinite(v) || v < lo || v > hi) throw new InputError('argument', where, `${name} must be a number in [${lo}, ${hi}], got ${JSON.stringify(value ?? '')}`);
      nuisances[name] = v;
    }
  }
  return { process: head as ChallengeProcess, nuisances };
}

/** The last generated event sets (a histosys's up and down events are the nominal's, transformed). */
const generated = new Map<string, ChallengeEvents>();
const GENERATED_KEPT = 4;

function generatedEvents(process: ChallengeProcess, n: number, seed: string): ChallengeEvents {
  const key = `${process}\u0000${n}\u0000${seed}`;
  let ev = generated.get(key);
  if (ev) {
    generated.delete(key);
  } else {
    ev = generateChallengeEvents({ process, n, seed });
  }
  generated.set(key, ev);
  while (generated.size > GENERATED_KEPT) generated.delete(generated.keys().next().value!);
  return ev;
}

/**
 * `n` events of a process string ({@link parseChallengeProcess}) as rows of
 * {@link CHALLENGE_CONFIG_COLUMNS}: the features at the nuisances, `pass`, and
 * `weight = pass Y_p / n_pass(nominal TES, JES)` (see the module comment). The same arguments
 * give the same bytes; the same seed at other nuisances gives the same events, transformed.
 *
 * @throws InputError for a bad process string, or when no generated event passes the nominal
 *   post-selection (too few events).
 * @example
 * ```ts
 * const rows = challengeConfigEvents('htautau@tes=1.01', 1000, 'train-0'); // 1000 x 13 values
 * ```
 */
export function challengeConfigEvents(processString: string, n: number, seed: string): Float32Array {
  const { process, nuisances } = parseChallengeProcess(processString);
  const ev = generatedEvents(process, n, seed);
  const nominalPass = deriveChallengeFeatures(ev.components).pass;
  let nominalPassed = 0;
  for (let i = 0; i < n; i++) nominalPassed += nominalPass[i];
  if (nominalPassed === 0) throw new InputError('argument', `simulator challenge process "${processString}"`, `none of the ${n} generated events passes the nominal post-selection: simulate more events`);
  const { x, pass } = deriveChallengeFeatures(ev.components, nuisances);
  const D = CHALLENGE_FEATURE_DIM;
  const C = D + 2;
  const w = CHALLENGE_YIELDS[process] / nominalPassed;
  const out = new Float32Array(n * C);
  for (let i = 0; i < n; i++) {
    out.set(x.subarray(i * D, (i + 1) * D), i * C);
    out[i * C + D] = pass[i];
    out[i * C + D + 1] = pass[i] * w;
  }
  return out;
}

/** The challenge problem's simulator for analysis configs (`simulate: { simulator: 'challenge', process }`). */
export const CHALLENGE_CONFIG_SIMULATOR: Simulator = {
  columns: CHALLENGE_CONFIG_COLUMNS,
  simulate: challengeConfigEvents,
};

/** Run options of {@link challengeConfig}. */
export interface ChallengeConfigOptions {
  readonly steps: number;
  /** Generated events per process: training, validation, test (defaults 20 000, 20 000, 50 000). */
  readonly trainEvents?: number;
  readonly validationEvents?: number;
  readonly testEvents?: number;
  /** Bins of the learned channel (logits: K outputs); default 8. */
  readonly bins?: number;
  /** Hidden layers of the MLP; default [32, 32]. */
  readonly hidden?: readonly number[];
  /** Events per sample per step; default 256. */
  readonly batch?: number;
  readonly learningRate?: number;
  readonly validationEvery?: number;
}

/**
 * The challenge problem as an analysis config for `method` (see the module comment): seeds
 * `train-<seed>`, `valid-<seed>` and `challenge-test`, the summary's initial weights from
 * `3000 + seed`, mu in [0, 10].
 *
 * @throws InputError naming the option for a bad step or bin count.
 * @example
 * ```ts
 * const config = challengeConfig('profile-width', 1, { steps: 500, trainEvents: 50_000 });
 * ```
 */
export function challengeConfig(method: MethodName, seed: number, options: ChallengeConfigOptions): AnalysisConfigInput {
  const bins = options.bins ?? 8;
  if (!Number.isInteger(bins) || bins < 2) throw new InputError('argument', 'challengeConfig bins', `must be an integer >= 2, got ${bins}`);
  if (!Number.isInteger(options.steps) || options.steps < 1) throw new InputError('argument', 'challengeConfig steps', `must be a positive integer, got ${options.steps}`);
  if (!Number.isInteger(seed) || seed < 0) throw new InputError('argument', 'challengeConfig seed', `must be a non-negative integer, got ${seed}`);
  const source = (process: ChallengeProcess, shift: Partial<Record<ChallengeShapeNuisance, number>> = {}) => ({
    simulator: 'challenge',
    process: challengeProcessString(process, { ...CHALLENGE_PROBLEM_NOMINAL, ...shift }),
  });
  const samples = CHALLENGE_PROCESSES.map((process) => ({
    name: process,
    simulate: source(process),
    weight: 'weight',
    selection: 'pass',
    modifiers: [
      ...(process === CHALLENGE_SIGNAL ? [{ type: 'normfactor' as const, name: 'mu' }] : []),
      ...CHALLENGE_SHAPE_NUISANCES.map((name) => ({
        type: 'histosys' as const,
        name,
        simulate: { up: source(process, { [name]: challengeNuisanceAt(name, 1) }), down: source(process, { [name]: challengeNuisanceAt(name, -1) }) },
      })),
      ...CHALLENGE_NORM_PARAMETERS.filter((p) => (p.processes as readonly ChallengeProcess[]).includes(process)).map((p) => ({ type: 'normfactor' as const, name: p.name })),
    ],
  }));
  return {
    name: 'challenge',
    simulation: {
      train: { events: options.trainEvents ?? 20_000, seed: `train-${seed}` },
      validation: { events: options.validationEvents ?? 20_000, seed: `valid-${seed}` },
      test: { events: options.testEvents ?? 50_000, seed: 'challenge-test' },
    },
    summary: { features: [...CHALLENGE_FEATURES], hidden: [...(options.hidden ?? [32, 32])], bins, seed: 3000 + seed },
    channels: [{ name: 'SR', samples }],
    measurement: {
      poi: 'mu',
      parameters: [
        { name: 'mu', bounds: [0, 10], init: 1 },
        ...CHALLENGE_NORM_PARAMETERS.map((p) => {
          const prior = CHALLENGE_NUISANCE_PRIORS[p.nuisance];
          return { name: p.name, bounds: [prior.range[0], prior.range[1]] as [number, number], init: 1, constraint: { mean: prior.mean, sigma: prior.sigma } };
        }),
      ],
    },
    training: {
      method,
      steps: options.steps,
      batch: options.batch ?? 256,
      learningRate: options.learningRate ?? 1e-3,
      seed,
      validationEvery: options.validationEvery ?? Math.max(1, Math.round(options.steps / 20)),
    },
  };
}

/** The nuisance names of the challenge in the problem: shape (histosys) and normalisation (normfactor) parameters. */
export const CHALLENGE_PROBLEM_PARAMETERS: readonly string[] = [...CHALLENGE_SHAPE_NUISANCES, ...CHALLENGE_NORM_PARAMETERS.map((p) => p.name)];
