/**
 * The analysis commands of the CLI — what a user runs on their own analysis config:
 *
 * - `train CONFIG --out DIR [--method M]`: compiles the config (every config and event error
 *   before anything is written), trains the summary (progress bar, checkpoints, `--resume`) and
 *   writes the bundle `DIR/<method>/` with a report (training curves, hard-binned distributions
 *   and the widths on the validation split);
 * - `evaluate DIR`: every bundle in DIR (or DIR itself) on the test split with hard histograms —
 *   Fisher and profile widths, the expected 95% CLs upper limit, the method's objective — and the
 *   comparison with a BCE-trained bundle when DIR has one (`evaluation.json`, `evaluation.md`);
 * - `export DIR --out ws.json` (export.ts) and `apply DIR --input FILE` (apply.ts);
 * - `ablate --config CONFIG --methods ... --seeds K --out DIR`: methods x seeds as units
 *   (experiments/units.ts: one file per run, `--resume`, failures recorded), each a bundle
 *   `DIR/<method>/seed-<k>/`, evaluated on the test split; `results.json`, `report.md`, plots.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isBundle, openBundle, readBundle } from '../src/models/bundle.js';
import { compileAnalysis, loadAnalysisConfig, type CompiledAnalysis, type LoadedConfig } from '../src/models/config/index.js';
import { evaluateCounts, type HardEvaluation } from '../src/models/evaluate.js';
import { hardTemplates } from '../src/models/fill.js';
import { METHOD_NAMES, type MethodName } from '../src/models/methods.js';
import { trainAnalysis } from '../src/models/train-analysis.js';
import type { StepRecord } from '../src/models/trainer.js';
import { InputError, NumericalError } from '../src/stats/errors.js';
import { writeFileAtomic } from '../src/stats/io.js';
import { applyBundle } from './apply.js';
import { backend, distributionOf, parseBenchmarks, parseMethods, positiveInteger, writeOutputs } from './commands.js';
import { exportToFile } from './export.js';
import { distributionPlot, formatNumber, writePlot, type EpochRecord, type ExperimentResults, type FailedRun, type ReportPlot, type SeedResult } from './report/index.js';
import { BUILTIN_SIMULATORS } from './simulators/registry.js';
import { analysisUnits, collectUnits, runUnits, UnitStore, type AnalysisUnit } from './units.js';

const simulators = BUILTIN_SIMULATORS;

/** Validation records folded into report epochs: the mean loss since the last validation. */
function epochRecorder(): { onStep: (r: StepRecord) => void; history: EpochRecord[] } {
  const history: EpochRecord[] = [];
  let loss = 0;
  let steps = 0;
  let t0 = performance.now();
  return {
    history,
    onStep: (r) => {
      loss += r.loss;
      steps++;
      if (r.validation !== undefined || r.validationLoss !== undefined) {
        history.push({ epoch: history.length + 1, loss: loss / steps, ...(r.validation !== undefined ? { validation: r.validation } : {}), seconds: (performance.now() - t0) / 1000 });
        loss = 0;
        steps = 0;
        t0 = performance.now();
      }
    },
  };
}

/** A config with its training seed set (the summary's initial weights follow it unless the config fixes them). */
function withSeed(raw: unknown, seed: number): Record<string, unknown> {
  const r = raw as Record<string, unknown>;
  return { ...r, training: { ...((r.training as Record<string, unknown> | undefined) ?? {}), seed } };
}

/** The numbers of a hard evaluation as a report row. */
function seedResult(method: MethodName, seed: number, ev: HardEvaluation, history: EpochRecord[], seconds: number, modelDir: string): SeedResult {
  return {
    method,
    benchmark: 0,
    seed,
    sigmaFisher: ev.sigmaFisher,
    sigmaProfile: ev.sigmaProfile ?? NaN,
    ...(ev.limit ? { limit: ev.limit[2] } : {}),
    epochs: history.length,
    trainSeconds: seconds,
    secondsPerEpoch: seconds / Math.max(1, history.length),
    history,
    modelDir,
  };
}

/** Options of `diffinfer train`. */
export interface TrainCliOptions {
  readonly out: string;
  readonly method?: string;
  readonly resume?: boolean;
  readonly backend?: string;
  readonly progress?: boolean;
}

function methodOption(value: string | undefined, flag: string): MethodName | undefined {
  return value === undefined ? undefined : parseMethods(value, METHOD_NAMES, flag)[0];
}

