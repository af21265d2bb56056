/**
 * Units of work of the long commands, and their results on disk: the one unit store of
 * diffinfer (coverage, toys, scans, signal grids, and — through `experiments/units.ts` — the
 * training runs of `ablate` and `inferno`).
 *
 * A long command is an explicit list of units with stable ids, enumerated in a fixed order.
 * Each unit's outcome is written, atomically, to its own file as soon as the unit ends, so a
 * crash or a kill loses at most the units in progress:
 *
 * ```
 * DIR/units/manifest.json          unsharded run: the command, its configuration, every unit id
 * DIR/units/<id>.json              one per finished unit: { status: 'done', output } or
 *                                  { status: 'failed', error: { name, message } }
 * DIR/units/context.json           what the final step needs beyond the configuration (optional)
 * DIR/units/running.json           the units in progress (pid, host), for `slurm status`
 * DIR/shards/shard-0002-of-0008/   the same for shard 2 of 8 (`--shard 2/8`, see shards.ts)
 * ```
 *
 * {@link UnitStore.open} starts a fresh folder (earlier unit files removed) or, when resuming,
 * checks that the folder was made with the same command and configuration (an `InputError`
 * naming the first difference otherwise). {@link runUnits} runs the units that have no `done`
 * record (missing or failed ones when resuming), `concurrency` at a time (an executor's size),
 * and records a unit's failure instead of stopping; {@link collectUnits} reads the records back
 * in unit order, so what is assembled from them is the same whether the units ran in one go,
 * over resumed runs, on several workers or in shards.
 *
 * Numbers are written so that they read back identically (NaN, +-Infinity and -0 included,
 * which plain JSON would turn into null or 0); typed arrays are written as arrays.
 *
 * Node-only (files).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../stats/errors.js';
import { writeFileAtomic } from '../stats/io.js';
import { formatShard, shardFolderName, shardUnits, type ShardSpec } from './shards.js';

/** A unit of work: anything with an id that is unique in its list and stable across runs. */
export interface WorkUnit {
  readonly id: string;
}

/** A command's run: what {@link UnitStore.open} records and compares. */
export interface UnitRun {
  readonly command: string;
  /** Everything the units' numbers depend on, and what the final step needs (JSON). */
  readonly config: Record<string, unknown>;
  /** Every unit of the command, in its fixed order (a shard runs its part of them). */
  readonly units: readonly WorkUnit[];
  /** The shard this store holds; undefined: the whole run. */
  readonly shard?: ShardSpec;
  /**
   * Configuration keys that may differ when resuming, because they only add or remove units
   * whose ids carry them (e.g. `seeds`: `--seeds 0-19 --resume` keeps the done units of an
   * earlier `--seeds 10` and runs seeds 10 .. 19).
   */
  readonly growable?: readonly string[];
}

/** What made a folder of unit results: compared when resuming and merging. */
export interface UnitManifest {
  readonly format: 'diffinfer-units';
  readonly version: 1;
  readonly command: string;
  readonly config: Record<string, unknown>;
  /** Every unit id of the run, in order (also in a shard's folder). */
  readonly units: readonly string[];
  readonly shard?: ShardSpec;
}

/** A unit's error as recorded: the error's class name and its message. */
export interface UnitError {
  readonly name: string;
  readonly message: string;
}

/** The record of a finished unit. */
export type UnitRecord<T> = {
  readonly format: 'diffinfer-unit';
  readonly version: 1;
  readonly id: string;
  /** ISO 8601 time the unit ended. */
  readonly finished: string;
  /** Wall time of the unit. */
  readonly seconds: number;
} & ({ readonly status: 'done'; readonly output: T } | { readonly status: 'failed'; readonly error: UnitError });

/** The units a process is running (`running.json`). */
export interface RunningUnits {
  readonly pid: number;
  readonly host: string;
  /** ISO 8601 time of the last change. */
  readonly updated: string;
  readonly units: readonly string[];
}

// Non-finite numbers and -0 as tagged strings, so that a record reads back exactly.
const NON_FINITE: Record<string, number> = { '\u0000NaN': NaN, '\u0000Infinity': Infinity, '\u0000-Infinity': -Infinity, '\u0000-0': -0 };

/**
 * JSON that {@link decodeUnitJson} reads back exactly: NaN, +-Infinity and -0 as tagged
 * strings, typed arrays as arrays.
 *
 * @example
 * ```ts
 * decodeUnitJson(encodeUnitJson({ x: NaN, y: new Float64Array([-0]) })); // { x: NaN, y: [-0] }
 * ```
 */
