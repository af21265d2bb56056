/**
 * The experiment commands of the CLI (`inferno`, `ablate`, `neos`, `apply`, `export`): option
 * handling, runs, `results.json`, `report.md` and plots. Loaded lazily by src/cli.ts, so the
 * statistics commands never load TensorFlow.js.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BACKEND_REQUESTS, initBackend, type BackendRequest } from '../src/autodiff/backend.js';
import { Analysis, createMlp, evaluateHard, fitStandardisation, hardTemplateCounts, loadMlp, train, withoutEmptyBins, type Binning } from '../src/models/index.js';
import { InputError } from '../src/stats/errors.js';
import { writeFileAtomic } from '../src/stats/io.js';
import { cramerRaoWidth, discoverySignificance, expectedCls, profileWidth } from '../src/stats/objectives/index.js';
import { applyModel } from './apply.js';
import { INFERNO_ANALYTIC_FLOOR, infernoAnalysis, infernoPaperWidths, type InfernoBenchmark } from './inferno/benchmarks.js';
import { profileCurve } from './inferno/evaluate.js';
import { INFERNO_DEFAULTS, INFERNO_METHODS, infernoTestSample, trainInfernoSeed, type InfernoMethod, type InfernoRunConfig, type TrainedSeed } from './inferno/run.js';
import { neosAnalysis, simulateNeos } from './neos/problem.js';
import { distributionPlot, profileCurvePlot, renderReport, trainingCurvesPlot, writePlot, type ExperimentResults, type PaperRow, type ReportPlot, type SeedResult } from './report/index.js';
import { simulateInferno } from './simulators/inferno.js';

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
    progress: o.progress ?? process.stderr.isTTY,
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

/** Hard-bin distributions of the first seed per method, and its profile-likelihood curve. */
function seedPlots(out: string, label: string, trained: TrainedSeed): { distribution: ReportPlot; curve: { method: string; points: { s: number; deltaNll: number }[] } } {
  const ev = trained.evaluation;
  const tm = ev.analysis.templateModel;
  const B = ev.analysis.bins;
  const names: Record<string, string> = { nominal: '', up: ' up', down: ' down' };
  const histograms = tm.layout
    .filter((e) => e.role !== 'sumw2')
    .map((e) => ({ process: `${e.sample}${e.nuisance ? ` ${e.nuisance}` : ''}${names[e.role]}`, counts: Array.from(ev.counts.subarray(e.offset, e.offset + B)) }));
  const files = writePlot(distributionPlot({ histograms }, { title: `${label}: hard-binned summary per process and variation`, normalise: true }), join(out, 'plots', `distributions-${label}`));
  const curve = profileCurve(ev);
  return { distribution: { title: `Summary distributions, ${label}`, svg: files.svg, png: files.png }, curve: { method: label, points: curve.points.map((p) => ({ s: p.s, deltaNll: p.deltaNll })) } };
}

