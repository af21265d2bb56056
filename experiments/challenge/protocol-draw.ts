/**
 * Pseudo-experiments of the challenge protocol (`diffinfer challenge`), as the HEP-Challenge's
 * ingestion draws them: a fixed pool of events bootstrapped with Poisson weights, the
 * systematics applied to the events.
 *
 * **Pool.** The events of the test split of `challengeConfig` (seed `challenge-test`,
 * `testEvents` per process, `generateChallengeEvents` components): the same events the bundle's
 * templates are filled from, so the templates' Monte Carlo statistics is no source of
 * miscoverage.
 *
 * **Pseudo-experiment** `index` of `stream` at true `mu` (seed `s` of the run):
 * - nuisances `nu = drawChallengeNuisances("pe/<s>/<stream>/<index>")`, all six from the
 *   challenge's priors (clipped to their ranges);
 * - every pool event re-derived at the drawn `tes`, `jes`, `softMet` (`deriveChallengeFeatures`,
 *   post-selection at those values), weight
 *   `w_i = pass_i(nu) Y_p / n_pass,p(nominal) challengeNormalisation(p, nu, mu)` — the weight of
 *   `challengeConfigEvents` (the config's templates) times the normalisation factor;
 * - the passing events through the summary, each into one hard bin (`hardBins` of the
 *   analysis), the bins merged as the export merges them: expected counts
 *   `lambda_b = sum_{i in b} w_i`;
 * - counts `n_b ~ Poisson(lambda_b)` (uniforms `toyUniforms(s, "<stream>/counts", index)`).
 *   Since a sum of independent Poissons is Poisson with the summed mean, this is the same
 *   distribution as giving every event a Poisson(w_i) multiplicity and summing per bin (the
 *   challenge's bootstrap), drawn with one variate per bin instead of one per event.
 *
 * Node or worker thread (tfjs through the summary); the pool is cached per thread.
 */
import { hardBins, type Binning } from '../../src/models/analysis.js';
import { dataset } from '../../src/models/data.js';
import { summaryOutputs } from '../../src/models/fill.js';
import type { Summary } from '../../src/models/summary.js';
import { InputError } from '../../src/stats/errors.js';
import { poissonVariate, toyUniforms } from '../../src/stats/inference/toys.js';
import {
  CHALLENGE_FEATURE_DIM,
  CHALLENGE_PROCESSES,
  CHALLENGE_YIELDS,
  challengeNormalisation,
  deriveChallengeFeatures,
  drawChallengeNuisances,
  generateChallengeEvents,
  type ChallengeNuisances,
  type ChallengeProcess,
} from '../simulators/challenge.js';

/** Which events form the pool (structured-cloneable): the test split of `challengeConfig`. */
export interface ChallengePoolSpec {
  /** Generated events per process. */
  readonly events: number;
  /** The generation seed (`challenge-test` for the config's test split). */
  readonly seed: string;
}

/** One process of the pool: its nominal components and the weight scale of its events. */
export interface ChallengePoolProcess {
  readonly process: ChallengeProcess;
  readonly n: number;
  readonly components: Float32Array;
  /** Events passing the nominal post-selection (as `challengeConfigEvents` counts them). */
  readonly nominalPassed: number;
  /** `Y_p / nominalPassed`: expected events per passing pool event at unit normalisation. */
  readonly weight: number;
}

const pools = new Map<string, readonly ChallengePoolProcess[]>();

/**
 * The pool's events (cached per thread, the last two pools kept).
 *
 * @throws InputError naming the pool when no event of a process passes the nominal post-selection.
 * @example
 * ```ts
 * challengePool({ events: 50_000, seed: 'challenge-test' })[0].weight; // 1015 / n_pass(htautau)
 * ```
 */