/** Compiles a loaded config, naming the config file in the path of an error. */
async function compileLoaded(loaded: LoadedConfig, options: Omit<Parameters<typeof compileAnalysis>[1] & object, 'baseDir' | 'simulators'>, raw: unknown = loaded.config): Promise<CompiledAnalysis> {
  try {
    return await compileAnalysis(raw, { ...options, baseDir: loaded.baseDir, simulators });
  } catch (e) {
    if (e instanceof InputError) throw new InputError(e.kind, `${loaded.path}: ${e.where}`, e.problem);
    throw e;
  }
}

/** `diffinfer train CONFIG --out DIR`: see the module comment. */
export async function trainCommand(configPath: string, o: TrainCliOptions): Promise<number> {
  const loaded = loadAnalysisConfig(configPath);
  const method = methodOption(o.method, '--method') ?? loaded.config.training.method;
  // every config and event error before anything is written
  const compiled = await compileLoaded(loaded, { method, splits: ['train', 'validation'] });
  await backend(o.backend);
  const dir = join(o.out, method);
  if (!o.resume && isBundle(dir)) process.stderr.write(`diffinfer: ${dir} holds a trained ${readBundle(dir).method} analysis; it is replaced\n`);
  const rec = epochRecorder();
  process.stderr.write(`diffinfer: training ${method} on ${loaded.config.name}: ${compiled.config.training.steps} steps, ${compiled.analysis.datasetNames().length} datasets, ${compiled.analysis.templateModel.size} template counts\n`);
  const trained = await trainAnalysis(compiled, { out: dir, source: { config: loaded.raw as Record<string, unknown>, baseDir: loaded.baseDir }, resume: o.resume ?? false, progress: o.progress ?? process.stderr.isTTY, onStep: rec.onStep });
  try {
    const counts = hardTemplates(trained.summary, compiled.analysis, compiled.datasets.validation!);
    let ev: HardEvaluation;
    try {
      ev = evaluateCounts(compiled.analysis, counts, { profile: true, limit: true, method: compiled.method, testPoi: compiled.config.training.testPoi });
    } catch (e) {
      // the report's numbers, not the training's: the bundle is saved; say why the limit is missing
      if (!(e instanceof NumericalError)) throw e;
      process.stderr.write(`diffinfer: note: no expected limit on the validation split (${e.message})\n`);
      ev = evaluateCounts(compiled.analysis, counts, { profile: true, method: compiled.method, testPoi: compiled.config.training.testPoi });
    }
    const row = seedResult(method, compiled.config.training.seed, ev, rec.history, trained.seconds, '.');
    const plots: ReportPlot[] = [];
    const files = writePlot(distributionPlot({ histograms: distributionOf(compiled.analysis.plan(), counts) }, { title: `${loaded.config.name}, ${method}: hard-binned summary (validation split)`, normalise: true }), join(dir, 'plots', 'distributions'));
    plots.push({ title: 'Summary distributions (validation split)', svg: files.svg, png: files.png });
    const results: ExperimentResults = {
      command: 'analysis',
      label: `${loaded.config.name} (validation split)`,
      date: new Date().toISOString(),
      version: trained.bundle!.versions.diffinfer,
      config: { config: configPath, method, steps: trained.result.steps, status: trained.result.status, bestStep: trained.result.best?.step },
      results: [row],
    };
    writeOutputs(dir, results, plots);
    const json = {
      bundle: dir,
      method,
      status: trained.result.status,
      steps: trained.result.steps,
      best_step: trained.result.best?.step,
      seconds: trained.seconds,
      validation: { sigma_fisher: ev.sigmaFisher, sigma_profile: ev.sigmaProfile, cls_limit_exp: ev.limit, objective: ev.objective },
      ...(trained.result.message ? { message: trained.result.message } : {}),
    };
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
    return 0;
  } finally {
    trained.summary.dispose();
  }
}

/** The bundles of DIR: DIR itself, or the bundles among its subfolders and theirs (`<method>/`, `<method>/seed-<k>/`), sorted. */
export function bundlesIn(dir: string): string[] {
  if (isBundle(dir)) return [dir];
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new InputError('io', dir, 'is not a folder written by diffinfer train');
  const sub = (d: string) => readdirSync(d).filter((f) => statSync(join(d, f)).isDirectory()).sort();
  const found: string[] = [];
  for (const a of sub(dir)) {
    if (isBundle(join(dir, a))) found.push(join(dir, a));
    else for (const b of sub(join(dir, a))) if (isBundle(join(dir, a, b))) found.push(join(dir, a, b));
  }
  if (found.length === 0) throw new InputError('io', dir, 'holds no trained analysis (no bundle.json in it or its subfolders)');
  return found;
}

