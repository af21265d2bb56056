/**
 * The named tasks a worker runs: one registry, used both by the worker threads (`worker.ts`)
 * and in-process (one worker, tests), so a task computes the same numbers wherever it runs.
 *
 * A task is a pure function of its payload. Payloads carry the model as a {@link ModelSource}
 * (the workspace and the build options, with a content key): each worker builds the model once
 * per key and keeps it. To add a task, add its payload and result to {@link TaskMap} and its
 * function to {@link TASKS}; the pool does not change. Code outside `src/` (the experiments'
 * training runs) uses the `call` task instead: a named export of a module, imported in the
 * worker (each worker thread then loads its own tfjs backend once).
 *
 * A task may return a promise (`call` does).
 */
import { InputError, NumericalError } from '../stats/errors.js';
import { AsymptoticCalculator } from '../stats/inference/asymptotics.js';
import { runBeltBlock, runCoverageBlock, type BeltBlockResult, type BeltBlockSpec, type CoverageBlockResult, type CoverageBlockSpec } from '../stats/inference/coverage.js';
import type { TestStatistic, TestStatisticOptions } from '../stats/inference/test-statistics.js';
import { runToyBlock, type ToyBlockResult, type ToyBlockSpec } from '../stats/inference/toy-calculator.js';
import { upperLimit, upperLimitScan } from '../stats/inference/limits.js';
import { buildModel, observedData, type HistFactoryModel, type ModelData, type ModelOptions } from '../stats/model/model.js';
import { workspaceFromDocuments } from '../stats/workspace/assemble.js';
import type { JsonPatch, Workspace } from '../stats/workspace/spec.js';
import { runNeymanEstimateBlock, type NeymanEstimateBlockResult, type NeymanEstimateBlockSpec } from '../jobs/neyman-estimates.js';

/** A model as workers receive it: rebuilt from the workspace with the same options. */
export interface ModelSource {
  /** A content key of workspace + options (see {@link modelSource}). */
  readonly key: string;
  readonly workspace: Workspace;
  readonly options: ModelOptions;
}

/** FNV-1a (32-bit, two seeds) of a string, as 16 hex digits: a content key (not a cryptographic hash). */
export function contentHash(text: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
  }
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
}

/**
 * A {@link ModelSource} for `buildModel(workspace, options)`.
 *
 * @example
 * ```ts
 * const source = modelSource(workspace, { measurement: 'meas' });
 * ```
 */
export function modelSource(workspace: Workspace, options: ModelOptions = {}): ModelSource {
  return { key: contentHash(JSON.stringify([workspace, options])), workspace, options };
}

const models = new Map<string, HistFactoryModel>();

/** The model of a source, built once per key in this thread (at most 8 kept). */
export function modelOf(source: ModelSource): HistFactoryModel {
  let m = models.get(source.key);
  if (!m) {
    m = buildModel(source.workspace, source.options);
    if (models.size >= 8) models.delete(models.keys().next().value as string);
    models.set(source.key, m);
  }
  return m;
}

/** An asymptotic hypotest at one POI value, as a scan point returns it. */
export interface ScanPointResult {
  readonly poiTest: number;
  readonly clsObs: number;
  readonly clsExp: readonly number[];
  readonly clsbObs: number;
  readonly clbObs: number;
  readonly teststatObs: number;
}

/** One patch of a signal grid: the background-only document, the patch, and the limit's options. */
export interface PatchLimitPayload {
  /** The (patched) background-only workspace document, as read. */
  readonly document: unknown;
  /** Its label in error places (the file name). */
  readonly label: string;
  /** The patch's name in the patchset (its label in error places) and its operations. */
  readonly name: string;
  readonly patch: JsonPatch;
  readonly measurement?: string;
  readonly testStat: TestStatistic;
  readonly level: number;
  /** Scan points (linear interpolation); undefined: root finding. */
  readonly scan?: readonly number[];
}

/** The limit of one patch. */
export interface PatchLimitResult {
  readonly obs: number;
  readonly exp: readonly number[];
}

/** A named export of a module run in the worker: `(await import(module))[name](args)`. */
export interface CallPayload {
  /** The module's URL (`import.meta.url` of its source; workers load the compiled file, see pool.ts). */
  readonly module: string;
  readonly name: string;
  /** Its one argument (structured-cloneable). */
  readonly args: unknown;
}

