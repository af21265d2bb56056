/** Messages between the page and its analysis worker. */
import { InputError, NumericalError, type TestStatistic } from '../../src/stats/index.js';
import type { ClsSummary, FitSummary, JsonFile, LimitSummary, LoadInput, ModelSummary, ScanRange, ScanSummary } from './analysis.js';

/** What a patch file holds: a JSON Patch, or a patchset and its entries' names. */
export type PatchKind = { readonly kind: 'patch' } | { readonly kind: 'patchset'; readonly entries: readonly string[] };

/** A request and the value its reply carries. */
export interface Requests {
  inspectPatch: { args: { file: JsonFile }; value: PatchKind };
  load: { args: { input: LoadInput }; value: ModelSummary };
  fit: { args: Record<string, never>; value: FitSummary };
  cls: { args: { mu: number; testStat: TestStatistic }; value: ClsSummary };
  limit: { args: { testStat: TestStatistic; level: number }; value: LimitSummary };
  scan: { args: { testStat: TestStatistic; level: number; range: ScanRange }; value: ScanSummary };
}

export type Op = keyof Requests;

export interface RequestMessage<K extends Op = Op> {
  readonly id: number;
  readonly op: K;
  readonly args: Requests[K]['args'];
}

/**
 * A failure as the CLI reports it: `input` (exit 2) and `numerical` (exit 1) carry the line the
 * CLI prints on stderr, `diffinfer: <message>`.
 */
export interface FailureReport {
  readonly kind: 'input' | 'numerical' | 'internal';
  readonly line: string;
}

export type ReplyMessage =
  | { readonly id: number; readonly ok: true; readonly value: unknown; readonly workerMs: number }
  | { readonly id: number; readonly ok: false; readonly failure: FailureReport; readonly workerMs: number };

/** The CLI's one-line report of an error (src/cli.ts `reportError`), for errors thrown in the worker. */
export function failureReport(e: unknown): FailureReport {
  if (e instanceof InputError) return { kind: 'input', line: `diffinfer: ${e.message}` };
  if (e instanceof NumericalError) return { kind: 'numerical', line: `diffinfer: ${e.message}` };
  return { kind: 'internal', line: `diffinfer: internal error: ${e instanceof Error ? e.message : String(e)}` };
}
