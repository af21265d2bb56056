/**
 * The experiment commands of the CLI (`inferno`, `ablate`, `neos`; the analysis commands
 * `train`, `evaluate`, `export`, `apply` and `ablate --config` are in analysis.ts): option
 * handling, runs, `results.json`, `report.md` and plots. Loaded lazily by src/cli.ts, so the
 * statistics commands never load TensorFlow.js.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BACKEND_REQUESTS, initBackend, type BackendRequest } from '../src/autodiff/backend.js';
import { compileAnalysis } from '../src/models/config/index.js';
import { evaluateCounts } from '../src/models/evaluate.js';
import { hardTemplates } from '../src/models/fill.js';
import type { MethodName } from '../src/models/methods.js';
import { trainAnalysis } from '../src/models/train-analysis.js';
import { DIFFINFER_VERSION } from '../src/models/bundle.js';
import { InputError, NumericalError } from '../src/stats/errors.js';
import { writeFileAtomic } from '../src/stats/io.js';
import { discoverySignificance, expectedCls } from '../src/stats/objectives/index.js';
import { INFERNO_ANALYTIC_FLOOR, infernoPaperWidths, type InfernoBenchmark } from './inferno/benchmarks.js';
import { profileCurve } from './inferno/evaluate.js';
import { INFERNO_DEFAULTS, INFERNO_METHODS, trainInfernoSeed, type InfernoMethod, type InfernoRunConfig, type TrainedSeed } from './inferno/run.js';
import { neosConfig } from './neos/problem.js';
import { distributionPlot, profileCurvePlot, renderReport, trainingCurvesPlot, writePlot, type ExperimentResults, type FailedRun, type PaperRow, type ReportPlot, type SeedResult } from './report/index.js';
import { BUILTIN_SIMULATORS } from './simulators/registry.js';
import { collectUnits, runUnits, trainingUnits, UnitStore, type TrainingUnit } from './units.js';

const VERSION = DIFFINFER_VERSION;

/** Parses `0-4` or `0,2,4` into benchmark numbers. */
export function parseBenchmarks(spec: string, flag = '--benchmarks'): InfernoBenchmark[] {
  const out = new Set<number>();
  for (const part of spec.split(',')) {
    const m = /^\s*(\d)\s*(?:-\s*(\d)\s*)?$/.exec(part);
    if (!m) throw new InputError('argument', `${flag} ${spec}`, 'expected benchmarks 0-4 as a list or a range, e.g. 0-4 or 2,4');
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo || hi > 4) throw new InputError('argument', `${flag} ${spec}`, 'benchmarks are 0 to 4');
    for (let b = lo; b <= hi; b++) out.add(b);
  }
  return [...out].sort() as InfernoBenchmark[];
}

/** Parses a comma-separated list of methods among `allowed` (names of the method registry). */
export function parseMethods<M extends MethodName>(spec: string, allowed: readonly M[], flag: string): M[] {
  const list = spec.split(',').map((s) => s.trim()).filter(Boolean);
  if (list.length === 0) throw new InputError('argument', flag, 'is empty');
  const out: M[] = [];
  for (const m of list) {
    const found = allowed.find((a) => a === m);
    if (!found) throw new InputError('argument', `${flag} ${spec}`, `unknown "${m}" (expected ${allowed.join(', ')})`);
    if (!out.includes(found)) out.push(found);
  }
  return out;
}

/** Loads tfjs with the backend asked for on the command line (or DIFFINFER_BACKEND / auto). */
export async function backend(value: string | undefined): Promise<void> {
  if (value !== undefined && !(BACKEND_REQUESTS as readonly string[]).includes(value)) {
    throw new InputError('argument', `--backend ${value}`, `unknown backend (expected ${BACKEND_REQUESTS.join(', ')})`);
  }
  await initBackend({ request: value as BackendRequest | undefined });
}

export function positiveInteger(value: unknown, flag: string): number {
  const x = Number(value);
  if (!Number.isInteger(x) || x < 1) throw new InputError('argument', flag, `expected a positive integer, got "${String(value)}"`);
  return x;
}

function fraction(value: unknown, flag: string): number {
  const x = Number(value);
  if (!(x > 0 && x <= 1)) throw new InputError('argument', flag, `expected a number in (0, 1], got "${String(value)}"`);
  return x;
}

function positiveNumber(value: unknown, flag: string): number {
  const x = Number(value);
  if (!(x > 0) || !Number.isFinite(x)) throw new InputError('argument', flag, `expected a positive number, got "${String(value)}"`);
  return x;
}

/** Options shared by `inferno` and `ablate`. */
export interface TrainingCliOptions {
  seeds: string;
  epochs: string;
  out: string;
  trainEvents?: string;
  testEvents?: string;
  batch?: string;
  lr?: string;
  patience?: string;
  variationFraction?: string;
  backend?: string;
  progress?: boolean;
  /** Keep the finished runs of `out` (same configuration) and run only the missing or failed ones. */
  resume?: boolean;
}

