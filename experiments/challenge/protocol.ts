/**
 * The challenge protocol (`diffinfer challenge`, issue 12): every arm trained on the challenge
 * problem over seeds, then its POI intervals' coverage, width and HiggsML-Uncertainty-Challenge
 * score over simulated pseudo-experiments.
 *
 * 1. **Training.** Arm x seed through `trainChallengeBundle` (experiments/challenge/train-arms.ts)
 *    on `challengeConfig(arm, seed, training)`; bundles in `DIR/<arm>/seed-<k>/`. With `resume`,
 *    a folder holding a bundle is kept. An arm whose training fails (e.g. an arm not written
 *    yet) is reported as failed and the others go on.
 * 2. **Pseudo-experiments** (experiments/challenge/protocol-draw.ts): the pool is the test split
 *    of the bundle's config (the events its templates come from), bootstrapped with Poisson
 *    weights at nuisances drawn from the challenge's priors; true `mu ~ U(muRange)`; fitted with
 *    the model of the workspace `diffinfer export` writes for the bundle. Seed of the
 *    pseudo-experiments of seed `k`: `k` (the same truths for every arm at a seed).
 * 3. **Intervals.** Profile likelihood (t_mu <= 1, 68.27%) and Neyman with bias correction (belt
 *    from simulated pseudo-experiments at `beltPoints` grid values, `beltToys` each), both on
 *    the same pseudo-experiments: the Neyman run's estimates are the profile run's free-fit
 *    mu^ (its estimator), so it simulates only the belt. Each is a coverage job of experiments/coverage-model.ts in
 *    `DIR/<arm>/seed-<k>/coverage-<interval>/` (its unit store: finished units are kept and
 *    `--resume` reruns only the missing ones; its own results.json, report.md, plots).
 * 4. **Summary.** Per arm and seed, and per arm pooled over the seeds (the records of the K
 *    seeds together: `K N` pseudo-experiments, the score's penalty at that N): coverage
 *    `c = covered / N` with binomial error, mean width, score (`coverageScore`), in-band flag.
 *    `DIR/results.json` (atomic), `DIR/report.md` and `DIR/plots/` (experiments/challenge/protocol-report.ts).
 *
 * The parameterized arm (a summary f(x; z)) is fitted in two passes, its belt too
 * (experiments/challenge/protocol-twopass.ts).
 *
 * Node-only (files, tfjs, worker threads).
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { finalizeCoverage, type CoverageUnit } from '../../src/jobs/coverage-job.js';
import type { NeymanEstimateBlockResult } from '../../src/jobs/neyman-estimates.js';
import type { UnitJob } from '../../src/parallel/job.js';
import { runJob } from '../../src/jobs/run.js';
import { methodOf, type MethodName } from '../../src/models/methods.js';
import { openBundle } from '../../src/models/bundle.js';
import { hardTemplates } from '../../src/models/fill.js';
import { checkWorkerCount, openExecutor, type Executor } from '../../src/parallel/pool.js';
import { progressBar } from '../../src/parallel/progress.js';
import { InputError } from '../../src/stats/errors.js';
import { summariseCoverage, type CoverageFailure, type CoverageRecord, type CoverageSummary, type IntervalMethod } from '../../src/stats/inference/coverage.js';
import { writeFileAtomic } from '../../src/stats/io.js';
import { checkModelCoverageSpec, modelCoverageJob, parameterizedPassOne, releaseBundleSummary, type ModelCoverageSpec, type ModelTemplates } from '../coverage-model.js';
import { BUILTIN_SIMULATORS } from '../simulators/registry.js';
import { writeChallengeReport } from './protocol-report.js';
import { challengeConfig } from './problem.js';
import type { NfEnsembleArmOptions } from './nf-ensemble.js';
import { CHALLENGE_ARMS, trainChallengeBundle, type ChallengeArmOptions } from './train-arms.js';

/** The intervals the protocol reports. */
export const CHALLENGE_INTERVALS: readonly IntervalMethod[] = ['profile', 'neyman'];

