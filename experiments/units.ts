/**
 * The units of work of the training commands: one training run of `diffinfer ablate` and
 * `diffinfer inferno` (benchmark x method x seed, {@link trainingUnits}) and of `ablate --config`
 * (method x seed, {@link analysisUnits}), enumerated in a fixed order with ids made of the unit's
 * identity (never its position or shard), so that any number of workers, shards or resumed runs
 * gives the same units, and a seed list can grow (`--seeds 0-19 --resume` after `--seeds 10`).
 *
 * Where their outcomes live on disk, how they are run, resumed, sharded and merged is the one
 * unit store of diffinfer, `src/parallel/units.ts` (re-exported here for the experiment
 * commands): `DIR/units/<id>.json`, or `DIR/shards/shard-<i>-of-<N>/<id>.json` for a shard.
 */
export { collectUnits, runUnits, UnitStore, type RunUnitsOptions, type RunUnitsSummary, type UnitError, type UnitManifest, type UnitRecord, type UnitRun, type WorkUnit } from '../src/parallel/units.js';
import type { WorkUnit } from '../src/parallel/units.js';

/** The seeds of a command: a count K (seeds 0 .. K-1) or an explicit list (from `--seeds 100-199`). */
export type SeedList = number | readonly number[];

/** The seeds of a {@link SeedList}, in order. */
export function seedValues(seeds: SeedList): number[] {
  return typeof seeds === 'number' ? Array.from({ length: seeds }, (_, i) => i) : [...seeds];
}

/** One training run: a method on a benchmark with one seed. */
export interface TrainingUnit extends WorkUnit {
  readonly benchmark: number;
  readonly method: string;
  readonly seed: number;
}

/**
 * The training runs of `benchmarks x methods x seeds`, in the order benchmark, method (as
 * given), seed (as given); ids `b<benchmark>-<method>-s<seed>`.
 *
 * @example
 * ```ts
 * trainingUnits([0, 2], ['bce', 'inferno'], 2).map((u) => u.id);
 * // ['b0-bce-s0', 'b0-bce-s1', 'b0-inferno-s0', 'b0-inferno-s1', 'b2-bce-s0', ...]
 * trainingUnits([2], ['bce'], [100, 101]).map((u) => u.id); // ['b2-bce-s100', 'b2-bce-s101']
 * ```
 */
export function trainingUnits(benchmarks: readonly number[], methods: readonly string[], seeds: SeedList): TrainingUnit[] {
  const list = seedValues(seeds);
  const out: TrainingUnit[] = [];
  for (const benchmark of benchmarks) for (const method of methods) for (const seed of list) out.push({ id: `b${benchmark}-${method}-s${seed}`, benchmark, method, seed });
  return out;
}

/** One training run of an analysis config: a method with one seed. */
export interface AnalysisUnit extends WorkUnit {
  readonly method: string;
  readonly seed: number;
}

/**
 * The training runs of `methods x seeds` of one analysis config, in the order method (as given),
 * seed; ids `<method>-s<seed>`.
 *
 * @example
 * ```ts
 * analysisUnits(['bce', 'inferno'], 2).map((u) => u.id); // ['bce-s0', 'bce-s1', 'inferno-s0', 'inferno-s1']
 * ```
 */
export function analysisUnits(methods: readonly string[], seeds: SeedList): AnalysisUnit[] {
  const list = seedValues(seeds);
  const out: AnalysisUnit[] = [];
  for (const method of methods) for (const seed of list) out.push({ id: `${method}-s${seed}`, method, seed });
  return out;
}
