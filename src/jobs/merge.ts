/**
 * `diffinfer merge DIR`: the shards under `DIR/shards/` checked to make one run (same command,
 * configuration and unit list, none missing, every unit with a result) and combined by the
 * command's final step into the results.json, report.md and plots one unsharded run writes.
 *
 * Node-only.
 */
import { InputError } from '../stats/errors.js';
import { readShardedRun, unitSeconds } from '../parallel/job.js';
import { FINALIZERS } from './registry.js';
import type { FinalResult } from './run.js';

/**
 * Merges the shards of `dir` and writes the results there.
 *
 * @throws InputError for shards that do not make one run (see `readShardedRun`), or of a
 *   command that has no final step in the registry; NumericalError as the command's final step
 *   (e.g. failed units of a statistics job; the training commands list theirs and return code 1).
 * @example
 * ```ts
 * const r = await mergeShards('runs/cov'); // after `diffinfer coverage ... --shard i/8 --out runs/cov` for i = 0..7
 * r.json; // what the unsharded command prints
 * ```
 */
export async function mergeShards(dir: string): Promise<FinalResult> {
  const t0 = performance.now();
  const run = readShardedRun(dir);
  const finalize = FINALIZERS[run.command];
  if (!finalize) throw new InputError('argument', dir, `holds shards of "${run.command}", which merge does not know (known: ${Object.keys(FINALIZERS).join(', ')})`);
  const records = run.records;
  return finalize({
    command: run.command,
    config: run.config,
    units: run.units,
    records: records as never,
    context: run.context,
    out: dir,
    timing: { seconds: (performance.now() - t0) / 1000, workers: null, shards: run.count, units: run.units.length, reused_units: 0, unit_seconds: unitSeconds(records) },
  });
}