/** The POI bounds of the challenge problem (its config's `mu` bounds). */
export const CHALLENGE_POI_BOUNDS: readonly [number, number] = (() => {
  const mu = challengeConfig('bce', 0, { steps: 1 }).measurement!.parameters!.find((p) => p.name === 'mu')!;
  return [mu.bounds![0], mu.bounds![1]] as [number, number];
})();

/** What defines a protocol run (its numbers depend on nothing else). */
export interface ChallengeProtocolSpec {
  readonly arms: readonly string[];
  /** Seeds 0 .. seeds - 1. */
  readonly seeds: number;
  /** Pseudo-experiments per arm and seed (>= 10). */
  readonly pseudoExperiments: number;
  readonly muRange: readonly [number, number];
  /** Training options of every arm (nf-ensemble also reads its flow settings). */
  readonly training: ChallengeArmOptions & NfEnsembleArmOptions;
  readonly beltPoints: number;
  readonly beltToys: number;
  /** Pseudo-experiments per unit (default 25) and per belt unit (default 50). */
  readonly blockSize?: number;
  readonly beltBlockSize?: number;
}

/** Options of a protocol run. */
export interface ChallengeProtocolOptions extends ChallengeProtocolSpec {
  readonly out: string;
  readonly workers: number;
  readonly resume?: boolean;
  readonly progress?: boolean;
  /** Log lines (default: stderr). */
  readonly log?: (line: string) => void;
}

/** The `--quick` settings: every arm in minutes on 2 cores. */
export const CHALLENGE_QUICK: Pick<ChallengeProtocolSpec, 'pseudoExperiments' | 'beltPoints' | 'beltToys' | 'training'> = {
  pseudoExperiments: 150,
  beltPoints: 11,
  beltToys: 50,
  training: { steps: 80, trainEvents: 4000, validationEvents: 2000, testEvents: 2500, flowLayers: 2, flowHidden: 16 },
};

/**
 * The default settings (the bench's): the pool (test events per process) and the belt sized so
 * that 7 arms x 3 seeds x 1000 pseudo-experiments fit in about 40 minutes on 2 cores (the
 * pseudo-experiment cost grows with the pool: the summary sees every pool event).
 */
export const CHALLENGE_DEFAULTS: Pick<ChallengeProtocolSpec, 'pseudoExperiments' | 'beltPoints' | 'beltToys' | 'training' | 'muRange'> = {
  pseudoExperiments: 1000,
  beltPoints: 11,
  beltToys: 200,
  muRange: [0.1, 3],
  // nf-ensemble's flows at 2 coupling layers x 16 hidden: a pseudo-experiment passes the pool
  // through 5 flows (4 layers x 32 hidden cost ~0.4 s per pseudo-experiment at 2500 events per process)
  training: { steps: 300, trainEvents: 20_000, validationEvents: 10_000, testEvents: 2000, flowLayers: 2, flowHidden: 16 },
};

/**
 * Checks a protocol's options before anything trains.
 *
 * @throws InputError naming "arms", "seeds", "pseudo-experiments", "true POI range",
 *   "belt points", "belt toys" or "steps".
 * @example
 * ```ts
 * checkChallengeProtocol({ arms: ['bce'], seeds: 1, pseudoExperiments: 100, muRange: [0.1, 3], training: { steps: 50 }, beltPoints: 6, beltToys: 50 });
 * ```
 */