/** `diffinfer inferno` and `diffinfer ablate`: trains methods on benchmarks over seeds. */
export async function infernoCommand(kind: 'inferno' | 'ablate', benchmarks: readonly InfernoBenchmark[], methods: readonly InfernoMethod[], o: TrainingCliOptions): Promise<number> {
  const cfg = runConfig(o);
  await backend(o.backend);
  mkdirSync(o.out, { recursive: true });
  const test = infernoTestSample(cfg.testEvents);
  const results: SeedResult[] = [];
  const extraPlots: ReportPlot[] = [];
  for (const benchmark of benchmarks) {
    const curves: Array<{ method: string; points: { s: number; deltaNll: number }[] }> = [];
    for (const method of methods) {
      for (let seed = 0; seed < cfg.seeds; seed++) {
        process.stderr.write(`diffinfer: benchmark ${benchmark}, ${method}, seed ${seed}\n`);
        const trained = await trainInfernoSeed({ ...cfg, benchmark, method }, seed, test, {
          out: o.out,
          modelDir: kind === 'inferno' ? join(method, `seed-${seed}`) : join(`b${benchmark}`, method, `seed-${seed}`),
        });
        results.push(trained.result);
        process.stderr.write(`diffinfer:   sigma_s ${trained.result.sigmaFisher.toFixed(2)} (Fisher), ${trained.result.sigmaProfile.toFixed(2)} (profile); ${trained.result.secondsPerEpoch.toFixed(2)} s per epoch\n`);
        if (seed === 0) {
          const p = seedPlots(o.out, `b${benchmark}-${method}`, trained);
          extraPlots.push(p.distribution);
          curves.push(p.curve);
        }
        trained.summary.dispose();
      }
    }
    const files = writePlot(profileCurvePlot(curves, { title: `Benchmark ${benchmark}: profile likelihood of s (test sample, seed 0)` }), join(o.out, 'plots', `profile-b${benchmark}`));
    extraPlots.push({ title: `Profile likelihood, benchmark ${benchmark}`, svg: files.svg, png: files.png });
  }
  const experiment: ExperimentResults = {
    command: kind,
    date: new Date().toISOString(),
    version: VERSION,
    config: { ...cfg, benchmarks, methods },
    results,
    reference: { paper: paperRows(benchmarks), analyticFloor: [...INFERNO_ANALYTIC_FLOOR] },
  };
  const report = writeOutputs(o.out, experiment, extraPlots);
  process.stdout.write(report);
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

/** `diffinfer export`: the trained analysis of an INFERNO benchmark as a pyhf workspace. */
export async function exportCommand(o: { model: string; benchmark: string; out: string; events?: string; asimovPoi?: string; backend?: string }): Promise<number> {
  const benchmark = parseBenchmarks(o.benchmark, '--benchmark');
  if (benchmark.length !== 1) throw new InputError('argument', `--benchmark ${o.benchmark}`, 'expected one benchmark');
  const events = o.events ? positiveInteger(o.events, '--events') : 1_000_000;
  const asimovPoi = o.asimovPoi === undefined ? 0 : Number(o.asimovPoi);
  if (!Number.isFinite(asimovPoi)) throw new InputError('argument', '--asimov-poi', `expected a number, got "${o.asimovPoi}"`);
  await backend(o.backend);
  const { mlp, sidecar } = await loadMlp(o.model);
  try {
    const binning = sidecar.extra?.binning as Binning | undefined;
    const bins = (sidecar.extra?.bins as number | undefined) ?? (mlp.output.kind === 'logits' ? mlp.output.bins : undefined);
    if (!binning || !bins) throw new InputError('io', `${o.model}/diffinfer.json`, 'has no binning (was it saved by diffinfer inferno?)');
    if (mlp.inputDim !== 3) throw new InputError('io', o.model, `takes ${mlp.inputDim} inputs; INFERNO benchmarks have 3 (x0, x1, x2)`);
    const analysis = new Analysis(infernoAnalysis(benchmark[0], binning, bins));
    const data = { signal: simulateInferno({ process: 'signal', n: events, seed: 'export' }), background: simulateInferno({ process: 'background', n: events, seed: 'export' }) };
    const counts = hardTemplateCounts(mlp, analysis, data);
    const red = withoutEmptyBins(analysis.spec.template, analysis.templateModel, counts);
    const { workspace, approximations } = red.tm.exportWorkspace(red.counts, { asimovPoi });
    writeFileAtomic(o.out, `${JSON.stringify(workspace, null, 2)}\n`);
    for (const a of approximations) process.stderr.write(`diffinfer: note: ${a}\n`);
    if (red.kept.length < bins) process.stderr.write(`diffinfer: note: ${bins - red.kept.length} empty bins were dropped\n`);
    process.stderr.write(`diffinfer: wrote ${o.out} (${red.kept.length} bins, observations: Asimov data at mu = ${asimovPoi})\n`);
    return 0;
  } finally {
    mlp.dispose();
  }
}

export { evaluateHard, INFERNO_METHODS };
