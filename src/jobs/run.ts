/**
 * Running a job as a command does: the whole job (units, then the final step writing
 * results.json, report.md, plots) or one shard (units only, and a summary of the shard), see
 * `src/parallel/job.ts`. `diffinfer merge` runs the same final step on the shards
 * (`./merge.ts`).
 *
 * Node-only.
 */
import { formatShard } from '../parallel/shards.js';
import { removeScratch, runJobUnits, unitSeconds, type FinalizeInput, type JobRunOptions, type UnitJob } from '../parallel/job.js';
import type { WorkUnit } from '../parallel/units.js';

/**
 * What a job's final step returns: the JSON the command prints, its exit code (1 when some
 * results are missing, e.g. failed patches of a grid) and a line for stderr then.
 */
export interface FinalResult<R = unknown> {
  readonly json: R;
  readonly code: number;
  readonly message?: string;
}

/** The final step of a job: writes its files (when `out` is set) and returns what the command prints. */
export type Finalizer<R = unknown> = (input: FinalizeInput<never>) => FinalResult<R> | Promise<FinalResult<R>>;

/** What a shard prints (JSON on stdout). */
export interface ShardSummary {
  readonly shard: string;
  readonly command: string;
  readonly out: string;
  readonly units: { readonly shard: number; readonly total: number; readonly ran: number; readonly reused: number; readonly failed: number };
  readonly failed_units: readonly { readonly id: string; readonly error: string }[];
  readonly seconds: number;
  readonly next: string;
}

/** The outcome of {@link runJob}: the command's results, or a shard's summary. */
export type JobOutcome<R = unknown> = ({ readonly kind: 'results' } & FinalResult<R>) | { readonly kind: 'shard'; readonly json: ShardSummary; readonly code: number; readonly message?: string };

/**
 * Runs `job`: with `o.shard`, that shard's units (a summary; code 1 when units failed, which
 * `--resume` reruns); otherwise every unit and then `finalize` on all records read back from
 * the store (so it is the merge's final step exactly).
 *
 * @example
 * ```ts
 * const r = await runJob(coverageJob(spec), { out: 'runs/cov', workers: 2 }, finalizeCoverage);
 * if (r.kind === 'results') console.log(r.json);
 * ```
 */
export async function runJob<U extends WorkUnit, T, R>(job: UnitJob<U, T>, o: JobRunOptions, finalize: Finalizer<R>): Promise<JobOutcome<R>> {
  const r = await runJobUnits(job, o);
  try {
    if (o.shard) {
      const failed = r.records.filter((x) => x.status === 'failed');
      return {
        kind: 'shard',
        code: failed.length ? 1 : 0,
        message: failed.length ? `${failed.length} of ${r.own.length} units of shard ${formatShard(o.shard)} failed (first: ${failed[0].id}); fix the cause and run the shard again with --resume` : undefined,
        json: {
          shard: formatShard(o.shard),
          command: job.command,
          out: o.out!,
          units: { shard: r.own.length, total: job.units.length, ran: r.summary.ran, reused: r.summary.skipped, failed: failed.length },
          failed_units: failed.map((x) => ({ id: x.id, error: x.status === 'failed' ? `${x.error.name}: ${x.error.message}` : '' })),
          seconds: r.seconds,
          next: failed.length ? `fix the cause, then run this shard again with --resume` : `diffinfer merge ${o.out} once every shard is done`,
        },
      };
    }
    const input: FinalizeInput<T> = {
      command: job.command,
      config: r.store.manifest.config,
      units: r.store.manifest.units,
      records: r.records,
      context: r.store.readContext(),
      out: o.out,
      // from the job's set-up (o.started) to the final step
      timing: { seconds: o.started === undefined ? r.seconds : (performance.now() - o.started) / 1000, workers: o.workers, shards: 1, units: job.units.length, reused_units: r.summary.skipped, unit_seconds: unitSeconds(r.records) },
    };
    return { kind: 'results', ...(await finalize(input as FinalizeInput<never>)) };
  } finally {
    removeScratch(r.scratch);
  }
}