export function checkChallengeProtocol(o: ChallengeProtocolSpec): void {
  if (o.arms.length === 0) throw new InputError('argument', 'arms', 'is empty');
  for (const a of o.arms) if (!(CHALLENGE_ARMS as readonly string[]).includes(a)) throw new InputError('argument', 'arms', `unknown arm "${a}" (expected ${CHALLENGE_ARMS.join(', ')})`);
  if (new Set(o.arms).size !== o.arms.length) throw new InputError('argument', 'arms', `lists an arm twice: ${o.arms.join(',')}`);
  if (!Number.isSafeInteger(o.seeds) || o.seeds < 1) throw new InputError('argument', 'seeds', `must be a positive integer, got ${o.seeds}`);
  if (!Number.isSafeInteger(o.pseudoExperiments) || o.pseudoExperiments < 10) throw new InputError('argument', 'pseudo-experiments', `must be an integer >= 10 (a coverage needs a sample), got ${o.pseudoExperiments}`);
  const [a, b] = o.muRange;
  const [lo, hi] = CHALLENGE_POI_BOUNDS;
  if (!(Number.isFinite(a) && Number.isFinite(b) && b > a)) throw new InputError('argument', 'true POI range', `needs finite LO < HI, got [${a}, ${b}]`);
  if (a < lo || b > hi) throw new InputError('argument', 'true POI range', `[${a}, ${b}] is outside the bounds of "mu" [${lo}, ${hi}]`);
  if (!Number.isSafeInteger(o.training.steps) || o.training.steps < 1) throw new InputError('argument', 'steps', `must be a positive integer, got ${o.training.steps}`);
  const batch = o.training.batch;
  if (batch !== undefined && !(Number.isSafeInteger(batch) && batch >= 8)) throw new InputError('argument', 'batch', `must be an integer >= 8, got ${batch}`);
  const lambda = o.training.lambda;
  if (lambda !== undefined && !(Number.isFinite(lambda) && lambda >= 0)) throw new InputError('argument', 'pivot lambda', `must be finite and >= 0, got ${lambda}`);
  for (const k of ['trainEvents', 'validationEvents', 'testEvents'] as const) {
    const v = o.training[k];
    if (v !== undefined && !(Number.isSafeInteger(v) && v >= 100)) throw new InputError('argument', k === 'trainEvents' ? 'train events' : k === 'testEvents' ? 'test events' : 'validation events', `must be an integer >= 100, got ${v}`);
  }
  for (const m of CHALLENGE_INTERVALS) checkModelCoverageSpec({ ...coverageSpec(o, 0), method: m });
}

function coverageSpec(o: ChallengeProtocolSpec, seed: number): Omit<ModelCoverageSpec, 'method'> & { method: IntervalMethod } {
  return { pseudoExperiments: o.pseudoExperiments, seed, muRange: [o.muRange[0], o.muRange[1]], method: 'profile', level: 1, beltPoints: o.beltPoints, beltToys: o.beltToys, beltRange: CHALLENGE_POI_BOUNDS, blockSize: o.blockSize, beltBlockSize: o.beltBlockSize };
}

/**
 * The templates of a challenge bundle as `diffinfer export` computes them (its config's test
 * split) and the pool its pseudo-experiments bootstrap (the same split's events).
 *
 * @example
 * ```ts
 * const t = await challengeTemplates('runs/challenge/bce/seed-0'); // t.challenge: { events: 20000, seed: 'challenge-test' }
 * ```
 */
export async function challengeTemplates(dir: string): Promise<ModelTemplates> {
  const opened = await openBundle(dir, { splits: ['test'], simulators: BUILTIN_SIMULATORS });
  try {
    const { analysis } = opened.compiled;
    const test = (opened.compiled.config as { simulation?: { test: { events: number; seed: string | number } } }).simulation?.test;
    if (!test) throw new InputError('argument', `bundle ${dir}`, 'is no challenge analysis (its events are not simulated)');
    const counts = hardTemplates(parameterizedPassOne(opened.summary), analysis, opened.compiled.datasets.test!);
    return { bundle: dir, challenge: { events: test.events, seed: String(test.seed) }, analysis, counts };
  } finally {
    opened.summary.dispose();
  }
}

