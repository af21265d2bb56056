/**
 * `diffinfer export`: a trained summary's analysis as a pyhf workspace — the hard-binned
 * templates of a fresh sample (INFERNO's benchmarks or the neos problem), written by
 * {@link TemplateModel.exportWorkspace} in pyhf's form (see src/stats/templates/export.ts).
 *
 * CLI: `diffinfer export --model DIR --out ws.json [--problem inferno|neos] [--benchmark N]`.
 * The problem defaults to the one the model was trained on (its diffinfer.json: `problem:
 * "neos"` from `diffinfer neos`, otherwise INFERNO); `--benchmark` (INFERNO only) defaults to
 * the benchmark it was trained on.
 */
import { initBackend, parseBackendRequest } from '../src/autodiff/backend.js';
import { Analysis, hardTemplateCounts, loadMlp, type Binning } from '../src/models/index.js';
import type { Summary } from '../src/models/summary.js';
import { InputError } from '../src/stats/errors.js';
import { writeFileAtomic } from '../src/stats/io.js';
import type { TemplateExport } from '../src/stats/templates/index.js';
import { parseBenchmarks } from './commands.js';
import { infernoAnalysis, type InfernoBenchmark } from './inferno/benchmarks.js';
import { neosAnalysis, simulateNeos } from './neos/problem.js';
import { simulateInferno } from './simulators/inferno.js';

/** The problems an export can be made for. */
export const EXPORT_PROBLEMS = ['inferno', 'neos'] as const;

/** The analysis of an export: INFERNO's benchmark `benchmark`, or the neos problem. */
export type ExportProblem = { readonly problem: 'inferno'; readonly benchmark: InfernoBenchmark } | { readonly problem: 'neos' };

/**
 * The hard-binned template counts of `summary` on a fresh sample of `events` events per process
 * (seed "export"), in the layout of the problem's template model: INFERNO's signal and
 * background with the benchmark's shape variations, or neos's four blobs with the training
 * floor (1e-3 per count, as `diffinfer neos` evaluates).
 *
 * @example
 * ```ts
 * const { analysis, counts } = exportCounts(mlp, { kind: 'softmax', temperature: 0.1 }, 10, { problem: 'inferno', benchmark: 4 }, 100_000);
 * const { workspace } = analysis.templateModel.exportWorkspace(counts);
 * ```
 */
export function exportCounts(summary: Summary, binning: Binning, bins: number, problem: ExportProblem, events: number): { analysis: Analysis; counts: Float64Array } {
  if (problem.problem === 'neos') {
    const analysis = new Analysis(neosAnalysis(binning, bins));
    const counts = hardTemplateCounts(summary, analysis, simulateNeos({ n: events, seed: 'export' })).map((c) => c + analysis.floor);
    return { analysis, counts };
  }
  const analysis = new Analysis(infernoAnalysis(problem.benchmark, binning, bins));
  const data = { signal: simulateInferno({ process: 'signal', n: events, seed: 'export' }), background: simulateInferno({ process: 'background', n: events, seed: 'export' }) };
  return { analysis, counts: hardTemplateCounts(summary, analysis, data) };
}

/** The lines `diffinfer export` prints on stderr about an export. */
export function exportReport(e: TemplateExport): string[] {
  return [
    ...e.notes.map((n) => `diffinfer: note: ${n}`),
    ...Object.entries(e.renamed).map(([from, to]) => `diffinfer: note: parameter "${from}" is "${to}" in the workspace`),
    ...e.approximations.map((a) => `diffinfer: approximation: ${a}`),
  ];
}

/** Options of {@link exportCommand} (the CLI's strings). */
export interface ExportCliOptions {
  readonly model: string;
  readonly out: string;
  readonly problem?: string;
  readonly benchmark?: string;
  readonly events?: string;
  readonly asimovPoi?: string;
  readonly backend?: string;
}

/** `diffinfer export`: see the module comment. */
export async function exportCommand(o: ExportCliOptions): Promise<number> {
  const events = Number(o.events ?? '1000000');
  if (!Number.isInteger(events) || events < 1) throw new InputError('argument', '--events', `expected a positive integer, got "${o.events}"`);
  const asimovPoi = o.asimovPoi === undefined ? 0 : Number(o.asimovPoi);
  if (o.asimovPoi !== undefined && (o.asimovPoi.trim() === '' || !Number.isFinite(asimovPoi))) throw new InputError('argument', '--asimov-poi', `expected a number, got "${o.asimovPoi}"`);
  if (o.problem !== undefined && !(EXPORT_PROBLEMS as readonly string[]).includes(o.problem)) {
    throw new InputError('argument', `--problem ${o.problem}`, `unknown problem (expected ${EXPORT_PROBLEMS.join(', ')})`);
  }
  const one = (spec: string) => {
    const list = parseBenchmarks(spec, '--benchmark');
    if (list.length !== 1) throw new InputError('argument', `--benchmark ${spec}`, 'expected one benchmark');
    return list[0];
  };
  const asked = o.benchmark === undefined ? undefined : one(o.benchmark);
  await initBackend(o.backend === undefined ? {} : { request: parseBackendRequest(o.backend, `--backend ${o.backend}`) });
  const { mlp, sidecar } = await loadMlp(o.model);
  try {
    const extra = sidecar.extra ?? {};
    const binning = extra.binning as Binning | undefined;
    const bins = (extra.bins as number | undefined) ?? (mlp.output.kind === 'logits' ? mlp.output.bins : undefined);
    if (!binning || !bins) throw new InputError('io', `${o.model}/diffinfer.json`, 'has no binning (was it saved by diffinfer inferno or neos?)');
    const trainedOn = extra.problem === 'neos' ? 'neos' : 'inferno';
    const name = (o.problem ?? trainedOn) as (typeof EXPORT_PROBLEMS)[number];
    const dims = { inferno: 3, neos: 2 } as const;
    if (mlp.inputDim !== dims[name]) {
      throw new InputError('argument', o.problem ? `--problem ${name}` : o.model, `the model takes ${mlp.inputDim} inputs; the ${name} problem has ${dims[name]}${o.problem ? '' : ` (name the problem with --problem ${EXPORT_PROBLEMS.join('|')})`}`);
    }
    let problem: ExportProblem;
    if (name === 'neos') {
      if (o.benchmark !== undefined) throw new InputError('argument', `--benchmark ${o.benchmark}`, 'names an INFERNO benchmark; the neos problem has none');
      problem = { problem: 'neos' };
    } else {
      const trained = typeof extra.benchmark === 'number' ? one(String(extra.benchmark)) : undefined;
      const benchmark = asked ?? trained;
      if (benchmark === undefined) throw new InputError('argument', '--benchmark', `is required: ${o.model}/diffinfer.json names no benchmark`);
      problem = { problem: 'inferno', benchmark };
    }
    const { analysis, counts } = exportCounts(mlp, binning, bins, problem, events);
    const e = analysis.templateModel.exportWorkspace(counts, { asimovPoi });
    writeFileAtomic(o.out, `${JSON.stringify(e.workspace, null, 2)}\n`);
    for (const line of exportReport(e)) process.stderr.write(`${line}\n`);
    const label = problem.problem === 'neos' ? 'the neos problem' : `INFERNO benchmark ${problem.benchmark}`;
    process.stderr.write(`diffinfer: wrote ${o.out}: ${label}, ${e.bins.length} bins, observations: Asimov data at mu = ${asimovPoi}\n`);
    return 0;
  } finally {
    mlp.dispose();
  }
}