/** The one bundle of DIR (DIR itself, or its only bundle subfolder). */
export function oneBundle(dir: string): string {
  const all = bundlesIn(dir);
  if (all.length > 1) throw new InputError('argument', dir, `holds ${all.length} trained analyses (${all.map((a) => a.slice(dir.length + 1)).join(', ')}); name one, e.g. ${all[0]}`);
  return all[0];
}

/** One bundle's numbers on the test split. */
export interface BundleEvaluation {
  readonly bundle: string;
  readonly name: string;
  readonly method: MethodName;
  readonly sigma_fisher: number;
  readonly sigma_profile: number;
  readonly interval: readonly [number, number];
  /** The expected 95% CLs upper limit, -2 to +2 sigma. */
  readonly cls_limit_exp: readonly number[];
  /** The method's objective at the hard templates (what `diffinfer fit/cls` give on the export). */
  readonly objective?: number;
  readonly bins: number;
}

/**
 * Evaluates one bundle on its test split (see the module comment).
 *
 * @example
 * ```ts
 * const e = await evaluateBundle('runs/ex/inferno'); // { sigma_profile, cls_limit_exp, ... }
 * ```
 */
export async function evaluateBundle(dir: string, options: { readonly cache?: Map<string, Float32Array> } = {}): Promise<BundleEvaluation & { readonly counts: Float64Array; readonly compiled: CompiledAnalysis }> {
  const opened = await openBundle(dir, { splits: ['test'], simulators, ...(options.cache ? { cache: options.cache } : {}) });
  try {
    const { compiled } = opened;
    const counts = hardTemplates(opened.summary, compiled.analysis, compiled.datasets.test!);
    const ev = evaluateCounts(compiled.analysis, counts, { profile: true, limit: true, method: compiled.method, testPoi: compiled.config.training.testPoi });
    return {
      bundle: dir,
      name: compiled.config.name,
      method: compiled.method.name,
      sigma_fisher: ev.sigmaFisher,
      sigma_profile: ev.sigmaProfile!,
      interval: ev.interval!,
      cls_limit_exp: ev.limit!,
      ...(ev.objective !== undefined ? { objective: ev.objective } : {}),
      bins: ev.merged.groups.length,
      counts,
      compiled,
    };
  } finally {
    opened.summary.dispose();
  }
}

/** `diffinfer evaluate DIR`: see the module comment. */
export async function evaluateCommand(dir: string, o: { readonly backend?: string; readonly output?: string }): Promise<number> {
  const dirs = bundlesIn(dir);
  for (const d of dirs) readBundle(d); // every bundle valid before tfjs loads
  await backend(o.backend);
  const rows: BundleEvaluation[] = [];
  const plots: ReportPlot[] = [];
  const cache = new Map<string, Float32Array>();
  for (const d of dirs) {
    process.stderr.write(`diffinfer: evaluating ${d} on its test split\n`);
    const { counts, compiled, ...row } = await evaluateBundle(d, { cache });
    rows.push(row);
    const name = join('plots', `test-distributions-${row.method}`);
    writePlot(distributionPlot({ histograms: distributionOf(compiled.analysis.plan(), counts) }, { title: `${row.name}, ${row.method}: hard-binned summary (test split)`, normalise: true }), join(dir, name));
    plots.push({ title: `${row.method}: summary distributions (test split)`, svg: `${name}.svg`, png: `${name}.png` });
  }
  const bce = rows.find((r) => r.method === 'bce');
  const comparison = bce
    ? rows
        .filter((r) => r !== bce)
        .map((r) => ({ method: r.method, versus: 'bce', profile_width_ratio: r.sigma_profile / bce.sigma_profile, narrower_by: 1 - r.sigma_profile / bce.sigma_profile, limit_ratio: r.cls_limit_exp[2] / bce.cls_limit_exp[2] }))
    : [];
  const json = { analyses: rows, ...(comparison.length > 0 ? { comparison } : {}) };
  const text = `${JSON.stringify(json, null, 2)}\n`;
  writeFileAtomic(join(dir, 'evaluation.json'), text);
  const md = [
    `# Evaluation of ${rows[0].name} (test split, hard histograms)`,
    '',
    '| method | sigma_mu (Fisher) | sigma_mu (profile) | 68% interval | expected 95% CLs limit [-1, +1 sigma] | objective | bins |',
    '|---|---:|---:|---|---:|---:|---:|',
    ...rows.map((r) => `| ${r.method} | ${formatNumber(r.sigma_fisher, 4)} | ${formatNumber(r.sigma_profile, 4)} | [${formatNumber(r.interval[0], 3)}, ${formatNumber(r.interval[1], 3)}] | ${formatNumber(r.cls_limit_exp[2], 3)} [${formatNumber(r.cls_limit_exp[1], 3)}, ${formatNumber(r.cls_limit_exp[3], 3)}] | ${r.objective === undefined ? '' : formatNumber(r.objective, 4)} | ${r.bins} |`),
    '',
    ...(comparison.length > 0 ? ['Against BCE:', '', ...comparison.map((c) => `- ${c.method}: profile width ${formatNumber(100 * c.narrower_by, 1)}% narrower than bce (ratio ${formatNumber(c.profile_width_ratio, 3)}), expected limit ratio ${formatNumber(c.limit_ratio, 3)}`), ''] : []),
    '## Plots',
    '',
    ...plots.map((p) => `- ${p.title}: [${p.svg}](${p.svg})${p.png ? `, [${p.png}](${p.png})` : ''}`),
    '',
  ].join('\n');
  writeFileAtomic(join(dir, 'evaluation.md'), md);
  if (o.output) writeFileAtomic(o.output, text);
  else process.stdout.write(text);
  return 0;
}