/** One arm and seed of a protocol run. */
export interface ChallengeSeedResult {
  readonly arm: string;
  readonly seed: number;
  readonly bundle: string;
  readonly training: { readonly status: 'trained' | 'reused' | 'failed'; readonly seconds: number; readonly error?: string };
  /** Per interval: the summary and the coverage run's folder; absent when training failed. */
  readonly intervals?: Partial<Record<IntervalMethod, { readonly summary: CoverageSummary; readonly out: string; readonly seconds: number; readonly pseudoExperimentSeconds: number }>>;
}

/** One arm over its seeds. */
export interface ChallengeArmResult {
  readonly arm: string;
  readonly color: string;
  readonly seeds: readonly ChallengeSeedResult[];
  /** Per interval: every seed's records together (K N pseudo-experiments). */
  readonly pooled: Partial<Record<IntervalMethod, CoverageSummary & { readonly seeds: number }>>;
}

interface CoverageResultsFile {
  readonly summary: CoverageSummary;
  readonly records: CoverageRecord[];
  readonly failures: CoverageFailure[];
  readonly belt?: { readonly mu: number[] };
  readonly timing: { readonly seconds: number; readonly unit_seconds: number };
}

/**
 * Refuses an output folder holding a protocol run, unless resumed with the same options.
 *
 * @throws InputError naming "output folder" or "resume".
 * @example
 * ```ts
 * checkOutputFolder({ ...options, out: 'runs/challenge', resume: true }); // same options: fine
 * ```
 */
export function checkOutputFolder(o: ChallengeProtocolOptions): void {
  const manifest = join(resolve(o.out), 'protocol.json');
  if (!existsSync(manifest)) return;
  const before = JSON.stringify((JSON.parse(readFileSync(manifest, 'utf8')) as { options: unknown }).options);
  if (!o.resume) throw new InputError('argument', 'output folder', `${o.out} holds a challenge run already: resume it or choose another folder`);
  if (before !== JSON.stringify(protocolRecord(o))) throw new InputError('argument', 'resume', `${o.out} was run with other options (${before}); resume with the same options or choose another folder`);
}

/**
 * The Neyman job of an arm and seed with its estimate units taken from the profile run of the
 * same pseudo-experiments (same seed, stream "coverage", indices): the profile interval's
 * free-fit mu^ is the Neyman construction's estimator, so only the belt is simulated. A
 * pseudo-experiment whose profile interval failed has no estimate (its failure is carried over).
 */
function neymanFromProfile(job: UnitJob<CoverageUnit, unknown>, profile: CoverageResultsFile): UnitJob<CoverageUnit, unknown> {
  const byIndex = new Map(profile.records.map((r) => [r.index, r]));
  const failed = new Map(profile.failures.map((f) => [f.index, f]));
  const inputs = (job.config.inputs ?? {}) as Record<string, unknown>;
  return {
    ...job,
    config: { ...job.config, inputs: { ...inputs, estimates: 'mu^ of the profile run of the same pseudo-experiments (../coverage-profile)' } },
    weight: (u) => (u.kind === 'estimates' ? 0 : u.count),
    run: (u, executor) => {
      if (u.kind !== 'estimates') return job.run(u, executor);
      const estimates: NeymanEstimateBlockResult['estimates'][number][] = [];
      const failures: CoverageFailure[] = [];
      for (let index = u.start; index < u.start + u.count; index++) {
        const r = byIndex.get(index);
        const f = failed.get(index);
        if (r) estimates.push({ index, mu: r.mu, estimate: r.estimate });
        else if (f) {
          estimates.push({ index, mu: f.mu, estimate: null });
          failures.push(f);
        } else throw new Error(`neymanFromProfile: pseudo-experiment ${index} is missing from the profile run`);
      }
      return Promise.resolve({ start: u.start, count: u.count, estimates, failures } satisfies NeymanEstimateBlockResult);
    },
  };
}

