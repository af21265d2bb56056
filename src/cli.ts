#!/usr/bin/env node
/**
 * The diffinfer command line. The only module that reads argv. Results go to stdout as JSON
 * (pyhf-compatible keys where pyhf has the command), logs to stderr. Bad input: one line naming
 * the place and the problem, exit code 2. A numerical failure (a fit that does not converge):
 * one line, exit code 1. Statistics commands never load TensorFlow.js.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { InputError, NumericalError } from './stats/errors.js';
import { writeFileAtomic } from './stats/io.js';
import { AsymptoticCalculator, fit, upperLimit, upperLimitScan, type TestStatistic } from './stats/inference/index.js';
import { buildModel, observedData, type HistFactoryModel } from './stats/model/index.js';
import { loadWorkspace } from './stats/workspace/index.js';
import type { Workspace } from './stats/workspace/spec.js';

const VERSION = '0.1.0';

interface WorkspaceOptions {
  patch: string[];
  measurement?: string;
  output?: string;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parseNumber(flag: string) {
  return (value: string): number => {
    const x = Number(value);
    if (value.trim() === '' || !Number.isFinite(x)) throw new InputError('argument', flag, `expected a finite number, got "${value}"`);
    return x;
  };
}

/** Parses `NAME=VALUE` pairs of `--fix`. */
export function parseFixes(items: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) {
    const m = /^([^=]+)=(.*)$/.exec(item);
    if (!m) throw new InputError('argument', `--fix ${item}`, 'expected NAME=VALUE, e.g. --fix mu=1');
    const value = Number(m[2]);
    if (m[2].trim() === '' || !Number.isFinite(value)) throw new InputError('argument', `--fix ${item}`, `value "${m[2]}" is not a finite number`);
    out[m[1]] = value;
  }
  return out;
}

/** Parses `LO:HI:N` of `--scan` into N evenly spaced points. */
export function parseScan(spec: string): number[] {
  const parts = spec.split(':');
  const [lo, hi, n] = parts.map(Number);
  if (parts.length !== 3 || !Number.isFinite(lo) || !Number.isFinite(hi) || !Number.isInteger(n)) {
    throw new InputError('argument', `--scan ${spec}`, 'expected LO:HI:N, e.g. 0:5:21');
  }
  if (!(hi > lo) || n < 2) throw new InputError('argument', `--scan ${spec}`, 'needs HI > LO and N >= 2');
  return Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1));
}

function load(ws: string, opts: WorkspaceOptions): { workspace: Workspace; model: HistFactoryModel } {
  const { workspace, measurement } = loadWorkspace({ workspace: ws, patches: opts.patch, measurement: opts.measurement });
  return { workspace, model: buildModel(workspace, { measurement }) };
}

function emit(result: unknown, opts: { output?: string }): void {
  const text = `${JSON.stringify(result, null, 2)}\n`;
  if (opts.output) writeFileAtomic(opts.output, text);
  else process.stdout.write(text);
}

/** Groups a flat parameter vector by parameter set, as pyhf's `mle_parameters`. */
function byParameterSet(model: HistFactoryModel, values: ArrayLike<number>): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const p of model.parameterSets) out[p.name] = Array.from({ length: p.size }, (_, i) => values[p.offset + i]);
  return out;
}

function fitCommand(ws: string, opts: WorkspaceOptions & { fix: string[] }): number {
  const { workspace, model } = load(ws, opts);
  const data = observedData(workspace, model);
  const r = fit(model, data, { fixValues: parseFixes(opts.fix) });
  emit(
    {
      mle_parameters: byParameterSet(model, r.parameters),
      twice_nll: r.twiceNll,
      converged: r.converged,
      status: r.status,
      iterations: r.iterations,
      projected_gradient_norm: r.projectedGradientNorm,
      uncertainties: r.uncertainties ? byParameterSet(model, r.uncertainties) : undefined,
      poi: model.poiName,
    },
    opts,
  );
  if (!r.converged) {
    process.stderr.write(`diffinfer: the fit did not converge (status ${r.status} after ${r.iterations} iterations)\n`);
    return 1;
  }
  return 0;
}

function clsCommand(ws: string, opts: WorkspaceOptions & { testPoi: number; testStat: TestStatistic }): number {
  const { workspace, model } = load(ws, opts);
  const calc = new AsymptoticCalculator(model, observedData(workspace, model), { testStat: opts.testStat });
  const r = calc.hypotest(opts.testPoi);
  emit({ CLs_obs: r.clsObs, CLs_exp: r.clsExp }, opts);
  return 0;
}

function limitCommand(ws: string, opts: WorkspaceOptions & { scan?: string; testStat: TestStatistic; level: number }): number {
  const { workspace, model } = load(ws, opts);
  const data = observedData(workspace, model);
  const o = { testStat: opts.testStat, level: opts.level };
  const r = opts.scan ? upperLimitScan(model, data, parseScan(opts.scan), o) : upperLimit(model, data, o);
  emit({ obs: r.obs, exp: r.exp }, opts);
  return 0;
}

