/**
 * The experiment commands of the CLI (`inferno`, `ablate`, `neos`, `apply`, `export`): option
 * handling, runs, `results.json`, `report.md` and plots. Loaded lazily by src/cli.ts, so the
 * statistics commands never load TensorFlow.js.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BACKEND_REQUESTS, initBackend, type BackendRequest } from '../src/autodiff/backend.js';
import { Analysis, createMlp, evaluateHard, fitStandardisation, hardTemplateCounts, train, withoutEmptyBins, type Binning } from '../src/models/index.js';
import { InputError, NumericalError } from '../src/stats/errors.js';
import { writeFileAtomic } from '../src/stats/io.js';
import { cramerRaoWidth, discoverySignificance, expectedCls, profileWidth } from '../src/stats/objectives/index.js';
import { applyModel } from './apply.js';
import { INFERNO_ANALYTIC_FLOOR, infernoAnalysis, infernoPaperWidths, type InfernoBenchmark } from './inferno/benchmarks.js';
import { profileCurve } from './inferno/evaluate.js';
import { INFERNO_DEFAULTS, INFERNO_METHODS, infernoTestSample, trainInfernoSeed, type InfernoMethod, type InfernoRunConfig, type TrainedSeed } from './inferno/run.js';
import { neosAnalysis, simulateNeos } from './neos/problem.js';
import { distributionPlot, profileCurvePlot, renderReport, trainingCurvesPlot, writePlot, type ExperimentResults, type FailedRun, type PaperRow, type ReportPlot, type SeedResult } from './report/index.js';
import { simulateInferno } from './simulators/inferno.js';
import { collectUnits, runUnits, trainingUnits, UnitStore, type TrainingUnit } from './units.js';

const VERSION = '0.1.0';

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

/** Parses a comma-separated list of methods. */
export function parseMethods(spec: string, allowed: readonly string[], flag: string): string[] {
  const list = spec.split(',').map((s) => s.trim()).filter(Boolean);
  if (list.length === 0) throw new InputError('argument', flag, 'is empty');
  for (const m of list) if (!allowed.includes(m)) throw new InputError('argument', `${flag} ${spec}`, `unknown "${m}" (expected ${allowed.join(', ')})`);
  return list;
}

/** Loads tfjs with the backend asked for on the command line (or DIFFINFER_BACKEND / auto). */
async function backend(value: string | undefined): Promise<void> {
  if (value !== undefined && !(BACKEND_REQUESTS as readonly string[]).includes(value)) {
    throw new InputError('argument', `--backend ${value}`, `unknown backend (expected ${BACKEND_REQUESTS.join(', ')})`);
  }
  await initBackend({ request: value as BackendRequest | undefined });
}