function protocolRecord(o: ChallengeProtocolSpec): Record<string, unknown> {
  return JSON.parse(JSON.stringify({ arms: o.arms, seeds: o.seeds, pseudo_experiments: o.pseudoExperiments, mu_range: o.muRange, training: o.training, belt_points: o.beltPoints, belt_toys: o.beltToys, block_size: o.blockSize ?? 25, belt_block_size: o.beltBlockSize ?? 50 })) as Record<string, unknown>;
}

/**
 * Runs the protocol (module comment) and writes `DIR/results.json`, `DIR/report.md`, `DIR/plots/`.
 *
 * @throws InputError for bad options, or an output folder of another run (without `resume`,
 *   or with other options).
 * @example
 * ```ts
 * const r = await runChallengeProtocol({ arms: ['bce', 'inferno'], seeds: 1, pseudoExperiments: 100, muRange: [0.1, 3],
 *   training: { steps: 60 }, beltPoints: 6, beltToys: 50, out: 'runs/challenge', workers: 2 });
 * r.arms[0].pooled.profile?.coverage;
 * ```
 */
export async function runChallengeProtocol(o: ChallengeProtocolOptions) {
  const started = performance.now();
  checkChallengeProtocol(o);
  checkWorkerCount(o.workers);
  const log = o.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const out = resolve(o.out);
  const manifest = join(out, 'protocol.json');
  const record = protocolRecord(o);
  checkOutputFolder(o);
  mkdirSync(out, { recursive: true });
  writeFileAtomic(manifest, `${JSON.stringify({ format: 'diffinfer-challenge-protocol/1', options: record }, null, 1)}\n`);

  // 1. training
  const trained: { arm: string; seed: number; dir: string; training: ChallengeSeedResult['training'] }[] = [];
  const bar = progressBar(o.progress, 'training arms', o.arms.length * o.seeds);
  try {
    let done = 0;
    for (const arm of o.arms) {
      for (let seed = 0; seed < o.seeds; seed++) {
        const dir = join(out, arm, `seed-${seed}`);
        const t0 = performance.now();
        if (o.resume && existsSync(join(dir, 'bundle.json'))) {
          trained.push({ arm, seed, dir, training: { status: 'reused', seconds: 0 } });
        } else {
          rmSync(dir, { recursive: true, force: true });
          try {
            await trainChallengeBundle(arm, seed, o.training, dir);
            trained.push({ arm, seed, dir, training: { status: 'trained', seconds: (performance.now() - t0) / 1000 } });
          } catch (e) {
            if (e instanceof InputError) throw e;
            const error = e instanceof Error ? e.message : String(e);
            log(`diffinfer: training ${arm} seed ${seed} failed: ${error}`);
            trained.push({ arm, seed, dir, training: { status: 'failed', seconds: (performance.now() - t0) / 1000, error } });
          }
        }
        bar.update(++done);
      }
    }
  } finally {
    bar.stop();
  }

  // 2-3. pseudo-experiments and intervals, one shared executor
  const seedResults: ChallengeSeedResult[] = [];
  const records = new Map<string, CoverageRecord[]>();
  const failures = new Map<string, number>();
  const ready = trained.filter((t) => t.training.status !== 'failed');
  let executor: Executor | undefined;
  try {
    if (ready.length > 0) executor = openExecutor(o.workers);
    for (const t of trained) {
      if (t.training.status === 'failed') {
        seedResults.push({ arm: t.arm, seed: t.seed, bundle: t.dir, training: t.training });
        continue;
      }
      const templates = await challengeTemplates(t.dir);
      const intervals: NonNullable<ChallengeSeedResult['intervals']> = {};
      try {
        for (const method of CHALLENGE_INTERVALS) {
          const cov = join(t.dir, `coverage-${method}`);
          log(`diffinfer: ${t.arm} seed ${t.seed}: ${method} intervals over ${o.pseudoExperiments} pseudo-experiments${method === 'neyman' ? ` (belt ${o.beltPoints} x ${o.beltToys})` : ''}`);
          const job = modelCoverageJob(templates, { ...coverageSpec(o, t.seed), method });
          const profile = method === 'neyman' ? (JSON.parse(readFileSync(join(t.dir, 'coverage-profile', 'results.json'), 'utf8')) as CoverageResultsFile) : undefined;
          const r = await runJob(profile ? neymanFromProfile(job, profile) : job, { out: cov, workers: o.workers, resume: o.resume, progress: o.progress, executor, started: performance.now() }, finalizeCoverage);
          if (r.kind !== 'results') throw new Error('runChallengeProtocol: a coverage run returned a shard');
          const file = JSON.parse(readFileSync(join(cov, 'results.json'), 'utf8')) as CoverageResultsFile;
          // the Neyman run simulates only its belt (its estimates are the profile run's mu^)
          const pes = method === 'neyman' ? o.beltPoints * o.beltToys : o.pseudoExperiments;
          intervals[method] = { summary: file.summary, out: cov, seconds: file.timing.seconds, pseudoExperimentSeconds: file.timing.unit_seconds / pes };
          const key = `${t.arm}\u0000${method}`;
          records.set(key, [...(records.get(key) ?? []), ...file.records]);
          failures.set(key, (failures.get(key) ?? 0) + file.failures.length);
        }
      } finally {
        releaseBundleSummary(resolve(t.dir));
      }
      seedResults.push({ arm: t.arm, seed: t.seed, bundle: t.dir, training: t.training, intervals });
    }
  } finally {
    await executor?.close();
  }

  // 4. summary
  const arms: ChallengeArmResult[] = o.arms.map((arm) => {
    const pooled: ChallengeArmResult['pooled'] = {};
    const seeds = seedResults.filter((s) => s.arm === arm);
    for (const method of CHALLENGE_INTERVALS) {
      const rs = records.get(`${arm}\u0000${method}`);
      if (rs && rs.length > 0) pooled[method] = { ...summariseCoverage(rs, failures.get(`${arm}\u0000${method}`) ?? 0, o.muRange), seeds: seeds.filter((s) => s.intervals?.[method]).length };
    }
    return { arm, color: methodOf(arm as MethodName).color, seeds, pooled };
  });
  const results = {
    format: 'diffinfer-challenge/1',
    options: record,
    pooling: `pooled over seeds: the records of every seed together (${o.pseudoExperiments} pseudo-experiments per seed), coverage, width and score of that sample`,
    arms,
    seconds: (performance.now() - started) / 1000,
  };
  writeChallengeReport(out, results, (arm, method) => records.get(`${arm}\u0000${method}`) ?? []);
  writeFileAtomic(join(out, 'results.json'), `${JSON.stringify(results, null, 1)}\n`);
  const failed = arms.flatMap((a) => a.seeds.filter((s) => s.training.status === 'failed').map((s) => `${a.arm}/seed-${s.seed}`));
  const json = {
    out: o.out,
    results: join(o.out, 'results.json'),
    report: join(o.out, 'report.md'),
    pseudo_experiments_per_seed: o.pseudoExperiments,
    seeds: o.seeds,
    arms: Object.fromEntries(
      arms.map((a) => [
        a.arm,
        Object.fromEntries(
          CHALLENGE_INTERVALS.filter((m) => a.pooled[m]).map((m) => {
            const s = a.pooled[m]!;
            return [m, { n: s.n, coverage: s.coverage, coverage_error: s.coverageError, mean_width: s.meanWidth, score: s.score, in_band: s.inBand, failed: s.failures }];
          }),
        ),
      ]),
    ),
    failed_training: failed,
    seconds: results.seconds,
  };
  return { json, arms, code: failed.length > 0 ? 1 : 0, message: failed.length > 0 ? `training failed for ${failed.join(', ')} (see results.json); the other arms are reported` : undefined };
}