function runConfig(o: TrainingCliOptions): Omit<InfernoRunConfig, 'benchmark' | 'method'> & { seeds: number; testEvents: number } {
  return {
    ...INFERNO_DEFAULTS,
    epochs: positiveInteger(o.epochs, '--epochs'),
    seeds: positiveInteger(o.seeds, '--seeds'),
    trainEvents: o.trainEvents ? positiveInteger(o.trainEvents, '--train-events') : INFERNO_DEFAULTS.trainEvents,
    validationEvents: Math.ceil((o.trainEvents ? positiveInteger(o.trainEvents, '--train-events') : INFERNO_DEFAULTS.trainEvents) / 4),
    variationFraction: o.variationFraction === undefined ? INFERNO_DEFAULTS.variationFraction : fraction(o.variationFraction, '--variation-fraction'),
    testEvents: o.testEvents ? positiveInteger(o.testEvents, '--test-events') : 1_000_000,
    batch: o.batch ? positiveInteger(o.batch, '--batch') : INFERNO_DEFAULTS.batch,
    learningRate: o.lr ? positiveNumber(o.lr, '--lr') : INFERNO_DEFAULTS.learningRate,
    ...(o.patience ? { patience: positiveInteger(o.patience, '--patience') } : {}),
  };
}

function paperRows(benchmarks: readonly InfernoBenchmark[]): PaperRow[] {
  const source = 'INFERNO, arXiv:1806.04743, Table 2';
  return benchmarks.flatMap((b) => {
    const p = infernoPaperWidths(b);
    return [
      { benchmark: b, method: 'inferno', sigma: p.inferno, source },
      { benchmark: b, method: 'bce', sigma: p.nnClassifier, source: `${source} (NN classifier)` },
    ];
  });
}

