/**
 * A pool of worker threads (tinypool) that runs the named tasks of `tasks.ts`, and the executor
 * interface every long job uses: {@link openExecutor} gives the pool for W > 1 workers and an
 * in-process executor for W = 1, with the same results (each task depends only on its payload).
 *
 * Why tinypool: no dependencies and no native add-on (piscina 5 pulls the optional native
 * `@napi-rs/nice`), ESM, an AbortSignal per task, a `child_process` runtime if a task ever needs
 * its own process (a tfjs-node backend per worker, issue 13), and it is the pool vitest runs on.
 *
 * Node-only (worker_threads).
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Tinypool } from 'tinypool';
import { InputError } from '../stats/errors.js';
import type { ToyBlockRunner } from '../stats/inference/toy-calculator.js';
import { outcomeError, runTaskOutcome, type ModelSource, type TaskName, type TaskOutcome, type TaskPayload, type TaskResult } from './tasks.js';
import type { TaskMessage } from './worker.js';

/** The default number of workers: the cores available to this process. */
export function defaultWorkerCount(): number {
  return availableParallelism();
}

/** Checks a worker count (a positive integer); InputError naming `where`. */
export function checkWorkerCount(workers: number, where = 'workers'): void {
  if (!Number.isSafeInteger(workers) || workers < 1) throw new InputError('argument', where, `must be a positive integer, got ${workers}`);
}

/**
 * The compiled worker script. Beside this module when it runs as JavaScript (dist/); when it runs
 * as TypeScript source (vitest transpiles src/ on the fly, but a worker thread is plain Node and
 * cannot load .ts), the copy that `npm run build` (run by `npm ci` through `prepare`) writes to
 * dist/src/parallel/worker.js.
 */
export function workerScriptPath(): string {
  const here = new URL(import.meta.url);
  const candidates = here.pathname.endsWith('.ts')
    ? [new URL('../../dist/src/parallel/worker.js', here)]
    : [new URL('./worker.js', here)];
  for (const c of candidates) {
    const path = fileURLToPath(c);
    if (existsSync(path)) return path;
  }
  throw new Error(`worker script not found (${candidates.map((c) => fileURLToPath(c)).join(', ')}); run "npm run build"`);
}

/**
 * The URL a worker thread imports for a module given by its `import.meta.url`: the module
 * itself when it is JavaScript; for a TypeScript source (vitest runs the sources, workers are
 * plain Node), the compiled file under `dist/` of the package that holds it (built by
 * `npm run build`).
 *
 * @example
 * ```ts
 * compiledModuleUrl('file:///repo/experiments/train-unit.ts'); // 'file:///repo/dist/experiments/train-unit.js'
 * ```
 */
export function compiledModuleUrl(url: string): string {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return url;
  const path = fileURLToPath(url);
  let root = dirname(path);
  while (!existsSync(join(root, 'package.json'))) {
    const up = dirname(root);
    if (up === root) throw new Error(`no package.json above ${path}: cannot find its compiled file`);
    root = up;
  }
  const compiled = join(root, 'dist', relative(root, path)).replace(/\.ts$/, '.js');
  if (!existsSync(compiled)) throw new Error(`${compiled} not found (the compiled ${relative(root, path)}); run "npm run build"`);
  return pathToFileURL(compiled).href;
}

/** Runs named tasks, in this thread or on worker threads. */
export interface Executor {
  /** Number of tasks that run at the same time. */
  readonly size: number;
  run<K extends TaskName>(task: K, payload: TaskPayload<K>): Promise<TaskResult<K>>;
  /** Runs every payload; results in payload order; `onDone(i, result)` as each finishes. */
  map<K extends TaskName>(task: K, payloads: readonly TaskPayload<K>[], onDone?: (index: number, result: TaskResult<K>) => void): Promise<TaskResult<K>[]>;
  close(): Promise<void>;
}

function unwrap<R>(outcome: TaskOutcome<R>): R {
  if (outcome.ok) return outcome.result;
  throw outcomeError(outcome.error);
}

/** Runs tasks one after the other in this thread (W = 1, and the reference for W > 1). */
export class InProcessExecutor implements Executor {
  readonly size = 1;

  async run<K extends TaskName>(task: K, payload: TaskPayload<K>): Promise<TaskResult<K>> {
    return unwrap(await runTaskOutcome(task, payload));
  }

  async map<K extends TaskName>(task: K, payloads: readonly TaskPayload<K>[], onDone?: (index: number, result: TaskResult<K>) => void): Promise<TaskResult<K>[]> {
    const out: TaskResult<K>[] = [];
    for (let i = 0; i < payloads.length; i++) {
      out.push(unwrap(await runTaskOutcome(task, payloads[i])));
      onDone?.(i, out[i]);
      // let timers (progress bars, signals) run between tasks
      await new Promise((r) => setImmediate(r));
    }
    return out;
  }

  async close(): Promise<void> {}
}

/**
 * A fixed pool of `workers` worker threads.
 *
 * @example
 * ```ts
 * const pool = new WorkerPool(2);
 * const results = await pool.map('toy-block', blocks.map((block) => ({ model: source, block })));
 * await pool.close();
 * ```
 */
export class WorkerPool implements Executor {
  private readonly pool: Tinypool;

  constructor(readonly size: number) {
    checkWorkerCount(size);
    this.pool = new Tinypool({ filename: workerScriptPath(), minThreads: size, maxThreads: size, idleTimeout: 60_000 });
  }

  async run<K extends TaskName>(task: K, payload: TaskPayload<K>): Promise<TaskResult<K>> {
    // a worker thread cannot load TypeScript: a `call` names the compiled module
    const p = task === 'call' ? ({ ...(payload as TaskPayload<'call'>), module: compiledModuleUrl((payload as TaskPayload<'call'>).module) } as TaskPayload<K>) : payload;
    const message: TaskMessage<K> = { task, payload: p };
    return unwrap((await this.pool.run(message)) as TaskOutcome<TaskResult<K>>);
  }

  async map<K extends TaskName>(task: K, payloads: readonly TaskPayload<K>[], onDone?: (index: number, result: TaskResult<K>) => void): Promise<TaskResult<K>[]> {
    return Promise.all(
      payloads.map(async (p, i) => {
        const r = await this.run(task, p);
        onDone?.(i, r);
        return r;
      }),
    );
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}

/**
 * The executor for `workers` workers: in-process for 1, a {@link WorkerPool} otherwise.
 * Default: {@link defaultWorkerCount}.
 */
export function openExecutor(workers: number = defaultWorkerCount()): Executor {
  checkWorkerCount(workers);
  return workers === 1 ? new InProcessExecutor() : new WorkerPool(workers);
}

/**
 * A toy-block runner for the toy calculator on an executor; the model travels as `source` and
 * must be the calculator's model (`buildModel(source.workspace, source.options)`).
 *
 * @example
 * ```ts
 * const exec = openExecutor(2);
 * const calc = new ToyCalculator(model, data, { runner: executorToyRunner(exec, modelSource(ws, { measurement })) });
 * ```
 */
export function executorToyRunner(executor: Executor, source: ModelSource): ToyBlockRunner {
  return (blocks, onBlockDone) =>
    executor.map(
      'toy-block',
      blocks.map((block) => ({ model: source, block })),
      (i) => onBlockDone?.(blocks[i]),
    );
}