/** Parsed options of `diffinfer challenge`. */
export interface ChallengeCommandOptions {
  readonly arms?: string;
  readonly seeds?: number;
  readonly pseudoExperiments?: number;
  readonly out: string;
  readonly quick?: boolean;
  readonly workers?: number;
  readonly resume?: boolean;
  readonly progress?: boolean;
  readonly muRange?: readonly [number, number];
  readonly steps?: number;
  readonly trainEvents?: number;
  readonly testEvents?: number;
  readonly beltPoints?: number;
  readonly beltToys?: number;
  readonly pivotLambda?: number;
  readonly batch?: number;
  readonly backend?: string;
}

/** The library places of the protocol and their CLI flags. */
export const CHALLENGE_FLAGS: Readonly<Record<string, string>> = {
  arms: '--arms',
  seeds: '--seeds',
  'pseudo-experiments': '--pseudo-experiments',
  'true POI range': '--mu-range',
  steps: '--steps',
  'train events': '--train-events',
  'test events': '--test-events',
  'belt points': '--belt-points',
  'belt toys': '--belt-toys',
  'pivot lambda': '--pivot-lambda',
  batch: '--batch',
  'output folder': '--out',
  resume: '--resume',
  workers: '--workers',
};

/**
 * The protocol's options from the command line: `--quick` (or the defaults), overridden by the
 * flags given (`--train-events` sets the validation events too).
 *
 * @example
 * ```ts
 * challengeProtocolOptions({ out: 'runs/c', quick: true, arms: 'bce,inferno' }).pseudoExperiments; // 150
 * ```
 */
