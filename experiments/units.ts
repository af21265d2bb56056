/**
 * Units of work of the long experiment commands, and their results on disk.
 *
 * A long command (`diffinfer ablate`, `diffinfer inferno`) is an explicit list of units with
 * stable ids, enumerated in a fixed order ({@link trainingUnits}: benchmark, then method in the
 * order given, then seed). Each unit's outcome is written, atomically, to its own file as soon
 * as the unit ends, so a crash or a kill loses at most the unit in progress:
 *
 * ```
 * DIR/units/manifest.json     the command, its configuration and the unit ids
 * DIR/units/<id>.json         one per finished unit: { status: 'done', output } or
 *                             { status: 'failed', error: { name, message } }
 * ```
 *
 * {@link UnitStore.open} starts a fresh folder (earlier unit files removed) or, when resuming,
 * checks that the folder was made with the same command and configuration (an `InputError`
 * naming the first difference otherwise). {@link runUnits} runs the units that have no `done`
 * record (missing or failed ones when resuming) and records a unit's failure instead of
 * stopping; {@link collectUnits} reads the records back in unit order, so the tables assembled
 * from them are the same whether the units ran in one go or over several resumed runs.
 *
 * Numbers are written so that they read back identically (NaN, +-Infinity and -0 included,
 * which plain JSON would turn into null or 0).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../src/stats/errors.js';
import { writeFileAtomic } from '../src/stats/io.js';

/** A unit of work: anything with an id that is unique in its list and stable across runs. */
export interface WorkUnit {
  readonly id: string;
}

/** One training run: a method on a benchmark with one seed. */
export interface TrainingUnit extends WorkUnit {
  readonly benchmark: number;
  readonly method: string;
  readonly seed: number;
}

/**
 * The training runs of `benchmarks x methods x seeds`, in the order benchmark, method (as
 * given), seed; ids `b<benchmark>-<method>-s<seed>`.
 *
 * @example
 * ```ts
 * trainingUnits([0, 2], ['bce', 'inferno'], 2).map((u) => u.id);
 * // ['b0-bce-s0', 'b0-bce-s1', 'b0-inferno-s0', 'b0-inferno-s1', 'b2-bce-s0', ...]
 * ```
 */