function positiveInteger(value: unknown, flag: string): number {
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
function writeOutputs(out: string, results: ExperimentResults, extraPlots: ReportPlot[]): string {
  const plots: ReportPlot[] = [];
  const rel = (p: string) => p.slice(out.length + 1);
  const benchmarks = [...new Set(results.results.map((r) => r.benchmark))];
  for (const b of benchmarks) {
    const runs = results.results.filter((r) => r.benchmark === b && r.history.length > 0);
    if (runs.length === 0) continue;
    const files = writePlot(trainingCurvesPlot(runs, { benchmark: b, poi: results.command === 'neos' ? 'mu' : 's' }), join(out, 'plots', `training-b${b}`));
    plots.push({ title: `Training curves, benchmark ${b}`, svg: rel(files.svg), png: rel(files.png) });
  }
  plots.push(...extraPlots.map((p) => ({ ...p, svg: rel(p.svg), png: p.png && rel(p.png) })));
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
  const tm = ev.analysis.templateModel;
  const B = ev.analysis.bins;
  const names: Record<string, string> = { nominal: '', up: ' up', down: ' down' };
  const distribution = tm.layout
    .filter((e) => e.role !== 'sumw2')
    .map((e) => ({ process: `${e.sample}${e.nuisance ? ` ${e.nuisance}` : ''}${names[e.role]}`, counts: Array.from(ev.counts.subarray(e.offset, e.offset + B)) }));
  try {
    return { distribution, curve: profileCurve(ev).points.map((p) => ({ s: p.s, deltaNll: p.deltaNll })) };
  } catch (e) {
    // the curve is a plot: its failure leaves the run's numbers standing
    if (!(e instanceof NumericalError)) throw e;
    process.stderr.write(`diffinfer:   no profile curve plot (${e.message})\n`);
    return { distribution };
  }
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
  let test: ReturnType<typeof infernoTestSample> | undefined;
  const modelDir = (u: TrainingUnit) => (kind === 'inferno' && benchmarks.length === 1 ? join(u.method, `seed-${u.seed}`) : join(`b${u.benchmark}`, u.method, `seed-${u.seed}`));
  const label = (u: TrainingUnit) => `benchmark ${u.benchmark}, ${u.method}, seed ${u.seed}`;
  await runUnits(
    store,
    units,
    async (u): Promise<InfernoUnitOutput> => {
      process.stderr.write(`diffinfer: ${label(u)}\n`);
      hooks.beforeUnit?.(u);
      test ??= infernoTestSample(cfg.testEvents);
      const trained = await trainInfernoSeed({ ...cfg, progress, benchmark: u.benchmark as InfernoBenchmark, method: u.method as InfernoMethod }, u.seed, test, { out: o.out, modelDir: modelDir(u) });
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
      const method = unit.method as InfernoMethod;
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
export type NeosObjective = 'cls' | 'inferno' | 'z0' | 'bce';
export const NEOS_OBJECTIVES: readonly NeosObjective[] = ['cls', 'inferno', 'z0', 'bce'];

/** `diffinfer neos`: the neos problem with each objective; reports CLs, sigma_mu and Z0. */
export async function neosCommand(objectives: readonly NeosObjective[], o: { seeds: string; steps: string; out: string; backend?: string; progress?: boolean }): Promise<number> {
  const seeds = positiveInteger(o.seeds, '--seeds');
  const steps = positiveInteger(o.steps, '--steps');
  await backend(o.backend);
  mkdirSync(o.out, { recursive: true });
  const bins = 4;
  const binning: Binning = { kind: 'kde', edges: [0, 0.25, 0.5, 0.75, 1], bandwidth: { absolute: 0.09 } };
  const analysis = new Analysis(neosAnalysis(binning, bins));
  const test = simulateNeos({ n: 100_000, seed: 'neos-test' });
  const results: SeedResult[] = [];
  for (const objective of objectives) {
    for (let seed = 0; seed < seeds; seed++) {
      process.stderr.write(`diffinfer: neos, ${objective}, seed ${seed}\n`);
      const data = simulateNeos({ n: 10_000, seed: `train-${seed}` });
      const valid = simulateNeos({ n: 10_000, seed: `valid-${seed}` });
      const mlp = createMlp({ inputDim: 2, hidden: [32, 32], output: { kind: 'score' }, seed: 2000 + seed, standardisation: fitStandardisation(data.background.x, 2) });
      const history: SeedResult['history'] = [];
      const t0 = performance.now();
      let epochStart = t0;
      const every = Math.max(1, Math.round(steps / 20));
      const r = await train(mlp, analysis, data, {
        objective: objective === 'inferno' ? 'inferno' : objective,
        steps,
        batchSize: 500,
        seed,
        optimizer: { kind: 'adam', schedule: { kind: 'constant', learningRate: 1e-3 } },
        validation: { datasets: valid, every },
        progress: o.progress ?? process.stderr.isTTY,
        onStep: (s) => {
          if (s.validation !== undefined) {
            history.push({ epoch: s.step / every, loss: s.loss, validation: s.validation, seconds: (performance.now() - epochStart) / 1000 });
            epochStart = performance.now();
          }
        },
      });
      if (r.status === 'non-finite') throw new Error(`neos ${objective}, seed ${seed}: ${r.message}`);
      const trainSeconds = (performance.now() - t0) / 1000;
      // the training floor (1e-3 per count, as neos's hists_from_nn) also on the hard
      // templates: a background-free bin keeps a finite discovery significance
      const counts = hardTemplateCounts(mlp, analysis, test).map((c) => c + analysis.floor);
      const red = withoutEmptyBins(analysis.spec.template, analysis.templateModel, counts);
      const modelDir = join(objective, `seed-${seed}`);
      await mlp.save(join(o.out, modelDir), { binning, bins, problem: 'neos', objective, steps });
      mlp.dispose();
      results.push({
        method: objective,
        benchmark: 0,
        seed,
        sigmaFisher: cramerRaoWidth(red.tm, red.counts).value,
        sigmaProfile: profileWidth(red.tm, red.counts).value,
        cls: expectedCls(red.tm, red.counts).value,
        z0: discoverySignificance(red.tm, red.counts).value,
        epochs: history.length,
        trainSeconds,
        secondsPerEpoch: trainSeconds / Math.max(1, history.length),
        history,
        modelDir,
      });
    }
  }
  const experiment: ExperimentResults = { command: 'neos', date: new Date().toISOString(), version: VERSION, config: { objectives, seeds, steps, bins, binning }, results };
  process.stdout.write(writeOutputs(o.out, experiment, []));
  return 0;
}

/** `diffinfer apply`. */
export async function applyCommand(o: { model: string; input: string; output: string; backend?: string }): Promise<number> {
  await backend(o.backend);
  const r = await applyModel({ model: o.model, input: o.input, output: o.output });
  process.stderr.write(`diffinfer: ${r.events} events into ${r.bins} bins written to ${o.output}\n`);
  return 0;
}

/** `diffinfer export` lives in export.ts. */
export { exportCommand } from './export.js';

export { evaluateHard, INFERNO_METHODS };
