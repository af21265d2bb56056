/** Messages between the page and a training worker (one run per worker). */
import type { StepRecord } from '../../src/models/trainer.js';
import type { FinalFigures, RunSpec, Snapshot } from './training-session.js';

export type TrainingRequest =
  | { readonly type: 'init'; readonly spec: RunSpec }
  | { readonly type: 'run' }
  | { readonly type: 'pause' };

/** The tfjs backend the worker trains on. */
export interface BackendInfo {
  readonly name: string;
  /** wasm: SIMD and threads in use. */
  readonly simd?: boolean;
  readonly threads?: number;
}

export type TrainingReply =
  | { readonly type: 'ready'; readonly backend: BackendInfo; readonly totalSteps: number; readonly setupMs: number; readonly snapshot: Snapshot }
  | { readonly type: 'progress'; readonly records: readonly StepRecord[]; readonly step: number; readonly trainMs: number; readonly snapshot?: Snapshot }
  | { readonly type: 'paused'; readonly step: number }
  | { readonly type: 'done'; readonly records: readonly StepRecord[]; readonly step: number; readonly trainMs: number; readonly snapshot: Snapshot; readonly final: FinalFigures }
  | { readonly type: 'error'; readonly line: string };