/** Options of `diffinfer export` (the CLI's strings). */
export interface ExportCliOptions {
  readonly out: string;
  readonly benchmark?: string;
  readonly events?: string;
  readonly asimovPoi?: string;
  readonly backend?: string;
}

/** `diffinfer export DIR --out ws.json`. */
export async function exportCommand(dir: string, o: ExportCliOptions): Promise<number> {
  const events = o.events === undefined ? undefined : positiveInteger(o.events, '--events');
  const asimovPoi = o.asimovPoi === undefined ? 0 : Number(o.asimovPoi);
  if (o.asimovPoi !== undefined && (o.asimovPoi.trim() === '' || !Number.isFinite(asimovPoi))) throw new InputError('argument', '--asimov-poi', `expected a number, got "${o.asimovPoi}"`);
  let benchmark;
  if (o.benchmark !== undefined) {
    const list = parseBenchmarks(o.benchmark, '--benchmark');
    if (list.length !== 1) throw new InputError('argument', `--benchmark ${o.benchmark}`, 'expected one benchmark');
    benchmark = list[0];
  }
  const bundle = oneBundle(dir);
  readBundle(bundle);
  await backend(o.backend);
  try {
    return await exportToFile(bundle, o.out, { asimovPoi, ...(events !== undefined ? { events } : {}), ...(benchmark !== undefined ? { benchmark } : {}) });
  } catch (e) {
    // the library names its options; the CLI's are flags
    if (e instanceof InputError && (e.where === 'benchmark' || e.where === 'events')) throw new InputError(e.kind, `--${e.where}`, e.problem);
    throw e;
  }
}

/** `diffinfer apply DIR --input FILE --output FILE`. */
export async function applyCommand(dir: string, o: { readonly input: string; readonly output: string; readonly backend?: string }): Promise<number> {
  const bundle = oneBundle(dir);
  readBundle(bundle);
  await backend(o.backend);
  const r = await applyBundle({ bundle, input: o.input, output: o.output });
  process.stderr.write(`diffinfer: ${r.events} events into ${r.bins} bins written to ${o.output}\n`);
  return 0;
}

/** `diffinfer example --out DIR`: writes the example analysis (experiments/example.ts). */
export async function exampleCommand(o: { readonly out: string; readonly events?: string; readonly signalEvents?: string; readonly seed?: string }): Promise<number> {
  const events = o.events === undefined ? undefined : positiveInteger(o.events, '--events');
  const signalEvents = o.signalEvents === undefined ? undefined : positiveInteger(o.signalEvents, '--signal-events');
  const seed = o.seed === undefined ? undefined : Number(o.seed);
  if (seed !== undefined && !(Number.isInteger(seed) && seed >= 0)) throw new InputError('argument', '--seed', `expected a non-negative integer, got "${o.seed}"`);
  const { writeResonanceExample } = await import('./example.js');
  try {
    const r = writeResonanceExample(o.out, { ...(events !== undefined ? { events } : {}), ...(signalEvents !== undefined ? { signalEvents } : {}), ...(seed !== undefined ? { seed } : {}) });
    process.stderr.write(`diffinfer: wrote ${r.files.map((f) => join(o.out, f)).join(', ')}\n`);
  } catch (e) {
    if (e instanceof InputError && (e.where === 'events' || e.where === 'signalEvents')) throw new InputError(e.kind, e.where === 'events' ? '--events' : '--signal-events', e.problem);
    throw e;
  }
  return 0;
}

/** What one config-ablation unit leaves in its unit file. */
interface AnalysisUnitOutput {
  readonly result: SeedResult;
}