export function trainingUnits(benchmarks: readonly number[], methods: readonly string[], seeds: number): TrainingUnit[] {
  const out: TrainingUnit[] = [];
  for (const benchmark of benchmarks) for (const method of methods) for (let seed = 0; seed < seeds; seed++) out.push({ id: `b${benchmark}-${method}-s${seed}`, benchmark, method, seed });
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
export function analysisUnits(methods: readonly string[], seeds: number): AnalysisUnit[] {
  const out: AnalysisUnit[] = [];
  for (const method of methods) for (let seed = 0; seed < seeds; seed++) out.push({ id: `${method}-s${seed}`, method, seed });
  return out;
}

/** A command's run: what {@link UnitStore.open} records and compares. */
export interface UnitRun {
  readonly command: string;
  readonly config: Record<string, unknown>;
  readonly units: readonly WorkUnit[];
}

/** What made a folder of unit results: compared when resuming. */
export interface UnitManifest {
  readonly format: 'diffinfer-units';
  readonly version: 1;
  readonly command: string;
  readonly config: Record<string, unknown>;
  readonly units: readonly string[];
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

// Non-finite numbers and -0 as tagged strings, so that a record reads back exactly.
const NON_FINITE: Record<string, number> = { '\u0000NaN': NaN, '\u0000Infinity': Infinity, '\u0000-Infinity': -Infinity, '\u0000-0': -0 };

function encode(value: unknown): string {
  const tag = (v: unknown) => (typeof v !== 'number' ? v : Object.is(v, -0) ? '\u0000-0' : Number.isFinite(v) ? v : `\u0000${v}`);
  return `${JSON.stringify(value, (_k, v) => tag(v), 2)}\n`;
}

function decode(text: string): unknown {
  return JSON.parse(text, (_k, v) => (typeof v === 'string' && v in NON_FINITE ? NON_FINITE[v] : v));
}

/** Keys whose values differ between two configurations (top level, by canonical JSON). */
function differences(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.filter((k) => encode(a[k]) !== encode(b[k]));
}

function show(v: unknown): string {
  return v === undefined ? 'unset' : JSON.stringify(v);
}

/** The unit results of one output folder (see the module comment). */
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
   * folder's manifest must have the same command and configuration (the unit list may only
   * differ through the configuration); without a manifest the run starts fresh.
   *
   * @throws InputError when resuming a folder made by another command or configuration, naming
   *   the first keys that differ, or when the manifest cannot be read.
   * @example
   * ```ts
   * const store = UnitStore.open<RunOutput>('runs/abl/units', { command: 'ablate', config, units }, { resume: true });
   * ```
   */
  static open<T>(dir: string, run: UnitRun, options: { readonly resume: boolean }): UnitStore<T> {
    const ids = run.units.map((u) => u.id);
    const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
    if (duplicate !== undefined) throw new RangeError(`UnitStore.open: unit id "${duplicate}" appears twice`);
    const manifest: UnitManifest = { format: 'diffinfer-units', version: 1, command: run.command, config: run.config, units: ids };
    if (options.resume && UnitStore.checkResumable(dir, run)) return new UnitStore<T>(dir, manifest);
    if (existsSync(dir)) {
      for (const f of readdirSync(dir)) if (f.endsWith('.json')) rmSync(join(dir, f), { force: true });
    }
    mkdirSync(dir, { recursive: true });
    writeFileAtomic(join(dir, 'manifest.json'), encode(manifest));
    return new UnitStore<T>(dir, manifest);
  }

  /**
   * Whether `dir` holds units of the same command and configuration (true), or no manifest at
   * all (false: nothing to resume). Reads only; {@link UnitStore.open} calls it when resuming,
   * and a command can call it before slow set-up so that a mismatch fails fast.
   *
   * @throws InputError when the manifest is unreadable or was made by another command or
   *   configuration (naming the first keys that differ).
   * @example
   * ```ts
   * UnitStore.checkResumable('runs/abl/units', { command: 'ablate', config, units });
   * ```
   */
  static checkResumable(dir: string, run: UnitRun): boolean {
    const file = join(dir, 'manifest.json');
    if (!existsSync(file)) return false;
    let old: UnitManifest;
    try {
      old = decode(readFileSync(file, 'utf8')) as UnitManifest;
    } catch (e) {
      throw new InputError('io', file, `cannot be read (${(e as Error).message.split('\n')[0]})`);
    }
    if (old?.format !== 'diffinfer-units') throw new InputError('io', file, 'is not a diffinfer unit manifest');
    if (old.command !== run.command) throw new InputError('argument', file, `was written by "${old.command}", not "${run.command}": results of another command cannot be resumed`);
    const diff = differences(old.config ?? {}, run.config);
    if (diff.length > 0) {
      const shown = diff.slice(0, 3).map((k) => `${k} ${show(old.config?.[k])} there, ${show(run.config[k])} now`);
      throw new InputError('argument', file, `was made with another configuration (${shown.join('; ')}${diff.length > 3 ? `; ${diff.length - 3} more` : ''}): resume with the same options, or use another output folder`);
    }
    return true;
  }

  private file(id: string): string {
    return join(this.dir, `${id}.json`);
  }

  /** The record of unit `id`, or undefined when it has none (or an unreadable one: it re-runs). */
  read(id: string): UnitRecord<T> | undefined {
    const f = this.file(id);
    if (!existsSync(f)) return undefined;
    try {
      const r = decode(readFileSync(f, 'utf8')) as UnitRecord<T>;
      return r?.format === 'diffinfer-unit' && r.id === id && (r.status === 'done' || r.status === 'failed') ? r : undefined;
    } catch {
      return undefined;
    }
  }

  /** Writes a unit's record (atomically). */
  write(record: UnitRecord<T>): void {
    writeFileAtomic(this.file(record.id), encode(record));
  }
}

/** Options of {@link runUnits}. */
export interface RunUnitsOptions<U extends WorkUnit, T> {
  /** Skip units that have a `done` record; default false (every unit runs). */
  readonly resume?: boolean;
  /** Called after a unit's record is written (progress lines; a throw here stops the run). */
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

/**
 * Runs every unit of `units` that needs it, in order, writing each outcome to the store as it
 * ends. A unit whose `run` throws is recorded as failed (its error's class name and message)
 * and the next unit runs; an `InputError` is bad input for the whole command and is re-thrown.
 *
 * @example
 * ```ts
 * await runUnits(store, trainingUnits([2], ['inferno'], 5), async (u) => trainOne(u), { resume: true });
 * ```
 */
export async function runUnits<U extends WorkUnit, T>(store: UnitStore<T>, units: readonly U[], run: (unit: U) => Promise<T>, options: RunUnitsOptions<U, T> = {}): Promise<RunUnitsSummary> {
  let ran = 0;
  let skipped = 0;
  let failed = 0;
  for (const unit of units) {
    if (options.resume) {
      const old = store.read(unit.id);
      if (old?.status === 'done') {
        skipped++;
        options.onSkip?.(unit, old);
        continue;
      }
    }
    const t0 = performance.now();
    let record: UnitRecord<T>;
    const base = { format: 'diffinfer-unit', version: 1, id: unit.id } as const;
    try {
      const output = await run(unit);
      record = { ...base, finished: new Date().toISOString(), seconds: (performance.now() - t0) / 1000, status: 'done', output };
    } catch (e) {
      if (e instanceof InputError) throw e;
      const error = e instanceof Error ? { name: e.name, message: e.message } : { name: 'Error', message: String(e) };
      record = { ...base, finished: new Date().toISOString(), seconds: (performance.now() - t0) / 1000, status: 'failed', error };
      failed++;
    }
    store.write(record);
    ran++;
    options.afterUnit?.(unit, record);
  }
  return { ran, skipped, failed };
}

/**
 * The records of `units` in unit order (undefined for a unit without one), as the tables are
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
