/**
 * A long job as units on an executor, whole or as a shard, and the reading of a sharded run
 * for `diffinfer merge`: the one sharding and merge mechanism of diffinfer.
 *
 * A job ({@link UnitJob}) is a command name, a configuration (JSON: everything its numbers
 * depend on and what its final step needs), its units in a fixed order, an optional context
 * (JSON the final step needs and the configuration should not carry, e.g. a workspace), and how
 * to run one unit on an {@link Executor}. {@link runJobUnits} runs the units this process owns
 * (all, or one shard's) into the unit store, `executor.size` at a time, with one progress bar
 * over them; the final step (`src/jobs/registry.ts`) then reads every record in unit order —
 * from `DIR/units` after an unsharded run, from `DIR/shards/*` after {@link readShardedRun} —
 * so an unsharded run and a merge of any number of shards write the same files.
 *
 * Node-only (files).
 */
import { mkdtempSync, readdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError, NumericalError } from '../stats/errors.js';
import { checkWorkerCount, openExecutor, type Executor } from './pool.js';
import { progressBar } from './progress.js';
import { formatShard, parseShardFolderName, shardFolderName, type ShardSpec } from './shards.js';
import { configDifferences, describeDifferences, runUnits, unitFolder, UnitStore, type RunUnitsSummary, type UnitRecord, type WorkUnit } from './units.js';

/** A long job as units (see the module comment). */
export interface UnitJob<U extends WorkUnit, T> {
  /** The command (the final step's name in the registry), e.g. "coverage". */
  readonly command: string;
  readonly config: Record<string, unknown>;
  readonly units: readonly U[];
  /** JSON the final step needs beyond the configuration (written to `context.json`). */
  readonly context?: unknown;
  /** Progress bar label and each unit's weight in it (default 1, e.g. its toys). */
  readonly progressLabel?: string;
  readonly weight?: (unit: U) => number;
  /** Runs one unit (on the executor, or in this thread). */
  readonly run: (unit: U, executor: Executor) => Promise<T>;
  /** Configuration keys that only add or remove units (see `UnitRun.growable`). */
  readonly growable?: readonly string[];
  /** Called for a unit kept from an earlier run (`--resume`), e.g. a log line. */
  readonly onSkip?: (unit: U, record: UnitRecord<T>) => void;
  /** Called after a unit's record is written (a log line; a throw stops the job). */
  readonly onDone?: (unit: U, record: UnitRecord<T>) => void;
}

/** How a job runs. */
export interface JobRunOptions {
  /** Output folder; undefined: units in a temporary folder, removed after the final step. */
  readonly out?: string;
  /** Run only this shard's units (needs `out`). */
  readonly shard?: ShardSpec;
  readonly workers: number;
  /** Keep the done units of an earlier run with the same configuration; run the missing and failed ones. */
  readonly resume?: boolean;
  readonly progress?: boolean;
  /** Run on this executor (not closed here) instead of opening one for `workers`. */
  readonly executor?: Executor;
  /** `performance.now()` when the job's set-up began (the wall time in the results counts from it). */
  readonly started?: number;
}

/** The run-dependent part of a job's results (left out when results are compared). */
export interface JobTiming {
  /** Wall time of the process that wrote the results (for a merge: the merge). */
  readonly seconds: number;
  /** Workers of the run; null for a merge (each shard had its own). */
  readonly workers: number | null;
  readonly shards: number;
  readonly units: number;
  /** Units kept from an earlier run (`--resume`). */
  readonly reused_units: number;
  /** Sum of the units' wall times. */
  readonly unit_seconds: number;
}

/** What the final step of a job receives: every unit's record, in unit order. */
export interface FinalizeInput<T = unknown> {
  readonly command: string;
  readonly config: Record<string, unknown>;
  readonly units: readonly string[];
  readonly records: readonly UnitRecord<T>[];
  readonly context: unknown;
  /** Where to write results.json, report.md, plots/; undefined: write nothing. */
  readonly out?: string;
  readonly timing: JobTiming;
}

/** What {@link runJobUnits} did. */
export interface JobUnitsResult<T> {
  readonly store: UnitStore<T>;
  readonly summary: RunUnitsSummary;
  /** The units this process owns (a shard's, or all). */
  readonly own: readonly string[];
  /** Their records after the run, in unit order. */
  readonly records: readonly UnitRecord<T>[];
  readonly seconds: number;
  /** The temporary folder when `out` was undefined (the caller removes it with {@link removeScratch}). */
  readonly scratch?: string;
}