function inspectCommand(ws: string, opts: WorkspaceOptions & { json?: boolean }): number {
  const { workspace, measurement } = loadWorkspace({ workspace: ws, patches: opts.patch, measurement: opts.measurement });
  const model = buildModel(workspace, { measurement, poi: null });
  const modifiers = new Map<string, Set<string>>();
  for (const c of workspace.channels) for (const s of c.samples) for (const m of s.modifiers) {
    if (!modifiers.has(m.name)) modifiers.set(m.name, new Set());
    modifiers.get(m.name)!.add(m.type);
  }
  const summary = {
    channels: model.channels.map((c) => ({ name: c.name, bins: c.nBins })),
    samples: [...model.samples],
    modifiers: [...modifiers].map(([name, types]) => ({ name, types: [...types].sort() })),
    parameters: model.parameterSets.map((p) => ({
      name: p.name,
      type: p.type,
      components: p.size,
      constraint: p.constraint.kind,
      inits: p.inits,
      bounds: p.bounds,
      fixed: p.fixed,
    })),
    measurements: workspace.measurements.map((m) => ({ name: m.name, poi: m.config.poi })),
    poi: measurement.config.poi,
    n_parameters: model.nPars,
    n_bins: model.nMainBins,
  };
  if (opts.json) {
    emit(summary, opts);
    return 0;
  }
  const lines: string[] = [];
  const pad = (s: string, n: number) => s.padEnd(n);
  lines.push(`channels ${summary.channels.length}   samples ${summary.samples.length}   parameters ${model.nPars}   main bins ${model.nMainBins}   POI ${measurement.config.poi}`);
  lines.push('', 'channel'.padEnd(28) + 'bins');
  for (const c of summary.channels) lines.push(pad(c.name, 28) + c.bins);
  lines.push('', 'samples', ...summary.samples.map((s) => `  ${s}`));
  lines.push('', pad('parameter', 36) + pad('type', 12) + pad('n', 5) + pad('constraint', 11) + 'bounds');
  for (const p of summary.parameters) {
    const b = p.bounds.length === 1 ? `[${p.bounds[0][0]}, ${p.bounds[0][1]}]` : `${p.bounds.length} x [${p.bounds[0][0]}, ${p.bounds[0][1]}]`;
    lines.push(pad(p.name, 36) + pad(p.type, 12) + pad(String(p.components), 5) + pad(p.constraint, 11) + b + (p.fixed.every(Boolean) ? '  fixed' : ''));
  }
  lines.push('', 'measurements', ...summary.measurements.map((m) => `  ${m.name} (POI ${m.poi})`));
  const text = `${lines.join('\n')}\n`;
  if (opts.output) writeFileAtomic(opts.output, text);
  else process.stdout.write(text);
  return 0;
}