export function encodeUnitJson(value: unknown): string {
  const tag = (v: unknown): unknown => {
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>);
    if (typeof v !== 'number') return v;
    return Object.is(v, -0) ? '\u0000-0' : Number.isFinite(v) ? v : `\u0000${v}`;
  };
  return `${JSON.stringify(value, (_k, v) => tag(v), 2)}\n`;
}

/** The inverse of {@link encodeUnitJson}. */
export function decodeUnitJson(text: string): unknown {
  return JSON.parse(text, (_k, v) => (typeof v === 'string' && v in NON_FINITE ? NON_FINITE[v] : v));
}

/** Keys whose values differ between two configurations (top level, by canonical JSON). */
export function configDifferences(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.filter((k) => encodeUnitJson(a[k]) !== encodeUnitJson(b[k]));
}

/** `key X there, Y now` for the first differing keys (at most 3, then "N more"). */
export function describeDifferences(a: Record<string, unknown>, b: Record<string, unknown>, labels: readonly [string, string] = ['there', 'now']): string {
  const diff = configDifferences(a, b);
  const show = (v: unknown) => {
    const s = v === undefined ? 'unset' : JSON.stringify(v);
    return s.length > 60 ? `${s.slice(0, 57)}...` : s;
  };
  const shown = diff.slice(0, 3).map((k) => `${k} ${show(a[k])} ${labels[0]}, ${show(b[k])} ${labels[1]}`);
  return `${shown.join('; ')}${diff.length > 3 ? `; ${diff.length - 3} more` : ''}`;
}

/**
 * The folder of a run's units: `DIR/units`, or `DIR/shards/shard-<i>-of-<N>` for a shard.
 *
 * @example
 * ```ts
 * unitFolder('runs/cov');                          // 'runs/cov/units'
 * unitFolder('runs/cov', { index: 2, count: 8 });  // 'runs/cov/shards/shard-0002-of-0008'
 * ```
 */
export function unitFolder(out: string, shard?: ShardSpec): string {
  return shard ? join(out, 'shards', shardFolderName(shard)) : join(out, 'units');
}

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._=+-]*$/;

/** The unit results of one folder (see the module comment). */
export class UnitStore<T> {
  /** The folder of the manifest and the unit files. */
  readonly dir: string;
  readonly manifest: UnitManifest;

  private constructor(dir: string, manifest: UnitManifest) {
    this.dir = dir;
    this.manifest = manifest;
  }

  /**
   * Opens `dir` for a command with a configuration and its unit list. Fresh (`resume` false):
   * earlier unit files and manifest are removed and a new manifest is written. Resuming: the
   * folder's manifest must have the same command, configuration and shard (the unit list may
   * only differ through the configuration); without a manifest the run starts fresh.
   * `context` (JSON) is written to `context.json` for the final step (e.g. the workspace).
   *
   * @throws InputError when resuming a folder made by another command, configuration or shard,
   *   naming the first keys that differ, or when the manifest cannot be read.
   * @example
   * ```ts
   * const store = UnitStore.open<RunOutput>('runs/abl/units', { command: 'ablate', config, units }, { resume: true });
   * ```
   */
  static open<T>(dir: string, run: UnitRun, options: { readonly resume: boolean; readonly context?: unknown }): UnitStore<T> {
    const ids = run.units.map((u) => u.id);
    const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
    if (duplicate !== undefined) throw new RangeError(`UnitStore.open: unit id "${duplicate}" appears twice`);
    const unsafe = ids.find((id) => !SAFE_ID.test(id) || id === 'manifest' || id === 'context' || id === 'running');
    if (unsafe !== undefined) throw new RangeError(`UnitStore.open: unit id "${unsafe}" is not a safe file name`);
    const manifest: UnitManifest = { format: 'diffinfer-units', version: 1, command: run.command, config: run.config, units: ids, ...(run.shard ? { shard: run.shard } : {}) };
    const resumed = options.resume && UnitStore.checkResumable(dir, run);
    if (!resumed && existsSync(dir)) {
      for (const f of readdirSync(dir)) if (f.endsWith('.json')) rmSync(join(dir, f), { force: true });
    }
    mkdirSync(dir, { recursive: true });
    // rewritten when resuming too: the unit list may have grown with the configuration
    writeFileAtomic(join(dir, 'manifest.json'), encodeUnitJson(manifest));
    if (options.context !== undefined) writeFileAtomic(join(dir, 'context.json'), encodeUnitJson(options.context));
    return new UnitStore<T>(dir, manifest);
  }