/** Payloads and results of every task. */
export interface TaskMap {
  'toy-block': { payload: { model: ModelSource; block: ToyBlockSpec }; result: ToyBlockResult };
  'coverage-block': { payload: { model: ModelSource; block: CoverageBlockSpec }; result: CoverageBlockResult };
  'belt-block': { payload: { model: ModelSource; block: BeltBlockSpec }; result: BeltBlockResult };
  /**
   * An asymptotic hypotest at one POI value with a fresh calculator (nothing shared between
   * points, so the numbers do not depend on which worker computed which point).
   */
  'scan-point': {
    payload: { model: ModelSource; data: ModelData; poiTest: number; options: TestStatisticOptions & { testStat?: TestStatistic } };
    result: ScanPointResult;
  };
  /** Neyman coverage: mu^ of a block of coverage experiments (no belt needed). */
  'coverage-estimates': { payload: { model: ModelSource; block: NeymanEstimateBlockSpec }; result: NeymanEstimateBlockResult };
  /** The CLs upper limit of one patch of a patchset applied to a workspace. */
  'patch-limit': { payload: PatchLimitPayload; result: PatchLimitResult };
  call: { payload: CallPayload; result: unknown };
}

export type TaskName = keyof TaskMap;
export type TaskPayload<K extends TaskName> = TaskMap[K]['payload'];
export type TaskResult<K extends TaskName> = TaskMap[K]['result'];

/** The task functions. */
export const TASKS: { readonly [K in TaskName]: (payload: TaskPayload<K>) => TaskResult<K> | Promise<TaskResult<K>> } = {
  'toy-block': ({ model, block }) => runToyBlock(modelOf(model), block),
  'coverage-block': ({ model, block }) => runCoverageBlock(modelOf(model), block),
  'belt-block': ({ model, block }) => runBeltBlock(modelOf(model), block),
  'scan-point': ({ model, data, poiTest, options }) => {
    const r = new AsymptoticCalculator(modelOf(model), data, options).hypotest(poiTest);
    return { poiTest, clsObs: r.clsObs, clsExp: r.clsExp, clsbObs: r.clsbObs, clbObs: r.clbObs, teststatObs: r.teststatObs };
  },
  'coverage-estimates': ({ model, block }) => runNeymanEstimateBlock(modelOf(model), block),
  'patch-limit': (p) => {
    const { workspace, measurement } = workspaceFromDocuments({ workspace: p.document, label: p.label, patches: [{ json: p.patch, label: p.name }], measurement: p.measurement });
    const model = buildModel(workspace, { measurement });
    const data = observedData(workspace, model);
    const options = { testStat: p.testStat, level: p.level };
    const r = p.scan ? upperLimitScan(model, data, p.scan, options) : upperLimit(model, data, options);
    return { obs: r.obs, exp: r.exp };
  },
  call: async ({ module, name, args }) => {
    const m = (await import(module)) as Record<string, unknown>;
    const fn = m[name];
    if (typeof fn !== 'function') throw new InputError('argument', 'task call', `module ${module} has no function "${name}"`);
    return await (fn as (a: unknown) => unknown)(args);
  },
};

/** A task's outcome as it crosses the thread boundary: typed errors survive as data. */
export type TaskOutcome<R> =
  | { readonly ok: true; readonly result: R }
  | { readonly ok: false; readonly error: { readonly name: string; readonly message: string; readonly kind?: string; readonly where?: string; readonly problem?: string; readonly stack?: string } };

/** Runs a task, catching its error into a {@link TaskOutcome}. */
export async function runTaskOutcome<K extends TaskName>(name: K, payload: TaskPayload<K>): Promise<TaskOutcome<TaskResult<K>>> {
  try {
    const fn = TASKS[name] as ((p: TaskPayload<K>) => TaskResult<K> | Promise<TaskResult<K>>) | undefined;
    if (!fn) throw new InputError('argument', 'task', `unknown task "${String(name)}" (tasks: ${Object.keys(TASKS).join(', ')})`);
    return { ok: true, result: await fn(payload) };
  } catch (e) {
    if (e instanceof InputError) return { ok: false, error: { name: e.name, message: e.message, kind: e.kind, where: e.where, problem: e.problem } };
    const err = e instanceof Error ? e : new Error(String(e));
    return { ok: false, error: { name: err.name, message: err.message, stack: err.stack } };
  }
}

/** The error of a failed {@link TaskOutcome}, rebuilt with its type (InputError, NumericalError, Error). */
export function outcomeError(error: Extract<TaskOutcome<unknown>, { ok: false }>['error']): Error {
  if (error.name === 'InputError') return new InputError((error.kind ?? 'argument') as InputError['kind'], error.where ?? '', error.problem ?? error.message);
  if (error.name === 'NumericalError') return new NumericalError(error.message);
  const e = new Error(error.message);
  if (error.stack) e.stack = error.stack;
  return e;
}