/**
 * Runs the units of `job` this process owns: with `shard`, the shard's (round-robin, see
 * shards.ts) into `out/shards/shard-<i>-of-<N>/`; otherwise all of them into `out/units/`.
 *
 * @throws InputError for a bad worker count, a shard without `out`, a resumed folder of
 *   another configuration, or an InputError of a unit (bad input for the whole job).
 * @example
 * ```ts
 * const r = await runJobUnits(job, { out: 'runs/cov', shard: { index: 2, count: 8 }, workers: 2 });
 * r.summary.failed; // units recorded as failed (their errors in their records)
 * ```
 */
export async function runJobUnits<U extends WorkUnit, T>(job: UnitJob<U, T>, o: JobRunOptions): Promise<JobUnitsResult<T>> {
  const t0 = performance.now();
  checkWorkerCount(o.workers);
  if (o.shard && o.out === undefined) throw new InputError('argument', 'shard', 'needs an output folder: shards write under DIR/shards/ for the merge');
  const scratch = o.out === undefined ? mkdtempSync(join(tmpdir(), 'diffinfer-units-')) : undefined;
  const dir = unitFolder(o.out ?? scratch!, o.shard);
  const store = UnitStore.open<T>(dir, { command: job.command, config: job.config, units: job.units, shard: o.shard, growable: job.growable }, { resume: o.resume === true, context: job.context });
  const ownIds = new Set(store.ownUnits());
  const own = job.units.filter((u) => ownIds.has(u.id));
  const weight = job.weight ?? (() => 1);
  const total = own.reduce((s, u) => s + weight(u), 0);
  const label = `${job.progressLabel ?? 'units'}${o.shard ? ` (shard ${formatShard(o.shard)})` : ''}`;
  const bar = progressBar(o.progress, label, total);
  let done = 0;
  // no more workers than units to run (a pool of idle threads would only load their modules)
  const pending = o.resume ? own.filter((u) => store.read(u.id)?.status !== 'done').length : own.length;
  const executor = o.executor ?? openExecutor(Math.max(1, Math.min(o.workers, pending)));
  try {
    const summary = await runUnits<U, T>(store, own, (u) => job.run(u, executor), {
      resume: o.resume,
      concurrency: executor.size,
      onSkip: (u, r) => {
        job.onSkip?.(u, r);
        bar.update((done += weight(u)));
      },
      afterUnit: (u, r) => {
        bar.update((done += weight(u)));
        job.onDone?.(u, r);
      },
    });
    bar.stop();
    const records = own.map((u) => store.read(u.id)!);
    return { store, summary, own: own.map((u) => u.id), records, seconds: (performance.now() - t0) / 1000, scratch };
  } catch (e) {
    if (scratch) removeScratch(scratch);
    throw e;
  } finally {
    bar.stop();
    if (!o.executor) await executor.close();
  }
}

/** Removes the temporary unit folder of a run without an output folder. */
export function removeScratch(scratch: string | undefined): void {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}

/** The sum of the records' wall times. */
export function unitSeconds(records: readonly UnitRecord<unknown>[]): number {
  return records.reduce((s, r) => s + r.seconds, 0);
}

/**
 * The outputs of `records`, in order, when every unit is done.
 *
 * @throws NumericalError listing the failed units (their errors) otherwise: the final step
 *   needs every unit; `--resume` runs the failed ones again.
 */
export function requireDone<T>(records: readonly UnitRecord<T>[], what = 'the results'): T[] {
  const failed = records.filter((r) => r.status === 'failed') as Extract<UnitRecord<T>, { status: 'failed' }>[];
  if (failed.length) {
    const shown = failed.slice(0, 3).map((r) => `${r.id}: ${r.error.name}: ${r.error.message.split('\n')[0]}`);
    throw new NumericalError(`${failed.length} of ${records.length} units failed, so ${what} cannot be assembled (${shown.join('; ')}${failed.length > 3 ? '; ...' : ''}); fix the cause and run again with --resume`);
  }
  return records.map((r) => (r as Extract<UnitRecord<T>, { status: 'done' }>).output);
}

/** A sharded run as read for the merge. */
export interface ShardedRun {
  readonly dir: string;
  readonly count: number;
  readonly command: string;
  readonly config: Record<string, unknown>;
  readonly units: readonly string[];
  /** Every unit's record, in unit order. */
  readonly records: readonly UnitRecord<unknown>[];
  readonly context: unknown;
  readonly stores: readonly UnitStore<unknown>[];
}