/** Options of `diffinfer ablate --config`. */
export interface AblateConfigOptions {
  readonly methods: string;
  readonly seeds: string;
  readonly out: string;
  readonly resume?: boolean;
  readonly backend?: string;
  readonly progress?: boolean;
}

/** Test hook of {@link ablateConfigCommand}: runs inside a unit (a throw fails the unit). */
export interface AnalysisUnitHooks {
  readonly beforeUnit?: (unit: AnalysisUnit) => void;
}

/** `diffinfer ablate --config CONFIG`: see the module comment. Returns 1 when a run failed (after writing the table). */
export async function ablateConfigCommand(configPath: string, o: AblateConfigOptions, hooks: AnalysisUnitHooks = {}): Promise<number> {
  const loaded: LoadedConfig = loadAnalysisConfig(configPath);
  const methods = parseMethods(o.methods, METHOD_NAMES, '--methods');
  const seeds = positiveInteger(o.seeds, '--seeds');
  const units = analysisUnits(methods, seeds);
  const config = { config: loaded.raw as Record<string, unknown>, baseDir: loaded.baseDir, methods, seeds };
  const run = { command: 'ablate-config', config, units };
  const unitDir = join(o.out, 'units');
  const resume = o.resume ?? false;
  try {
    if (resume) UnitStore.checkResumable(unitDir, run);
  } catch (e) {
    if (e instanceof InputError && e.kind === 'argument') throw new InputError('argument', '--resume', e.message);
    throw e;
  }
  // the config and its events are checked before anything is written
  for (const m of methods) await compileLoaded(loaded, { method: m, splits: ['train'] }, withSeed(loaded.raw, 0));
  await backend(o.backend);
  const store = UnitStore.open<AnalysisUnitOutput>(unitDir, run, { resume });
  const cache = new Map<string, Float32Array>();
  await runUnits(
    store,
    units,
    async (u): Promise<AnalysisUnitOutput> => {
      const method = methods.find((m) => m === u.method)!;
      process.stderr.write(`diffinfer: ${loaded.config.name}, ${method}, seed ${u.seed}\n`);
      hooks.beforeUnit?.(u);
      const raw = withSeed(loaded.raw, u.seed);
      const compiled = await compileLoaded(loaded, { method, cache }, raw);
      const rec = epochRecorder();
      const modelDir = join(method, `seed-${u.seed}`);
      const trained = await trainAnalysis(compiled, { out: join(o.out, modelDir), source: { config: raw, baseDir: loaded.baseDir }, progress: o.progress ?? process.stderr.isTTY, onStep: rec.onStep });
      try {
        const ev = evaluateCounts(compiled.analysis, hardTemplates(trained.summary, compiled.analysis, compiled.datasets.test!), { profile: true, limit: true });
        process.stderr.write(`diffinfer:   sigma_mu ${ev.sigmaFisher.toFixed(4)} (Fisher), ${ev.sigmaProfile!.toFixed(4)} (profile), expected 95% CLs limit ${ev.limit![2].toFixed(3)}\n`);
        return { result: seedResult(method, u.seed, ev, rec.history, trained.seconds, modelDir) };
      } finally {
        trained.summary.dispose();
      }
    },
    {
      resume,
      onSkip: (u) => process.stderr.write(`diffinfer: ${u.method}, seed ${u.seed}: finished in an earlier run, kept\n`),
      afterUnit: (_u, r) => {
        if (r.status === 'failed') process.stderr.write(`diffinfer:   failed: ${r.error.name}: ${r.error.message}\n`);
      },
    },
  );
  const results: SeedResult[] = [];
  const failures: FailedRun[] = [];
  for (const { unit, record } of collectUnits(store, units)) {
    if (record?.status === 'done') results.push(record.output.result);
    else failures.push({ benchmark: 0, method: methods.find((m) => m === unit.method)!, seed: unit.seed, error: record?.status === 'failed' ? record.error : { name: 'Error', message: 'did not run' } });
  }
  const experiment: ExperimentResults = {
    command: 'analysis',
    label: `${loaded.config.name} (test split)`,
    date: new Date().toISOString(),
    version: '0.1.0',
    config: { config: configPath, methods, seeds },
    results,
    ...(failures.length > 0 ? { failures } : {}),
  };
  process.stdout.write(writeOutputs(o.out, experiment, []));
  if (failures.length > 0) {
    process.stderr.write(`diffinfer: ${failures.length} of ${units.length} runs failed (listed in ${join(o.out, 'report.md')}); rerun them with --resume\n`);
    return 1;
  }
  return 0;
}
