/**
 * Shards: the i-th of N slices of a job's unit list, so that N processes — Slurm array tasks,
 * Kubernetes Indexed Job pods, HTCondor `queue N` jobs, or shells — each run a part and
 * `diffinfer merge DIR` combines them.
 *
 * Assignment is **round-robin**: unit k (in the job's fixed order) belongs to shard `k mod N`.
 * Neighbouring units tend to cost alike (belt points, then coverage blocks; scan points of
 * increasing mu; a signal grid row by row), so round-robin gives every shard a similar mix
 * where contiguous slices would give one shard all the expensive ones. A unit's numbers depend
 * on its identity only (its seed stream, its patch, its scan point), never on the shard, so any
 * N gives the same results.
 *
 * Shard indices are 0-based (`0/4` .. `3/4`), as `$SLURM_ARRAY_TASK_ID` (with `--array=0-3`),
 * `$JOB_COMPLETION_INDEX` and HTCondor's `$(Process)` count.
 *
 * Browser-safe: no `node:` imports.
 */
import { InputError } from '../stats/errors.js';

/** Shard `index` of `count` (0 <= index < count). */
export interface ShardSpec {
  readonly index: number;
  readonly count: number;
}

/**
 * Parses `i/N` (0 <= i < N, integers).
 *
 * @throws InputError naming `where` otherwise.
 * @example
 * ```ts
 * parseShard('2/8'); // { index: 2, count: 8 }
 * parseShard('5/4'); // throws "shard: index 5 is not below the count 4 (shards are 0/4 .. 3/4)"
 * ```
 */
export function parseShard(text: string, where = 'shard'): ShardSpec {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new InputError('argument', where, `expected i/N with 0 <= i < N, e.g. 0/4, got "${text}"`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(count)) throw new InputError('argument', where, `expected i/N with 0 <= i < N, got "${text}"`);
  if (count < 1) throw new InputError('argument', where, `the shard count must be at least 1, got "${text}"`);
  if (index >= count) throw new InputError('argument', where, `index ${index} is not below the count ${count} (shards are 0/${count} .. ${count - 1}/${count})`);
  return { index, count };
}

/** `i/N`. */
export function formatShard(shard: ShardSpec): string {
  return `${shard.index}/${shard.count}`;
}

/**
 * The shard that unit number `position` (0-based, in the job's order) belongs to.
 *
 * @example
 * ```ts
 * shardOfPosition(9, 4); // 1
 * ```
 */
export function shardOfPosition(position: number, count: number): number {
  return position % count;
}

/**
 * The units of one shard, in the job's order (round-robin, see the module comment).
 *
 * @example
 * ```ts
 * shardUnits(['a', 'b', 'c', 'd', 'e'], { index: 1, count: 2 }); // ['b', 'd']
 * ```
 */
export function shardUnits<U>(units: readonly U[], shard: ShardSpec | undefined): U[] {
  if (!shard) return [...units];
  return units.filter((_, k) => shardOfPosition(k, shard.count) === shard.index);
}

/** The folder name of a shard's units under `DIR/shards/`, e.g. `shard-0002-of-0008`. */
export function shardFolderName(shard: ShardSpec): string {
  const w = Math.max(4, String(shard.count - 1).length);
  return `shard-${String(shard.index).padStart(w, '0')}-of-${String(shard.count).padStart(w, '0')}`;
}

/** The inverse of {@link shardFolderName}; undefined for any other name. */
export function parseShardFolderName(name: string): ShardSpec | undefined {
  const m = /^shard-(\d+)-of-(\d+)$/.exec(name);
  if (!m) return undefined;
  const index = Number(m[1]);
  const count = Number(m[2]);
  return count >= 1 && index < count ? { index, count } : undefined;
}