export function challengeProtocolOptions(c: ChallengeCommandOptions, workers: number): ChallengeProtocolOptions {
  const base = c.quick ? { ...CHALLENGE_DEFAULTS, ...CHALLENGE_QUICK } : CHALLENGE_DEFAULTS;
  const arms = c.arms === undefined ? [...CHALLENGE_ARMS] : c.arms.split(',').map((s) => s.trim()).filter(Boolean);
  return {
    arms,
    seeds: c.seeds ?? 1,
    pseudoExperiments: c.pseudoExperiments ?? base.pseudoExperiments,
    muRange: c.muRange ?? base.muRange,
    training: { ...base.training, ...(c.steps !== undefined ? { steps: c.steps } : {}), ...(c.trainEvents !== undefined ? { trainEvents: c.trainEvents, validationEvents: c.trainEvents } : {}), ...(c.testEvents !== undefined ? { testEvents: c.testEvents } : {}), ...(c.pivotLambda !== undefined ? { lambda: c.pivotLambda } : {}), ...(c.batch !== undefined ? { batch: c.batch } : {}) },
    beltPoints: c.beltPoints ?? base.beltPoints,
    beltToys: c.beltToys ?? base.beltToys,
    out: c.out,
    workers,
    resume: c.resume,
    progress: c.progress,
  };
}

/**
 * `diffinfer challenge`: checks the options (before tfjs loads), runs the protocol, returns the
 * JSON summary printed on stdout and the exit code (1 when an arm's training failed).
 *
 * @example
 * ```ts
 * const r = await challengeCommand({ out: 'runs/c', quick: true, arms: 'bce,inferno' });
 * r.json.arms.bce.profile.coverage;
 * ```
 */
export async function challengeCommand(c: ChallengeCommandOptions) {
  const { withFlagNames } = await import('../../src/commands/options.js');
  return withFlagNames(CHALLENGE_FLAGS, async () => {
    const { defaultWorkerCount } = await import('../../src/parallel/pool.js');
    const o = challengeProtocolOptions(c, c.workers ?? defaultWorkerCount());
    checkChallengeProtocol(o);
    checkOutputFolder(o);
    const { backend } = await import('../commands.js');
    await backend(c.backend);
    return runChallengeProtocol(o);
  });
}
