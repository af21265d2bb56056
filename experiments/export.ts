/**
 * `diffinfer export DIR --out ws.json`: a trained analysis (its bundle) as a pyhf workspace —
 * the hard templates of the test split of every channel, written by
 * `TemplateModel.exportWorkspace` in pyhf's form (see src/stats/templates/export.ts), readable
 * by pyhf and by `diffinfer fit/cls/limit`.
 *
 * Built-in problems are bundles like any other: an INFERNO bundle can be exported for another
 * benchmark's nuisances (`benchmark`), and a simulated test split can be given another size
 * (`events`).
 */
import { openBundle, readBundle } from '../src/models/bundle.js';
import { hardTemplates } from '../src/models/fill.js';
import { InputError } from '../src/stats/errors.js';
import { writeFileAtomic } from '../src/stats/io.js';
import type { TemplateExport } from '../src/stats/templates/index.js';
import { infernoBenchmarkConfig, type InfernoBenchmark } from './inferno/benchmarks.js';
import { BUILTIN_SIMULATORS } from './simulators/registry.js';

/** The lines `diffinfer export` prints on stderr about an export. */
export function exportReport(e: TemplateExport): string[] {
  return [
    ...e.notes.map((n) => `diffinfer: note: ${n}`),
    ...Object.entries(e.renamed).map(([from, to]) => `diffinfer: note: parameter "${from}" is "${to}" in the workspace`),
    ...e.approximations.map((a) => `diffinfer: approximation: ${a}`),
  ];
}

/** Options of {@link exportBundle}. */
export interface ExportOptions {
  /** Events per simulated sample of the test split (simulated configs only). */
  readonly events?: number;
  /** Observations: Asimov data at this POI value; default 0. */
  readonly asimovPoi?: number;
  /** INFERNO bundles: the benchmark whose nuisances the workspace carries (default the one trained on). */
  readonly benchmark?: InfernoBenchmark;
}

/**
 * The workspace of a bundle (see the module comment).
 *
 * @throws InputError naming the bundle or the option (a benchmark for a bundle that is no
 *   INFERNO analysis, events for a config read from files).
 * @example
 * ```ts
 * const { export: e } = await exportBundle('runs/ex/inferno');
 * writeFileSync('ws.json', JSON.stringify(e.workspace));
 * ```
 */
export async function exportBundle(dir: string, options: ExportOptions = {}): Promise<{ export: TemplateExport; label: string }> {
  const stored = readBundle(dir);
  let config = stored.config;
  if (options.benchmark !== undefined) config = infernoBenchmarkConfig(config, options.benchmark, 'benchmark');
  if (options.events !== undefined) {
    const sim = (config as { simulation?: { test: { events: number; seed: string | number } } }).simulation;
    if (!sim) throw new InputError('argument', 'events', `the analysis "${stored.name}" reads its events from files; its test split is set by the config's split fractions`);
    config = { ...config, simulation: { ...sim, test: { ...sim.test, events: options.events } } };
  }
  const opened = await openBundle(dir, { splits: ['test'], simulators: BUILTIN_SIMULATORS, config });
  try {
    const { analysis } = opened.compiled;
    const counts = hardTemplates(opened.summary, analysis, opened.compiled.datasets.test!);
    const e = analysis.templateModel.exportWorkspace(counts, { asimovPoi: options.asimovPoi ?? 0 });
    return { export: e, label: opened.compiled.config.name };
  } finally {
    opened.summary.dispose();
  }
}

/**
 * Writes the workspace of a bundle to `out` (atomically) and the export's notes to stderr.
 *
 * @example
 * ```ts
 * await exportToFile('runs/ex/inferno', 'ws.json', {});
 * ```
 */
export async function exportToFile(dir: string, out: string, options: ExportOptions): Promise<number> {
  const { export: e, label } = await exportBundle(dir, options);
  writeFileAtomic(out, `${JSON.stringify(e.workspace, null, 2)}\n`);
  for (const line of exportReport(e)) process.stderr.write(`${line}\n`);
  process.stderr.write(`diffinfer: wrote ${out}: ${label}, ${e.workspace.channels.length} channel${e.workspace.channels.length === 1 ? '' : 's'}, ${e.bins.length} bins, observations: Asimov data at mu = ${options.asimovPoi ?? 0}\n`);
  return 0;
}
