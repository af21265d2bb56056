/**
 * The named tasks a worker runs: one registry, used both by the worker threads (`worker.ts`)
 * and in-process (one worker, tests), so a task computes the same numbers wherever it runs.
 *
 * A task is a pure function of its payload. Payloads carry the model as a {@link ModelSource}
 * (the workspace and the build options, with a content key): each worker builds the model once
 * per key and keeps it. To add a task (issue 13: training units), add its payload and result to
 * {@link TaskMap} and its function to {@link TASKS}; the pool does not change.
 */
import { InputError, NumericalError } from '../stats/errors.js';
import { AsymptoticCalculator } from '../stats/inference/asymptotics.js';
import { runBeltBlock, runCoverageBlock, type BeltBlockResult, type BeltBlockSpec, type CoverageBlockResult, type CoverageBlockSpec } from '../stats/inference/coverage.js';
import type { TestStatistic, TestStatisticOptions } from '../stats/inference/test-statistics.js';
import { runToyBlock, type ToyBlockResult, type ToyBlockSpec } from '../stats/inference/toy-calculator.js';
import { buildModel, type HistFactoryModel, type ModelData, type ModelOptions } from '../stats/model/model.js';
import type { Workspace } from '../stats/workspace/spec.js';

/** A model as workers receive it: rebuilt from the workspace with the same options. */
export interface ModelSource {
  /** A content key of workspace + options (see {@link modelSource}). */
  readonly key: string;
  readonly workspace: Workspace;
  readonly options: ModelOptions;
}

/** FNV-1a (32-bit, two seeds) of a string, as 16 hex digits. */
function contentHash(text: string): string {
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
}

export type TaskName = keyof TaskMap;
export type TaskPayload<K extends TaskName> = TaskMap[K]['payload'];
export type TaskResult<K extends TaskName> = TaskMap[K]['result'];

/** The task functions. */
export const TASKS: { readonly [K in TaskName]: (payload: TaskPayload<K>) => TaskResult<K> } = {
  'toy-block': ({ model, block }) => runToyBlock(modelOf(model), block),
  'coverage-block': ({ model, block }) => runCoverageBlock(modelOf(model), block),
  'belt-block': ({ model, block }) => runBeltBlock(modelOf(model), block),
  'scan-point': ({ model, data, poiTest, options }) => {
    const r = new AsymptoticCalculator(modelOf(model), data, options).hypotest(poiTest);
    return { poiTest, clsObs: r.clsObs, clsExp: r.clsExp, clsbObs: r.clsbObs, clbObs: r.clbObs, teststatObs: r.teststatObs };
  },
};

/** A task's outcome as it crosses the thread boundary: typed errors survive as data. */
export type TaskOutcome<R> =
  | { readonly ok: true; readonly result: R }
  | { readonly ok: false; readonly error: { readonly name: string; readonly message: string; readonly kind?: string; readonly where?: string; readonly problem?: string; readonly stack?: string } };

/** Runs a task, catching its error into a {@link TaskOutcome}. */
export function runTaskOutcome<K extends TaskName>(name: K, payload: TaskPayload<K>): TaskOutcome<TaskResult<K>> {
  try {
    const fn = TASKS[name] as ((p: TaskPayload<K>) => TaskResult<K>) | undefined;
    if (!fn) throw new InputError('argument', 'task', `unknown task "${String(name)}" (tasks: ${Object.keys(TASKS).join(', ')})`);
    return { ok: true, result: fn(payload) };
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