/** Writes results.json, the plots and report.md; returns the report text. */
export function writeOutputs(out: string, results: ExperimentResults, extraPlots: ReportPlot[]): string {
  const plots: ReportPlot[] = [];
  const rel = (p: string) => p.slice(out.length + 1);
  const benchmarks = [...new Set(results.results.map((r) => r.benchmark))];
  for (const b of benchmarks) {
    const runs = results.results.filter((r) => r.benchmark === b && r.history.length > 0);
    if (runs.length === 0) continue;
    const analysis = results.command === 'analysis';
    const files = writePlot(trainingCurvesPlot(runs, { benchmark: b, poi: results.command === 'neos' || analysis ? 'mu' : 's' }), join(out, 'plots', analysis ? 'training' : `training-b${b}`));
    plots.push({ title: analysis ? 'Training curves' : `Training curves, benchmark ${b}`, svg: rel(files.svg), png: rel(files.png) });
  }
  plots.push(...extraPlots.map((p) => ({ ...p, svg: p.svg.startsWith(out) ? rel(p.svg) : p.svg, png: p.png && (p.png.startsWith(out) ? rel(p.png) : p.png) })));
  writeFileAtomic(join(out, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  const report = renderReport(results, { plots });
  writeFileAtomic(join(out, 'report.md'), report);
  return report;
}

/**
 * What one INFERNO training unit leaves in its unit file: the result row and, for seed 0, the
 * data of its plots (hard-bin histograms per process and variation, the profile-likelihood
 * curve), so that the plots are drawn from the unit files at the end, resumed or not.
 */
interface InfernoUnitOutput {
  readonly result: SeedResult;
  readonly distribution?: Array<{ process: string; counts: number[] }>;
  readonly curve?: Array<{ s: number; deltaNll: number }>;
}

/** The plot data of a trained seed (see {@link InfernoUnitOutput}). */
function plotData(trained: TrainedSeed): Pick<InfernoUnitOutput, 'distribution' | 'curve'> {
  const ev = trained.evaluation;
  const distribution = distributionOf(ev.analysis.plan(), ev.counts);
  try {
    return { distribution, curve: profileCurve(ev).points.map((p) => ({ s: p.s, deltaNll: p.deltaNll })) };
  } catch (e) {
    // the curve is a plot: its failure leaves the run's numbers standing
    if (!(e instanceof NumericalError)) throw e;
    process.stderr.write(`diffinfer:   no profile curve plot (${e.message})\n`);
    return { distribution };
  }
}

/** The hard-bin histograms per sample and variation of the learned channels, for distribution plots. */
export function distributionOf(plan: ReturnType<TrainedSeed['evaluation']['analysis']['plan']>, counts: Float64Array): Array<{ process: string; counts: number[] }> {
  const names: Record<string, string> = { nominal: '', up: ' up', down: ' down' };
  const learned = plan.filter((e) => e.fill.kind === 'summary' && e.slot.role !== 'sumw2');
  const channels = new Set(learned.map((e) => e.slot.channel));
  return learned.map((e) => ({
    process: `${channels.size > 1 ? `${e.slot.channel} ` : ''}${e.slot.sample}${e.slot.modifier && e.slot.role !== 'nominal' ? ` ${e.slot.modifier}` : ''}${names[e.slot.role]}`,
    counts: Array.from(counts.subarray(e.slot.offset, e.slot.offset + e.slot.bins)),
  }));
}

/**
 * Test hooks of {@link infernoCommand}: `beforeUnit` runs inside a unit (a throw there fails the
 * unit, as a failed training would), `afterUnit` after its file is written (a throw there stops
 * the command, as a kill would).
 */
export interface UnitHooks {
  readonly beforeUnit?: (unit: TrainingUnit) => void;
  readonly afterUnit?: (unit: TrainingUnit) => void;
}

/**
 * `diffinfer inferno` and `diffinfer ablate`: trains methods on benchmarks over seeds. Every
 * run (benchmark x method x seed, experiments/units.ts) writes its own file in `out/units/` as
 * it ends; `results.json`, `report.md` and the plots are assembled from those files in unit
 * order. With `resume` the finished runs of an earlier call with the same configuration are
 * kept and only the missing or failed ones run. A run that fails is recorded and reported;
 * the command then returns 1 after writing the table.
 */
export async function infernoCommand(kind: 'inferno' | 'ablate', benchmarks: readonly InfernoBenchmark[], methods: readonly InfernoMethod[], o: TrainingCliOptions, hooks: UnitHooks = {}): Promise<number> {
  const cfg = runConfig(o);
  const progress = o.progress ?? process.stderr.isTTY;
  const config = { ...cfg, benchmarks, methods };
  const units = trainingUnits(benchmarks, methods, cfg.seeds);
  const resume = o.resume ?? false;
  const run = { command: kind, config, units };
  const unitDir = join(o.out, 'units');
  try {
    if (resume) UnitStore.checkResumable(unitDir, run); // fails fast, before tfjs loads
  } catch (e) {
    if (e instanceof InputError && e.kind === 'argument') throw new InputError('argument', '--resume', e.message);
    throw e;
  }
  await backend(o.backend); // before the store: a bad backend must not clear a folder's runs
  const store = UnitStore.open<InfernoUnitOutput>(unitDir, run, { resume });
  const modelDir = (u: TrainingUnit) => (kind === 'inferno' && benchmarks.length === 1 ? join(u.method, `seed-${u.seed}`) : join(`b${u.benchmark}`, u.method, `seed-${u.seed}`));
  const label = (u: TrainingUnit) => `benchmark ${u.benchmark}, ${u.method}, seed ${u.seed}`;
  await runUnits(
    store,
    units,
    async (u): Promise<InfernoUnitOutput> => {
      process.stderr.write(`diffinfer: ${label(u)}\n`);
      hooks.beforeUnit?.(u);
      const method = INFERNO_METHODS.find((m) => m === u.method)!;
      const trained = await trainInfernoSeed({ ...cfg, progress, benchmark: u.benchmark as InfernoBenchmark, method }, u.seed, cfg.testEvents, { out: o.out, modelDir: modelDir(u) });
      try {
        process.stderr.write(`diffinfer:   sigma_s ${trained.result.sigmaFisher.toFixed(2)} (Fisher), ${trained.result.sigmaProfile.toFixed(2)} (profile); ${trained.result.secondsPerEpoch.toFixed(2)} s per epoch\n`);
        return { result: trained.result, ...(u.seed === 0 ? plotData(trained) : {}) };
      } finally {
        trained.summary.dispose();
      }
    },
    {
      resume,
      onSkip: (u) => process.stderr.write(`diffinfer: ${label(u)}: finished in an earlier run, kept\n`),
      afterUnit: (u, r) => {
        if (r.status === 'failed') process.stderr.write(`diffinfer:   failed: ${r.error.name}: ${r.error.message}\n`);
        hooks.afterUnit?.(u);
      },
    },
  );

  // Assembly: from the unit files, in unit order (the same tables resumed or not).
  const records = collectUnits(store, units);
  const results: SeedResult[] = [];
  const failures: FailedRun[] = [];
  const extraPlots: ReportPlot[] = [];
  for (const benchmark of benchmarks) {
    const curves: Array<{ method: string; points: { s: number; deltaNll: number }[] }> = [];
    for (const { unit, record } of records.filter((r) => r.unit.benchmark === benchmark)) {
      const method = INFERNO_METHODS.find((m) => m === unit.method)!;
      if (record?.status !== 'done') {
        failures.push({ benchmark, method, seed: unit.seed, error: record?.status === 'failed' ? record.error : { name: 'Error', message: 'did not run' } });
        continue;
      }
      results.push(record.output.result);
      const name = `b${benchmark}-${method}`;
      if (record.output.distribution) {
        const files = writePlot(distributionPlot({ histograms: record.output.distribution }, { title: `${name}: hard-binned summary per process and variation`, normalise: true }), join(o.out, 'plots', `distributions-${name}`));
        extraPlots.push({ title: `Summary distributions, ${name}`, svg: files.svg, png: files.png });
      }
      if (record.output.curve) curves.push({ method: name, points: record.output.curve });
    }
    if (curves.length > 0) {
      const files = writePlot(profileCurvePlot(curves, { title: `Benchmark ${benchmark}: profile likelihood of s (test sample, seed 0)` }), join(o.out, 'plots', `profile-b${benchmark}`));
      extraPlots.push({ title: `Profile likelihood, benchmark ${benchmark}`, svg: files.svg, png: files.png });
    }
  }
  const experiment: ExperimentResults = {
    command: kind,
    date: new Date().toISOString(),
    version: VERSION,
    config,
    results,
    ...(failures.length > 0 ? { failures } : {}),
    reference: { paper: paperRows(benchmarks), analyticFloor: [...INFERNO_ANALYTIC_FLOOR] },
  };
  const report = writeOutputs(o.out, experiment, extraPlots);
  process.stdout.write(report);
  if (failures.length > 0) {
    process.stderr.write(`diffinfer: ${failures.length} of ${units.length} runs failed (listed in ${join(o.out, 'report.md')}); rerun them with --resume\n`);
    return 1;
  }
  return 0;
}

/** neos objectives. */
export const NEOS_OBJECTIVES = ['cls', 'inferno', 'z0', 'bce'] as const satisfies readonly MethodName[];
export type NeosObjective = (typeof NEOS_OBJECTIVES)[number];

/** `diffinfer neos`: the neos problem (experiments/neos `neosConfig`) with each objective; reports CLs, sigma_mu and Z0. */
export async function neosCommand(objectives: readonly NeosObjective[], o: { seeds: string; steps: string; out: string; backend?: string; progress?: boolean }): Promise<number> {
  const seeds = positiveInteger(o.seeds, '--seeds');
  const steps = positiveInteger(o.steps, '--steps');
  await backend(o.backend);
  mkdirSync(o.out, { recursive: true });
  const results: SeedResult[] = [];
  const cache = new Map<string, Float32Array>();
  const every = Math.max(1, Math.round(steps / 20));
  for (const objective of objectives) {
    for (let seed = 0; seed < seeds; seed++) {
      process.stderr.write(`diffinfer: neos, ${objective}, seed ${seed}\n`);
      const raw = neosConfig(objective, seed, { steps });
      const compiled = await compileAnalysis(raw, { simulators: BUILTIN_SIMULATORS, cache });
      const history: SeedResult['history'] = [];
      let epochStart = performance.now();
      const modelDir = join(objective, `seed-${seed}`);
      const trained = await trainAnalysis(compiled, {
        out: join(o.out, modelDir),
        source: { config: raw as Record<string, unknown>, baseDir: process.cwd() },
        progress: o.progress ?? process.stderr.isTTY,
        onStep: (s) => {
          if (s.validation !== undefined) {
            history.push({ epoch: s.step / every, loss: s.loss, validation: s.validation, seconds: (performance.now() - epochStart) / 1000 });
            epochStart = performance.now();
          }
        },
      });
      try {
        // the training floor (1e-3 per count, as neos's hists_from_nn) is on the hard templates
        // too (the config's hardFloor): a background-free bin keeps a finite discovery significance
        const counts = hardTemplates(trained.summary, compiled.analysis, compiled.datasets.test!);
        const ev = evaluateCounts(compiled.analysis, counts, { profile: true });
        const { templateModel: tm, counts: merged } = ev.merged;
        results.push({
          method: objective,
          benchmark: 0,
          seed,
          sigmaFisher: ev.sigmaFisher,
          sigmaProfile: ev.sigmaProfile!,
          cls: expectedCls(tm, merged).value,
          z0: discoverySignificance(tm, merged).value,
          epochs: history.length,
          trainSeconds: trained.seconds,
          secondsPerEpoch: trained.seconds / Math.max(1, history.length),
          history,
          modelDir,
        });
      } finally {
        trained.summary.dispose();
      }
    }
  }
  const experiment: ExperimentResults = { command: 'neos', date: new Date().toISOString(), version: VERSION, config: { objectives, seeds, steps, bins: 4, binning: neosConfig('cls', 0, { steps }).summary }, results };
  process.stdout.write(writeOutputs(o.out, experiment, []));
  return 0;
}

export { INFERNO_METHODS };
