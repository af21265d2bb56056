/**
 * A training worker: one run (training-session.ts) on tfjs's wasm backend, its .wasm binaries
 * served by the site (Vite emits them as assets). `run` trains in slices of about
 * {@link SLICE_MS}, posting the new steps after each and a snapshot of the templates and the
 * profile likelihood when at least {@link SNAPSHOT_MS}, and 3 times the last snapshot's
 * duration, have passed (snapshots take at most a quarter of the time); between slices the worker reads its
 * messages, so `pause` stops after the current slice. Reset: the page ends the worker.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { registerFastBatchMatMulGradient } from '../../src/autodiff/batch-matmul-gradient.js';
import { failureReport } from './protocol.js';
import type { BackendInfo, TrainingReply, TrainingRequest } from './training-protocol.js';
import { TrainingSession } from './training-session.js';

/** Milliseconds of training between two looks at the messages. */
const SLICE_MS = 100;
/** At most one snapshot (validation templates, profile likelihood) per this many milliseconds. */
const SNAPSHOT_MS = 700;

const scope = globalThis as unknown as { onmessage: ((e: MessageEvent<TrainingRequest>) => void) | null; postMessage(m: TrainingReply): void };
const post = (m: TrainingReply) => scope.postMessage(m);

/** tfjs on wasm, as the CLI's `initBackend` sets it up (diffinfer's BatchMatMul gradient). */
async function initWasm(): Promise<BackendInfo> {
  setWasmPaths({ 'tfjs-backend-wasm.wasm': wasmPlain, 'tfjs-backend-wasm-simd.wasm': wasmSimd, 'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimd });
  registerFastBatchMatMulGradient();
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend of tfjs could not be loaded');
  await tf.ready();
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) as boolean;
  const threads = (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) as boolean;
  return { name: tf.getBackend(), simd, threads: threads ? navigator.hardwareConcurrency : 1 };
}

let session: TrainingSession | undefined;
let running = false;
let lastSnapshot = 0;
let snapshotMs = 0;

const yieldToMessages = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

async function loop(): Promise<void> {
  while (running && session && !session.done) {
    const records = await session.advance(SLICE_MS);
    const now = performance.now();
    if (session.done) {
      running = false;
      post({ type: 'done', records, step: session.step, trainMs: session.trainMs, snapshot: session.snapshot(), final: session.finalFigures() });
      return;
    }
    const snapshot = now - lastSnapshot >= Math.max(SNAPSHOT_MS, 3 * snapshotMs) ? session.snapshot() : undefined;
    if (snapshot) {
      lastSnapshot = performance.now();
      snapshotMs = lastSnapshot - now;
    }
    post({ type: 'progress', records, step: session.step, trainMs: session.trainMs, ...(snapshot ? { snapshot } : {}) });
    await yieldToMessages();
  }
  if (session && !session.done) post({ type: 'paused', step: session.step });
}

async function handle(m: TrainingRequest): Promise<void> {
  if (m.type === 'init') {
    const t0 = performance.now();
    const backend = await initWasm();
    session = await TrainingSession.create(m.spec);
    post({ type: 'ready', backend, totalSteps: session.totalSteps, setupMs: performance.now() - t0, snapshot: session.snapshot() });
  } else if (m.type === 'run') {
    if (running || !session) return;
    running = true;
    await loop();
  } else if (m.type === 'pause') {
    running = false;
  }
}

scope.onmessage = (e) => {
  handle(e.data).catch((err: unknown) => {
    running = false;
    post({ type: 'error', line: failureReport(err).line });
  });
};