export function challengePool(spec: ChallengePoolSpec): readonly ChallengePoolProcess[] {
  const key = `${spec.events}\u0000${spec.seed}`;
  let pool = pools.get(key);
  if (pool) return pool;
  pool = CHALLENGE_PROCESSES.map((process) => {
    const ev = generateChallengeEvents({ process, n: spec.events, seed: spec.seed });
    const pass = deriveChallengeFeatures(ev.components).pass;
    let nominalPassed = 0;
    for (let i = 0; i < ev.n; i++) nominalPassed += pass[i];
    if (nominalPassed === 0) throw new InputError('argument', 'challenge pool', `none of the ${ev.n} ${process} events passes the nominal post-selection: use more events`);
    return { process, n: ev.n, components: ev.components, nominalPassed, weight: CHALLENGE_YIELDS[process] / nominalPassed };
  });
  pools.set(key, pool);
  while (pools.size > 2) pools.delete(pools.keys().next().value!);
  return pool;
}

/** What drawing a challenge pseudo-experiment needs besides the summary. */
export interface ChallengeDrawSetup {
  readonly pool: ChallengePoolSpec;
  readonly binning: Binning;
  /** Template bins of the analysis's learned channel. */
  readonly bins: number;
  /** Per template bin: the model's main bin (the export's merges). */
  readonly binMap: readonly number[];
  readonly seed: number;
}

/**
 * The nuisances of pseudo-experiment `index` of `stream` (all six from their priors).
 *
 * @example
 * ```ts
 * challengePseudoNuisances(0, 'coverage', 3); // { tes: 1.006, jes: 0.997, softMet: 0.41, ... } (e.g.)
 * ```
 */
export function challengePseudoNuisances(seed: number, stream: string, index: number): ChallengeNuisances {
  return drawChallengeNuisances(`pe/${seed}/${stream}/${index}`);
}

/**
 * Expected main counts `lambda_b` of the pool at nuisances `nu` and signal strength `mu` (see
 * the module comment), in the model's `nBins` main bins.
 *
 * @example
 * ```ts
 * const lambda = challengeExpectedCounts(setup, summary, 8, { tes: 1, jes: 1, softMet: 1 }, 1); // the nominal templates
 * ```
 */
export function challengeExpectedCounts(s: ChallengeDrawSetup, summary: Summary, nBins: number, nu: Partial<ChallengeNuisances>, mu: number): Float64Array {
  const pool = challengePool(s.pool);
  const D = CHALLENGE_FEATURE_DIM;
  let total = 0;
  const derived = pool.map((p) => {
    const f = deriveChallengeFeatures(p.components, nu);
    let k = 0;
    for (let i = 0; i < p.n; i++) k += f.pass[i];
    total += k;
    return { p, f, k, w: p.weight * challengeNormalisation(p.process, nu, mu) };
  });
  const lambda = new Float64Array(nBins);
  if (total === 0) return lambda;
  // only the passing events go through the summary
  const x = new Float32Array(total * D);
  const w = new Float64Array(total);
  let j = 0;
  for (const { p, f, w: wp } of derived) {
    for (let i = 0; i < p.n; i++) {
      if (!f.pass[i]) continue;
      x.set(f.x.subarray(i * D, (i + 1) * D), j * D);
      w[j++] = wp;
    }
  }
  const bins = hardBins(s.binning, s.bins, summaryOutputs(summary, dataset(x, D, undefined, 'challenge pseudo-experiment')), total);
  for (let i = 0; i < total; i++) if (bins[i] >= 0) lambda[s.binMap[bins[i]]] += w[i];
  return lambda;
}

/**
 * Main data of pseudo-experiment `index` of `stream` at true `mu` (module comment): the
 * expected counts at its drawn nuisances, each bin Poisson. The same arguments give the same
 * counts on any thread.
 *
 * @example
 * ```ts
 * const main = challengeCounts(setup, summary, model.nMainBins, 'coverage', 12, 1.4);
 * ```
 */
export function challengeCounts(s: ChallengeDrawSetup, summary: Summary, nBins: number, stream: string, index: number, mu: number): Float64Array {
  const nu = challengePseudoNuisances(s.seed, stream, index);
  const lambda = challengeExpectedCounts(s, summary, nBins, nu, mu);
  const u = toyUniforms(s.seed, `${stream}/counts`, index);
  const main = new Float64Array(nBins);
  for (let b = 0; b < nBins; b++) main[b] = poissonVariate(lambda[b], u);
  return main;
}