/** The shard folders under `DIR/shards/` (by name), with their specs. */
export function shardFolders(dir: string): { name: string; shard: ShardSpec }[] {
  const root = join(dir, 'shards');
  if (!existsSync(root)) throw new InputError('argument', join(dir, 'shards'), 'no such folder: nothing to merge (run the command with --shard i/N --out DIR first)');
  const out = readdirSync(root)
    .map((name) => ({ name, shard: parseShardFolderName(name) }))
    .filter((x): x is { name: string; shard: ShardSpec } => x.shard !== undefined)
    .sort((a, b) => a.shard.count - b.shard.count || a.shard.index - b.shard.index);
  if (out.length === 0) throw new InputError('argument', root, 'holds no shard folders (shard-<i>-of-<N>)');
  return out;
}

function listIndices(xs: readonly number[]): string {
  return xs.length > 12 ? `${xs.slice(0, 12).join(', ')}, ... (${xs.length} in all)` : xs.join(', ');
}

/**
 * Reads every shard of the run in `dir` for the merge and checks that they make one run.
 *
 * @throws InputError (bad input, one line) when shards of different counts or configurations
 *   are mixed (naming the first difference), shards are missing (listing them), or a shard has
 *   units without a record (it did not finish: run it again with --resume).
 * @example
 * ```ts
 * const run = readShardedRun('runs/cov'); // 8 shards of coverage
 * run.records.length === run.units.length; // true
 * ```
 */
export function readShardedRun(dir: string): ShardedRun {
  const folders = shardFolders(dir);
  const counts = [...new Set(folders.map((f) => f.shard.count))];
  if (counts.length > 1) {
    throw new InputError('argument', join(dir, 'shards'), `holds shards of runs split ${counts.join(' and ')} ways (${folders.map((f) => f.name).slice(0, 4).join(', ')}, ...): remove the folders of the old split`);
  }
  const count = counts[0];
  const present = new Set(folders.map((f) => f.shard.index));
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !present.has(i));
  if (missing.length) throw new InputError('argument', join(dir, 'shards'), `missing ${missing.length} of ${count} shards: ${listIndices(missing)} (run them with --shard i/${count})`);
  const stores = folders.map((f) => UnitStore.openExisting<unknown>(join(dir, 'shards', f.name)));
  const first = stores[0].manifest;
  for (const [k, s] of stores.entries()) {
    const m = s.manifest;
    const where = join(dir, 'shards', folders[k].name);
    if (m.command !== first.command) throw new InputError('argument', where, `is a shard of "${m.command}", shard 0 of "${first.command}": shards of different configurations cannot be merged`);
    if (configDifferences(first.config, m.config).length) {
      throw new InputError('argument', where, `has another configuration than ${shardFolderName(folders[0].shard)} (${describeDifferences(first.config, m.config, ['in shard 0', 'here'])}): shards of different configurations cannot be merged`);
    }
    if (m.units.join('\n') !== first.units.join('\n')) throw new InputError('argument', where, `has another unit list than ${shardFolderName(folders[0].shard)}: shards of different configurations cannot be merged`);
    if (!m.shard || m.shard.index !== folders[k].shard.index || m.shard.count !== count) throw new InputError('argument', where, `its manifest is of shard ${m.shard ? formatShard(m.shard) : 'none'}, not ${formatShard(folders[k].shard)}`);
  }
  const byId = new Map<string, UnitRecord<unknown>>();
  const incomplete: string[] = [];
  for (const [k, s] of stores.entries()) {
    const own = s.ownUnits();
    const lacking = own.filter((id) => {
      const r = s.read(id);
      if (r) byId.set(id, r);
      return !r;
    });
    if (lacking.length) incomplete.push(`shard ${formatShard(folders[k].shard)}: ${lacking.length} of ${own.length} units (${lacking.slice(0, 3).join(', ')}${lacking.length > 3 ? ', ...' : ''})`);
  }
  if (incomplete.length) {
    throw new InputError('argument', join(dir, 'shards'), `units without a result in ${incomplete.length} shards: ${incomplete.slice(0, 3).join('; ')}${incomplete.length > 3 ? '; ...' : ''} — run those shards again with --resume`);
  }
  const context = stores.map((s) => s.readContext()).find((c) => c !== undefined);
  return { dir, count, command: first.command, config: first.config, units: first.units, records: first.units.map((id) => byId.get(id)!), context, stores };
}

/**
 * One line for reports: `12.3 s, 2 workers` for a run, `merged from 8 shards (45.1 s in units)`
 * for a merge (this line is the only run-dependent line of a report).
 */
export function describeTiming(t: JobTiming): string {
  const reused = t.reused_units ? `, ${t.reused_units} of ${t.units} units reused` : '';
  if (t.workers === null) return `merged from ${t.shards} shards (${t.unit_seconds.toFixed(1)} s in units)${reused}`;
  return `${t.seconds.toFixed(1)} s, ${t.workers} worker${t.workers === 1 ? '' : 's'}${reused}`;
}