  /**
   * An existing folder, for reading (merge, status).
   *
   * @throws InputError when `dir` has no readable manifest.
   */
  static openExisting<T>(dir: string): UnitStore<T> {
    return new UnitStore<T>(dir, readManifest(join(dir, 'manifest.json')));
  }

  /**
   * Whether `dir` holds units of the same command and configuration (true), or no manifest at
   * all (false: nothing to resume). Reads only; {@link UnitStore.open} calls it when resuming,
   * and a command can call it before slow set-up so that a mismatch fails fast.
   *
   * @throws InputError when the manifest is unreadable or was made by another command,
   *   configuration or shard (naming the first keys that differ).
   * @example
   * ```ts
   * UnitStore.checkResumable('runs/abl/units', { command: 'ablate', config, units });
   * ```
   */
  static checkResumable(dir: string, run: UnitRun): boolean {
    const file = join(dir, 'manifest.json');
    if (!existsSync(file)) return false;
    const old = readManifest(file);
    if (old.command !== run.command) throw new InputError('argument', file, `was written by "${old.command}", not "${run.command}": results of another command cannot be resumed`);
    const growable = new Set(run.growable ?? []);
    const strip = (c: Record<string, unknown>) => Object.fromEntries(Object.entries(c).filter(([k]) => !growable.has(k)));
    const diff = configDifferences(strip(old.config ?? {}), strip(run.config));
    if (diff.length > 0) {
      throw new InputError('argument', file, `was made with another configuration (${describeDifferences(strip(old.config ?? {}), strip(run.config))}): resume with the same options, or use another output folder`);
    }
    const shardText = (s?: ShardSpec) => (s ? `shard ${formatShard(s)}` : 'no shard');
    if (shardText(old.shard) !== shardText(run.shard)) throw new InputError('argument', file, `holds ${shardText(old.shard)}, not ${shardText(run.shard)}`);
    return true;
  }

  /** The ids this folder is responsible for: its shard's part of the run, or every unit. */
  ownUnits(): string[] {
    return shardUnits(this.manifest.units, this.manifest.shard);
  }

  private file(id: string): string {
    return join(this.dir, `${id}.json`);
  }

  /** The record of unit `id`, or undefined when it has none (or an unreadable one: it re-runs). */
  read(id: string): UnitRecord<T> | undefined {
    const f = this.file(id);
    if (!existsSync(f)) return undefined;
    try {
      const r = decodeUnitJson(readFileSync(f, 'utf8')) as UnitRecord<T>;
      return r?.format === 'diffinfer-unit' && r.id === id && (r.status === 'done' || r.status === 'failed') ? r : undefined;
    } catch {
      return undefined;
    }
  }

  /** Writes a unit's record (atomically). */
  write(record: UnitRecord<T>): void {
    writeFileAtomic(this.file(record.id), encodeUnitJson(record));
  }

  /** The run's context (`context.json`), or undefined. */
  readContext(): unknown {
    const f = join(this.dir, 'context.json');
    return existsSync(f) ? decodeUnitJson(readFileSync(f, 'utf8')) : undefined;
  }

  /** Records the units in progress in this process; none: `running.json` is removed. */
  setRunning(ids: readonly string[]): void {
    if (ids.length === 0) {
      rmSync(join(this.dir, 'running.json'), { force: true });
      return;
    }
    const r: RunningUnits = { pid: process.pid, host: hostname(), updated: new Date().toISOString(), units: [...ids] };
    writeFileAtomic(join(this.dir, 'running.json'), encodeUnitJson(r));
  }

  /** The units in progress as last recorded, or undefined. */
  running(): RunningUnits | undefined {
    const f = join(this.dir, 'running.json');
    if (!existsSync(f)) return undefined;
    try {
      return decodeUnitJson(readFileSync(f, 'utf8')) as RunningUnits;
    } catch {
      return undefined;
    }
  }
}

function readManifest(file: string): UnitManifest {
  if (!existsSync(file)) throw new InputError('io', file, 'no such file (not a folder of diffinfer units)');
  let m: UnitManifest;
  try {
    m = decodeUnitJson(readFileSync(file, 'utf8')) as UnitManifest;
  } catch (e) {
    throw new InputError('io', file, `cannot be read (${(e as Error).message.split('\n')[0]})`);
  }
  if (m?.format !== 'diffinfer-units' || !Array.isArray(m.units)) throw new InputError('io', file, 'is not a diffinfer unit manifest');
  return m;
}

