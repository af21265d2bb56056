/**
 * TensorFlow.js backend selection.
 *
 * Order for `auto`: `@tensorflow/tfjs-node-gpu` (an optional dependency whose install downloads
 * libtensorflow, so it is usually absent offline), then `@tensorflow/tfjs-node` if the user
 * installed it, then the WebAssembly backend (SIMD), then the plain JS `cpu` backend. Every
 * import is attempted inside a try/catch that catches anything thrown (missing module, native
 * library failing to load, non-Error values). A backend requested explicitly (option or
 * `DIFFINFER_BACKEND`) that cannot load is bad input (an `InputError` naming the package to
 * install when it is missing), not a silent fallback. The choice is printed as one line on
 * stderr.
 *
 * Importing `@tensorflow/tfjs-layers` registers the gradients (tfjs-core's Node bundle alone
 * registers none; measured: `getGradient('BatchMatMul')` is undefined before, defined after).
 */
import * as tf from '@tensorflow/tfjs-core';
import { InputError } from '../stats/errors.js';
import { registerFastBatchMatMulGradient, restoreBatchMatMulGradient } from './batch-matmul-gradient.js';

/** What a user may ask for. */
export type BackendRequest = 'auto' | 'gpu' | 'node' | 'wasm' | 'cpu';

export const BACKEND_REQUESTS: readonly BackendRequest[] = ['auto', 'gpu', 'node', 'wasm', 'cpu'];

/** A candidate: what to import and the tfjs backend name it registers. */
interface Candidate {
  readonly request: Exclude<BackendRequest, 'auto'>;
  readonly label: string;
  readonly module: string;
  readonly backend: string;
}

const CANDIDATES: readonly Candidate[] = [
  { request: 'gpu', label: 'tensorflow-gpu', module: '@tensorflow/tfjs-node-gpu', backend: 'tensorflow' },
  { request: 'node', label: 'tensorflow', module: '@tensorflow/tfjs-node', backend: 'tensorflow' },
  { request: 'wasm', label: 'wasm', module: '@tensorflow/tfjs-backend-wasm', backend: 'wasm' },
  { request: 'cpu', label: 'cpu', module: '@tensorflow/tfjs-backend-cpu', backend: 'cpu' },
];

export interface BackendAttempt {
  readonly candidate: string;
  readonly ok: boolean;
  readonly error?: string;
}

export interface BackendChoice {
  /** tfjs's backend name now active (`tensorflow`, `wasm` or `cpu`). */
  readonly name: string;
  /** Which candidate provided it (`tensorflow-gpu`, `tensorflow`, `wasm`, `cpu`). */
  readonly candidate: string;
  readonly tried: readonly BackendAttempt[];
}

export interface InitBackendOptions {
  /** Overrides `DIFFINFER_BACKEND`; default `auto`. */
  readonly request?: BackendRequest;
  readonly env?: NodeJS.ProcessEnv;
  /** Receives the one-line report; default: stderr. */
  readonly log?: (line: string) => void;
  /** Module loader, injectable for tests; default: dynamic `import()`. */
  readonly importer?: (specifier: string) => Promise<unknown>;
  /**
   * Register the BatchMatMul gradient with explicit transposes (5x faster training steps on
   * wasm, see `registerFastBatchMatMulGradient`); default true.
   */
  readonly fastMatMulGradient?: boolean;
}

/**
 * Parses a backend request, e.g. from `--backend`; `where` names the option in errors.
 *
 * @throws InputError for an unknown name.
 * @example
 * ```ts
 * parseBackendRequest('wasm', 'DIFFINFER_BACKEND'); // 'wasm'
 * ```
 */
export function parseBackendRequest(value: string, where: string): BackendRequest {
  if ((BACKEND_REQUESTS as readonly string[]).includes(value)) return value as BackendRequest;
  throw new InputError('argument', where, `unknown backend "${value}" (expected ${BACKEND_REQUESTS.join(', ')})`);
}

function describe(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return 'not installed';
    return e.message.split('\n')[0];
  }
  return String(e).split('\n')[0];
}

async function tryCandidate(c: Candidate, importer: (s: string) => Promise<unknown>): Promise<BackendAttempt> {
  try {
    await importer(c.module);
    const ok = await tf.setBackend(c.backend);
    if (!ok) return { candidate: c.label, ok: false, error: `tfjs could not initialise the "${c.backend}" backend` };
    await tf.ready();
    return { candidate: c.label, ok: true };
  } catch (e) {
    return { candidate: c.label, ok: false, error: describe(e) };
  }
}

/**
 * Loads TensorFlow.js with the best available backend and registers gradients (tfjs's, then
 * diffinfer's faster BatchMatMul gradient unless `fastMatMulGradient` is false).
 *
 * @throws InputError when a requested backend (not `auto`) cannot be loaded, naming the package
 *   to install when it is missing (e.g. `npm install @tensorflow/tfjs-node-gpu`); Error when
 *   `auto` finds no backend at all.
 * @example
 * ```ts
 * const { name } = await initBackend();            // auto: gpu -> node -> wasm -> cpu
 * await initBackend({ request: 'cpu' });           // the float32 precision reference
 * ```
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendChoice> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const importer = options.importer ?? ((s: string) => import(s));
  const request = options.request ?? parseBackendRequest(env.DIFFINFER_BACKEND ?? 'auto', 'DIFFINFER_BACKEND');
  await importer('@tensorflow/tfjs-layers');
  if (options.fastMatMulGradient ?? true) registerFastBatchMatMulGradient();
  else restoreBatchMatMulGradient();
  const tried: BackendAttempt[] = [];
  const candidates = request === 'auto' ? CANDIDATES : CANDIDATES.filter((c) => c.request === request);
  for (const c of candidates) {
    const attempt = await tryCandidate(c, importer);
    tried.push(attempt);
    if (attempt.ok) {
      // tfjs's cpu backend prints a banner recommending tfjs-node on first use; the choice and
      // what was tried are reported in our one line instead.
      if (c.backend === 'cpu') {
        const cpu = tf.findBackend('cpu') as { firstUse?: boolean } | null;
        if (cpu && 'firstUse' in cpu) cpu.firstUse = false;
      }
      const others = tried.filter((t) => !t.ok).map((t) => `${t.candidate}: ${t.error}`);
      log(`diffinfer: tfjs backend ${c.label}${others.length ? ` (tried ${others.join(', ')})` : ''}`);
      return { name: tf.getBackend(), candidate: c.label, tried };
    }
  }
  const last = tried[tried.length - 1];
  if (request !== 'auto') {
    // bad input, not an internal error: the user asked for a backend this machine does not have
    const module = CANDIDATES.find((c) => c.request === request)!.module;
    const hint = last.error === 'not installed' ? ` (install it with \`npm install ${module}\`)` : '';
    throw new InputError('argument', `backend "${request}" (${last.candidate})`, `cannot be loaded: ${last.error}${hint}`);
  }
  throw new Error(`no tfjs backend could be loaded (${tried.map((t) => `${t.candidate}: ${t.error}`).join(', ')})`);
}