/** Builds the command tree; `run` sets the exit code. */
export function buildProgram(run: (code: number) => void): Command {
  const program = new Command('diffinfer')
    .description('Inference-aware learning for particle physics, with a float64 HistFactory engine that agrees with pyhf.')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s), outputError: () => {} })
    .showHelpAfterError(false);

  const withWorkspace = (cmd: Command) =>
    cmd
      .argument('<workspace>', 'pyhf JSON workspace ("-" reads stdin)')
      .option('-p, --patch <file>', 'JSON patch or pyhf patchset (file.json:name) to apply; repeatable', collect, [])
      .option('--measurement <name>', 'measurement to use (default: the first)')
      .option('-o, --output <file>', 'write the result to a file (atomically) instead of stdout');
  const testStat = () =>
    new Option('--test-stat <name>', 'test statistic').choices(['qtilde', 'q']).default('qtilde');

  withWorkspace(program.command('fit').description('maximum-likelihood fit; prints {"mle_parameters", "twice_nll", "converged", ...}'))
    .option('--fix <name=value>', 'fix a parameter (pyhf name, e.g. mu=1 or gamma_stat[2]=1.1); repeatable', collect, [])
    .action((ws, opts) => run(fitCommand(ws, opts)));

  withWorkspace(program.command('cls').description('asymptotic CLs at a tested POI value; prints {"CLs_obs", "CLs_exp"} (-2 sigma first)'))
    .option('--test-poi <mu>', 'POI value to test', parseNumber('--test-poi'), 1)
    .addOption(testStat())
    .action((ws, opts) => run(clsCommand(ws, opts)));

  withWorkspace(program.command('limit').description('95% CLs upper limit on the POI; prints {"obs", "exp"} (-2 sigma first)'))
    .option('--scan <lo:hi:n>', 'scan N points and interpolate instead of root finding')
    .option('--level <alpha>', 'CLs level', parseNumber('--level'), 0.05)
    .addOption(testStat())
    .action((ws, opts) => run(limitCommand(ws, opts)));

  withWorkspace(program.command('inspect').description('channels, samples, modifiers and parameters of a workspace'))
    .option('--json', 'print JSON')
    .action((ws, opts) => run(inspectCommand(ws, opts)));

  // Training and application commands: TensorFlow.js and the experiments load only here.
  const experiments = () => import('../experiments/commands.js');
  const training = (cmd: Command) =>
    cmd
      .requiredOption('--out <dir>', 'output directory: models, results.json, report.md, plots/')
      .option('--seeds <k>', 'number of seeds (0 .. k-1)', '1')
      .option('--epochs <n>', 'training epochs (an epoch: every training event once, in batches)', '200')
      .option('--train-events <n>', 'training events per process', '100000')
      .option('--test-events <n>', 'fresh test events per process', '1000000')
      .option('--batch <n>', 'events per step over both processes', '2000')
      .option('--lr <x>', 'Adam learning rate', '0.001')
      .option('--patience <n>', 'stop after n epochs without a better validation width')
      .option('--variation-fraction <f>', 'fraction of each batch the shape variations are evaluated on (control variates; 1: all)', '0.25')
      .option('--backend <name>', 'tfjs backend: auto, gpu, node, wasm, cpu (default: DIFFINFER_BACKEND or auto)')
      .option('--no-progress', 'no progress bar on stderr');

  training(program.command('inferno').description("train and evaluate on INFERNO's synthetic benchmark (arXiv:1806.04743); writes models, results.json, report.md and plots"))
    .option('--benchmark <n>', 'benchmark 0-4', '2')
    .option('--method <list>', 'inferno, profile-width, bce or cls (comma-separated for several)', 'inferno')
    .action(async (opts) => {
      const x = await experiments();
      run(await x.infernoCommand('inferno', x.parseBenchmarks(opts.benchmark, '--benchmark'), x.parseMethods(opts.method, x.INFERNO_METHODS, '--method') as never, opts));
    });

  training(program.command('ablate').description('the paper-style table: every method on every benchmark over seeds'))
    .option('--benchmarks <list>', 'benchmarks, e.g. 0-4 or 2,4', '0-4')
    .option('--methods <list>', 'methods, comma-separated', 'bce,inferno,profile-width')
    .action(async (opts) => {
      const x = await experiments();
      run(await x.infernoCommand('ablate', x.parseBenchmarks(opts.benchmarks), x.parseMethods(opts.methods, x.INFERNO_METHODS, '--methods') as never, opts));
    });

  program
    .command('neos')
    .description('the neos problem (arXiv:2203.05570): train with each objective, report CLs, sigma_mu and Z0')
    .requiredOption('--out <dir>', 'output directory')
    .option('--objective <list>', 'cls, inferno, z0 or bce (comma-separated for several)', 'cls')
    .option('--seeds <k>', 'number of seeds', '1')
    .option('--steps <n>', 'training steps', '600')
    .option('--backend <name>', 'tfjs backend')
    .option('--no-progress', 'no progress bar on stderr')
    .action(async (opts) => {
      const x = await experiments();
      run(await x.neosCommand(x.parseMethods(opts.objective, x.NEOS_OBJECTIVES, '--objective') as never, opts));
    });

  program
    .command('apply')
    .description('run a saved summary on events (CSV or Parquet); writes per event the hard bin (column "bin") and the outputs as CSV')
    .requiredOption('--model <dir>', 'model directory written by inferno/ablate/neos')
    .requiredOption('--input <file>', 'events, .csv (header row) or .parquet, with the columns the model was trained on')
    .requiredOption('--output <file>', 'CSV to write (atomically)')
    .option('--backend <name>', 'tfjs backend')
    .action(async (opts) => run(await (await experiments()).applyCommand(opts)));

  program
    .command('export')
    .description('the trained analysis as a pyhf workspace (templates from a fresh sample), for diffinfer cls/fit and pyhf')
    .requiredOption('--model <dir>', 'model directory written by diffinfer inferno')
    .requiredOption('--benchmark <n>', 'INFERNO benchmark 0-4')
    .requiredOption('--out <file>', 'workspace JSON to write (atomically)')
    .option('--events <n>', 'events per process of the fresh sample', '1000000')
    .option('--asimov-poi <mu>', 'observations: Asimov data at this POI value', '0')
    .option('--backend <name>', 'tfjs backend')
    .action(async (opts) => run(await (await experiments()).exportCommand(opts)));

  return program;
}

/** Runs the CLI on `argv` (without node and script); returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let code = 0;
  const program = buildProgram((c) => {
    code = c;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (e) {
    return reportError(e);
  }
}

function reportError(e: unknown): number {
  if (e instanceof CommanderError) {
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
    const msg = e.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ');
    process.stderr.write(`diffinfer: ${msg}\n`);
    return 2;
  }
  if (e instanceof InputError) {
    process.stderr.write(`diffinfer: ${e.message}\n`);
    return 2;
  }
  if (e instanceof NumericalError) {
    process.stderr.write(`diffinfer: ${e.message}\n`);
    return 1;
  }
  const msg = e instanceof Error ? e.message : String(e);
  process.stderr.write(`diffinfer: internal error: ${msg}\n`);
  if (process.env.DIFFINFER_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
  return 1;
}

/** True when this file is the process entry point (directly or through the npm bin link). */
function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