/** Options of {@link runUnits}. */
export interface RunUnitsOptions<U extends WorkUnit, T> {
  /** Skip units that have a `done` record; default false (every unit runs). */
  readonly resume?: boolean;
  /** Units run at the same time (default 1; an executor's `size`). */
  readonly concurrency?: number;
  /** Called when a unit starts. */
  readonly beforeUnit?: (unit: U) => void;
  /** Called after a unit's record is written (progress; a throw here stops the run). */
  readonly afterUnit?: (unit: U, record: UnitRecord<T>) => void;
  /** Called for a unit skipped because it is done. */
  readonly onSkip?: (unit: U, record: UnitRecord<T>) => void;
}

/** What {@link runUnits} did. */
export interface RunUnitsSummary {
  readonly ran: number;
  readonly skipped: number;
  readonly failed: number;
}

function unitError(e: unknown): UnitError {
  return e instanceof Error ? { name: e.name, message: e.message } : { name: 'Error', message: String(e) };
}

/**
 * Runs every unit of `units` that needs it, `concurrency` at a time, in order of start,
 * writing each outcome to the store as it ends (and the units in progress to `running.json`).
 * A unit whose `run` throws is recorded as failed (its error's class name and message) and the
 * next unit runs; an `InputError` is bad input for the whole command: no further unit starts,
 * the ones in progress finish and are recorded, and it is re-thrown. So is a throw of
 * `afterUnit`.
 *
 * @example
 * ```ts
 * await runUnits(store, units, (u) => executor.run('toy-block', payloadOf(u)), { resume: true, concurrency: executor.size });
 * ```
 */
export async function runUnits<U extends WorkUnit, T>(store: UnitStore<T>, units: readonly U[], run: (unit: U) => Promise<T>, options: RunUnitsOptions<U, T> = {}): Promise<RunUnitsSummary> {
  const concurrency = options.concurrency ?? 1;
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) throw new RangeError(`runUnits: concurrency must be a positive integer, got ${concurrency}`);
  let ran = 0;
  let skipped = 0;
  let failed = 0;
  const pending: U[] = [];
  for (const unit of units) {
    const old = options.resume ? store.read(unit.id) : undefined;
    if (old?.status === 'done') {
      skipped++;
      options.onSkip?.(unit, old);
    } else pending.push(unit);
  }
  const inProgress = new Set<string>();
  let next = 0;
  let abort: { error: unknown } | undefined;
  const base = (id: string) => ({ format: 'diffinfer-unit', version: 1, id }) as const;
  const lane = async (): Promise<void> => {
    while (!abort && next < pending.length) {
      const unit = pending[next++];
      inProgress.add(unit.id);
      store.setRunning([...inProgress]);
      options.beforeUnit?.(unit);
      const t0 = performance.now();
      let record: UnitRecord<T> | undefined;
      try {
        const output = await run(unit);
        record = { ...base(unit.id), finished: new Date().toISOString(), seconds: (performance.now() - t0) / 1000, status: 'done', output };
      } catch (e) {
        if (e instanceof InputError) abort ??= { error: e };
        else {
          record = { ...base(unit.id), finished: new Date().toISOString(), seconds: (performance.now() - t0) / 1000, status: 'failed', error: unitError(e) };
          failed++;
        }
      }
      inProgress.delete(unit.id);
      if (record) {
        store.write(record);
        ran++;
        try {
          options.afterUnit?.(unit, record);
        } catch (e) {
          abort ??= { error: e };
        }
      }
      store.setRunning([...inProgress]);
      // let timers (progress bars, signals) run between units, also when units run in this thread
      await new Promise((r) => setImmediate(r));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(1, pending.length)) }, lane));
  if (abort) throw abort.error;
  return { ran, skipped, failed };
}

/**
 * The records of `units` in unit order (undefined for a unit without one), as results are
 * assembled from them.
 *
 * @example
 * ```ts
 * const done = collectUnits(store, units).filter((r) => r.record?.status === 'done');
 * ```
 */
export function collectUnits<U extends WorkUnit, T>(store: UnitStore<T>, units: readonly U[]): Array<{ unit: U; record?: UnitRecord<T> }> {
  return units.map((unit) => ({ unit, record: store.read(unit.id) }));
}
