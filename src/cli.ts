#!/usr/bin/env node
/**
 * The diffinfer command line. The only module that reads argv. Results go to stdout as JSON
 * (pyhf-compatible keys where pyhf has the command), logs to stderr. Bad input: one line naming
 * the place and the problem, exit code 2. A numerical failure (a fit that does not converge):
 * one line, exit code 1. Statistics commands never load TensorFlow.js.
 */
import { realpathSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { InputError, NumericalError } from './stats/errors.js';
import { writeFileAtomic } from './stats/io.js';
import { AsymptoticCalculator, fit, upperLimit, upperLimitScan, type TestStatistic } from './stats/inference/index.js';
import { buildModel, observedData, type HistFactoryModel } from './stats/model/index.js';
import { validateWorkspace } from './stats/workspace/index.js';
import { loadWorkspace } from './stats/workspace/load.js';
import type { Workspace } from './stats/workspace/spec.js';
import { CALCULATORS, parseAssignments, parsePositiveInteger, parseRange, parseSeed, parseShardOption, type Calculator } from './commands/options.js';
import type { ShardSpec } from './parallel/shards.js';
import { parsePatchSet } from './stats/workspace/patchset.js';
import { readJsonFile } from './stats/workspace/load.js';

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
      starts: r.starts,
      distinct_minima: r.distinctMinima,
      start_spread: r.startSpread,
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

// --- calculators, toys, worker pool (issue 10); units, shards, signal grids (issue 13) ---
interface CalculatorOptions {
  calculator: Calculator;
  ntoys: number;
  seed: number;
  workers?: number;
  progress?: boolean;
  out?: string;
  shard?: ShardSpec;
  resume?: boolean;
}

/** Prints a job's JSON (stdout or --output), its message (stderr); returns its exit code. */
function emitJob(r: { json: unknown; code: number; message?: string }, opts: { output?: string }): number {
  emit(r.json, opts);
  if (r.message) process.stderr.write(`diffinfer: ${r.message}\n`);
  return r.code;
}

/** The job options (--out, --shard, --resume) given to a command that is one computation. */
function refuseJobOptions(opts: CalculatorOptions, why: string): void {
  const flag = opts.shard ? '--shard' : opts.out !== undefined ? '--out' : opts.resume ? '--resume' : undefined;
  if (flag) throw new InputError('argument', flag, why);
}

async function clsCommand(ws: string, opts: WorkspaceOptions & CalculatorOptions & { testPoi?: number; testStat: TestStatistic }): Promise<number> {
  const { workspace, model } = load(ws, opts);
  const data = observedData(workspace, model);
  const mu = opts.testPoi ?? (opts.testStat === 'q0' ? 0 : 1);
  if (opts.testStat === 'q0' && mu !== 0) throw new InputError('argument', '--test-poi', `q0 tests ${model.poiName} = 0, got ${mu}`);
  if (opts.calculator === 'toybased') {
    const toys = await import('./commands/toys.js');
    const inputs = { workspace: ws, patches: opts.patch };
    return emitJob(await toys.toyCommand(workspace, model.measurementName, inputs, 'cls', [mu], { ...opts, testStat: opts.testStat as 'qtilde' | 'q' | 'q0' }), opts);
  }
  refuseJobOptions(opts, 'the asymptotic CLs is one computation; units and shards are for --calculator toybased');
  const calc = new AsymptoticCalculator(model, data, { testStat: opts.testStat });
  const r = calc.hypotest(mu);
  emit({ CLs_obs: r.clsObs, CLs_exp: r.clsExp }, opts);
  return 0;
}

async function limitCommand(ws: string, opts: WorkspaceOptions & CalculatorOptions & { scan?: string; testStat: TestStatistic; level: number; patchset?: string }): Promise<number> {
  const { workspace, model } = load(ws, opts);
  const data = observedData(workspace, model);
  const inputs = { workspace: ws, patches: opts.patch };
  if (opts.patchset !== undefined) {
    if (opts.calculator === 'toybased') throw new InputError('argument', '--patchset', 'computes asymptotic limits; for toys, run limit --calculator toybased on one patch (-p SET.json:NAME)');
    const patchset = parsePatchSet(readJsonFile(opts.patchset), basename(opts.patchset));
    const toys = await import('./commands/toys.js');
    const label = ws === '-' ? 'stdin' : basename(ws);
    const scan = opts.scan ? parseScan(opts.scan) : undefined;
    return emitJob(await toys.patchsetCommand(workspace, label, model.measurementName, patchset, { ...inputs, patchset: opts.patchset }, { ...opts, scan }), opts);
  }
  if (opts.calculator === 'toybased') {
    if (!opts.scan) throw new InputError('argument', '--calculator toybased', 'needs --scan LO:HI:N (toy CLs is noisy for root finding)');
    const toys = await import('./commands/toys.js');
    return emitJob(await toys.toyCommand(workspace, model.measurementName, inputs, 'limit', parseScan(opts.scan), { ...opts, testStat: opts.testStat as 'qtilde' | 'q' }), opts);
  }
  if (opts.scan && (opts.workers !== undefined || opts.out !== undefined || opts.shard || opts.resume)) {
    const toys = await import('./commands/toys.js');
    return emitJob(await toys.scanCommand(workspace, model.measurementName, inputs, parseScan(opts.scan), opts), opts);
  }
  refuseJobOptions(opts, 'a limit by root finding is one computation; units and shards need --scan LO:HI:N or --patchset SET.json');
  const o = { testStat: opts.testStat, level: opts.level };
  const r = opts.scan ? upperLimitScan(model, data, parseScan(opts.scan), o) : upperLimit(model, data, o);
  emit({ obs: r.obs, exp: r.exp }, opts);
  return 0;
}
// --- end calculators ---

function validateCommand(ws: string, opts: WorkspaceOptions): number {
  const { workspace, measurement } = loadWorkspace({ workspace: ws, patches: opts.patch, measurement: opts.measurement });
  const { model } = validateWorkspace(workspace, { measurement: measurement.name });
  const summary = { valid: true, measurement: measurement.name, poi: measurement.config.poi, channels: model.channels.length, bins: model.nMainBins, samples: model.samples.length, parameters: model.nPars };
  const line = `${JSON.stringify(summary)}\n`; // one line, unlike the other commands' indented JSON
  if (opts.output) writeFileAtomic(opts.output, line);
  else process.stdout.write(line);
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

  // --- calculators, toys, worker pool (issue 10); units and shards (issue 13) ---
  const jobOptions = (cmd: Command) =>
    cmd
      .option('--workers <w>', 'worker threads (default: the number of cores)', parsePositiveInteger('--workers'))
      .option('--shard <i/N>', 'run only the i-th of N slices of the units (0 <= i < N, round-robin) into DIR/shards/; diffinfer merge DIR combines them', parseShardOption('--shard'))
      .option('--resume', 'keep the finished units in --out (same options required) and run only the missing or failed ones')
      .option('--progress', 'progress bar on stderr (default: when stderr is a terminal)')
      .option('--no-progress', 'no progress bar');
  const calculatorOptions = (cmd: Command) =>
    jobOptions(cmd)
      .addOption(new Option('--calculator <name>', 'asymptotics, or toybased (pseudo-experiments, as pyhf\'s calctype="toybased")').choices([...CALCULATORS]).default('asymptotics'))
      .option('--ntoys <n>', 'toybased: pseudo-experiments per hypothesis', parsePositiveInteger('--ntoys'), 2000)
      .option('--seed <s>', 'toybased: seed of the pseudo-experiments (non-negative integer; same seed, same toys on any number of workers)', parseSeed('--seed'), 0)
      .option('--out <dir>', 'write the units (DIR/units or DIR/shards) and results.json there (toybased, --scan, --patchset)');

  calculatorOptions(withWorkspace(program.command('cls').description('CLs at a tested POI value; prints {"CLs_obs", "CLs_exp"} (-2 sigma first); toybased adds Monte Carlo errors and failed toys')))
    .option('--test-poi <mu>', 'POI value to test (default 1; 0 for q0)', parseNumber('--test-poi'))
    .addOption(new Option('--test-stat <name>', 'test statistic (q0: discovery p-value, reported as CLs_obs as pyhf)').choices(['qtilde', 'q', 'q0']).default('qtilde'))
    .action(async (ws, opts) => run(await clsCommand(ws, opts)));

  calculatorOptions(withWorkspace(program.command('limit').description('95% CLs upper limit on the POI; prints {"obs", "exp"} (-2 sigma first); with --patchset the limit of every patch')))
    .option('--scan <lo:hi:n>', 'scan N points and interpolate instead of root finding (needed by toybased; with --workers, --out or --shard the points are units on workers)')
    .option('--patchset <file>', 'a pyhf patchset: the limit of every patch applied to the workspace, one unit per patch (a signal grid); results.json and report.md in --out')
    .option('--level <alpha>', 'CLs level', parseNumber('--level'), 0.05)
    .addOption(testStat())
    .action(async (ws, opts) => run(await limitCommand(ws, opts)));
  // --- end calculators ---

  // --- coverage (issue 10) ---
  jobOptions(program.command('coverage').description('coverage of POI intervals over pseudo-experiments (true POI uniform in a range, nuisances from their priors) of a workspace, or with --model DIR --benchmark B of a trained INFERNO/BCE model (pseudo-experiments from the simulator); writes results.json, report.md and plots/ in --out, prints the summary (coverage, width, challenge score) as JSON'))
    .argument('[workspace]', 'pyhf JSON workspace ("-" reads stdin); none with --model')
    .option('-p, --patch <file>', 'JSON patch or pyhf patchset (file.json:name) to apply; repeatable', collect, [])
    .option('--measurement <name>', 'measurement to use (default: the first)')
    .option('-o, --output <file>', 'write the result to a file (atomically) instead of stdout')
    .option('--model <dir>', 'a trained INFERNO/BCE bundle (diffinfer inferno/ablate/train): pseudo-experiments simulated, passed through its summary, fitted with its exported templates')
    .option('--benchmark <n>', 'with --model: the INFERNO benchmark (0-4) whose nuisances are drawn and fitted', parseSeed('--benchmark'))
    .option('--backend <name>', 'with --model: tfjs backend (auto, gpu, node, wasm, cpu; default DIFFINFER_BACKEND or auto)')
    .requiredOption('--out <dir>', 'output directory')
    .option('--pseudo-experiments <n>', 'number of pseudo-experiments', parsePositiveInteger('--pseudo-experiments'), 1000)
    .option('--seed <s>', 'seed (non-negative integer; same seed, same pseudo-experiments on any number of workers)', parseSeed('--seed'), 0)
    .option('--mu-range <lo:hi>', 'range of the true POI, drawn uniformly (inside the POI bounds)', parseRange('--mu-range'), [0.1, 3])
    .option('--true <name=value>', 'true value of a parameter (repeatable; others at the suggested init); default: the free fit to the observed data', collect, [])
    .addOption(new Option('--interval <kind>', 'profile: t_mu <= level crossings; neyman: bias-corrected Neyman belt of mu-hat').choices(['profile', 'neyman']).default('profile'))
    .addOption(new Option('--nuisances <mode>', 'prior: true nuisances drawn from their constraints, auxiliary data nominal (as the HiggsML challenge); fixed: nuisances at the true values, auxiliary data drawn (pyhf sample)').choices(['prior', 'fixed']).default('prior'))
    .option('--level <t>', 'threshold on t_mu (1: 68.27%)', parseNumber('--level'), 1)
    .option('--belt-points <k>', 'neyman: grid points of the belt', parsePositiveInteger('--belt-points'), 12)
    .option('--belt-toys <m>', 'neyman: pseudo-experiments per grid point', parsePositiveInteger('--belt-toys'), 200)
    .action(async (ws: string | undefined, opts) => {
      if (opts.model !== undefined) {
        const other = ws !== undefined ? 'workspace argument' : opts.patch.length ? '--patch' : opts.measurement !== undefined ? '--measurement' : opts.true.length ? '--true' : opts.nuisances !== 'prior' ? '--nuisances fixed' : undefined;
        if (other) throw new InputError('argument', '--model', `takes no ${other}: the model's exported templates are the workspace and its nuisances are drawn from the benchmark's priors`);
        if (opts.benchmark === undefined) throw new InputError('argument', '--benchmark', 'is needed with --model: the INFERNO benchmark (0-4) whose nuisances the pseudo-experiments draw');
        const { modelCoverageCommand } = await import('./commands/coverage.js');
        run(emitJob(await modelCoverageCommand({ ...opts, model: opts.model, benchmark: opts.benchmark }), opts));
        return;
      }
      if (ws === undefined) throw new InputError('argument', 'coverage', 'needs a workspace argument, or --model DIR --benchmark B');
      for (const flag of ['benchmark', 'backend'] as const) if (opts[flag] !== undefined) throw new InputError('argument', `--${flag}`, 'applies to --model only');
      const { workspace, measurement } = loadWorkspace({ workspace: ws, patches: opts.patch, measurement: opts.measurement });
      const { coverageCommand } = await import('./commands/coverage.js');
      run(emitJob(await coverageCommand(workspace, measurement.name, { workspace: ws, patches: opts.patch }, { ...opts, true: parseAssignments('--true', opts.true) }), opts));
    });
  // --- end coverage ---

  // --- challenge (issue 12) ---
  program
    .command('challenge')
    .description('the challenge protocol: train each arm x seed on the challenge problem (bundles in DIR/<arm>/seed-<k>/), then the coverage, mean width and challenge score of its profile and Neyman intervals over pseudo-experiments bootstrapped from the test split at nuisances drawn from their priors; writes results.json, report.md, plots/ in --out and prints the summary as JSON')
    .requiredOption('--out <dir>', 'output directory')
    .option('--arms <list>', 'arms, comma-separated: bce, bce-augmented, nf-ensemble, parameterized, pivot, inferno, profile-width (default: all)')
    .option('--seeds <k>', 'seeds 0 .. K-1 per arm', parsePositiveInteger('--seeds'))
    .option('--pseudo-experiments <n>', 'pseudo-experiments per arm and seed (>= 10; default 1000, --quick 150)', parsePositiveInteger('--pseudo-experiments'))
    .option('--quick', 'small settings: 80 steps, 4000 training / 2500 test events per process, 150 pseudo-experiments, belt 11 x 50 over the POI bounds (default: 300 steps, 20000 / 2000 events, 1000 pseudo-experiments, belt 11 x 200)')
    .option('--mu-range <lo,hi>', 'range of the true mu, drawn uniformly (inside the POI bounds [0, 10]; LO,HI or LO:HI; default 0.1,3)', (v: string) => parseRange('--mu-range')(v.replace(',', ':')))
    .option('--steps <n>', 'training steps', parsePositiveInteger('--steps'))
    .option('--train-events <n>', 'training events per process', parsePositiveInteger('--train-events'))
    .option('--test-events <n>', 'test events per process (the templates and the pseudo-experiments\' pool)', parsePositiveInteger('--test-events'))
    .option('--belt-points <k>', 'Neyman belt: grid points', parsePositiveInteger('--belt-points'))
    .option('--belt-toys <m>', 'Neyman belt: pseudo-experiments per grid point', parsePositiveInteger('--belt-toys'))
    .option('--batch <n>', 'training events per sample per step (default 256)', parsePositiveInteger('--batch'))
    .option('--pivot-lambda <l>', 'pivot: weight of the adversary (gradient reversal strength; default 10)', parseNumber('--pivot-lambda'))
    .option('--workers <w>', 'worker threads for the pseudo-experiments (default: the number of cores; > 1 needs npm run build)', parsePositiveInteger('--workers'))
    .option('--resume', 'keep the trained bundles and finished pseudo-experiment units in --out (same options required)')
    .option('--backend <name>', 'tfjs backend')
    .option('--progress', 'progress bars on stderr (default: when stderr is a terminal)')
    .option('--no-progress', 'no progress bars')
    .action(async (opts) => {
      const { challengeCommand } = await import('../experiments/challenge/protocol.js');
      run(emitJob(await challengeCommand(opts), {}));
    });
  // --- end challenge ---

  // --- merge (issue 13) ---
  program
    .command('merge')
    .description('combine the shards in DIR/shards/ (of ablate, inferno, coverage, cls/limit --calculator toybased, limit --scan or --patchset run with --shard i/N --out DIR) into the results.json, report.md and plots one unsharded run writes; prints what that run prints')
    .argument('<dir>', 'the --out folder of the shards')
    .option('-o, --output <file>', 'write the JSON to a file (atomically) instead of stdout')
    .action(async (dir, opts) => {
      const { mergeShards } = await import('./jobs/merge.js');
      run(emitJob(await mergeShards(dir), opts));
    });
  // --- end merge ---

  // --- slurm (issue 13) ---
  const slurm = program.command('slurm').description('run a sharded command on a Slurm cluster: a job array of shards and a merge job');
  slurm
    .command('submit')
    .description('write an sbatch job array (one shard per task, --shard $SLURM_ARRAY_TASK_ID/N, logs in DIR/slurm/logs) and a merge job (afterok on the array); submit both; print the job ids as JSON')
    .requiredOption('--shards <n>', 'array tasks (shards)', parsePositiveInteger('--shards'))
    .option('--partition <p>', 'Slurm partition')
    .option('--time <t>', 'time limit per task, e.g. 1:00:00')
    .option('--cpus-per-task <c>', 'cores per task (the shard runs that many workers unless the command sets --workers)', parsePositiveInteger('--cpus-per-task'))
    .option('--mem <m>', 'memory per task, e.g. 4G')
    .option('--array-max <k>', 'at most K tasks at once', parsePositiveInteger('--array-max'))
    .option('--dry-run', 'print the two scripts; submit nothing')
    .argument('<command...>', 'after --: the diffinfer command with its arguments, including --out DIR')
    .action(async (command: string[], opts) => {
      const s = await import('./parallel/slurm.js');
      const o = { command, shards: opts.shards, partition: opts.partition, time: opts.time, cpusPerTask: opts.cpusPerTask, mem: opts.mem, arrayMax: opts.arrayMax };
      if (opts.dryRun) {
        const plan = s.planSlurmJobs(o);
        process.stdout.write(`# ${plan.arrayPath}\n${plan.arrayScript}\n# ${plan.mergePath} (sbatch --dependency=afterok:<array job id> --kill-on-invalid-dep=yes)\n${plan.mergeScript}`);
        run(0);
        return;
      }
      emit(s.submitSlurmJobs(o), {});
      run(0);
    });
  slurm
    .command('status')
    .description('finished, running and failed units of a sharded run (per shard), with the Slurm states of its array tasks and merge job')
    .argument('<dir>', 'the --out folder of the shards')
    .action(async (dir) => {
      const s = await import('./parallel/slurm.js');
      emit(s.slurmStatus(dir), {});
      run(0);
    });
  // --- end slurm ---

  withWorkspace(program.command('validate').description('check a workspace as pyhf reads it (schema, parameter configuration, POI, observations); prints one JSON line, exit 2 naming the place when invalid'))
    .action((ws, opts) => run(validateCommand(ws, opts)));

  withWorkspace(program.command('inspect').description('channels, samples, modifiers and parameters of a workspace'))
    .option('--json', 'print JSON')
    .action((ws, opts) => run(inspectCommand(ws, opts)));

  // Training and application commands: TensorFlow.js and the experiments load only here.
  const experiments = () => import('../experiments/commands.js');
  const analyses = () => import('../experiments/analysis.js');
  const training = (cmd: Command) =>
    cmd
      .requiredOption('--out <dir>', 'output directory: models, results.json, report.md, plots/')
      .option('--seeds <list>', 'seeds: a count K (0 .. K-1) or ranges, e.g. 100-199 or 0-9,20-29 (a unit\'s seed is its own, so runs of other seed ranges can be added later)', '1')
      .option('--epochs <n>', 'training epochs (an epoch: every training event once, in batches)', '200')
      .option('--train-events <n>', 'training events per process', '100000')
      .option('--test-events <n>', 'fresh test events per process', '1000000')
      .option('--batch <n>', 'events per step over both processes', '2000')
      .option('--lr <x>', 'Adam learning rate', '0.001')
      .option('--patience <n>', 'stop after n epochs without a better validation width')
      .option('--coverage <n>', 'INFERNO runs: coverage, mean width and challenge score of the profile intervals over n pseudo-experiments from the simulator (true mu uniform in [0.1, 3]; in DIR/<model>/coverage/) as table columns')
      .option('--variation-fraction <f>', 'fraction of each batch the shape variations are evaluated on (control variates; 1: all)', '0.25')
      .option('--backend <name>', 'tfjs backend: auto, gpu, node, wasm, cpu (default: DIFFINFER_BACKEND or auto)')
      .option('--progress', 'a progress bar over the training runs on stderr (default: when stderr is a terminal)')
      .option('--no-progress', 'no progress bar on stderr')
      .option('--resume', 'keep the finished runs in --out (same options required; --seeds may grow) and run only the missing or failed ones')
      .option('--workers <w>', 'worker threads, each with its own tfjs backend, one training run at a time (default: the number of cores)', parsePositiveInteger('--workers'))
      .option('--shard <i/N>', 'run only the i-th of N slices of the training runs (0 <= i < N, round-robin) into DIR/shards/; diffinfer merge DIR combines them', parseShardOption('--shard'));

  training(program.command('inferno').description("train and evaluate on INFERNO's synthetic benchmark (arXiv:1806.04743); writes bundles, results.json, report.md and plots"))
    .option('--benchmark <n>', 'benchmark 0-4', '2')
    .option('--method <list>', 'inferno, profile-width, bce or cls (comma-separated for several)', 'inferno')
    .action(async (opts) => {
      const x = await experiments();
      run(await x.infernoCommand('inferno', x.parseBenchmarks(opts.benchmark, '--benchmark'), x.parseMethods(opts.method, x.INFERNO_METHODS, '--method'), opts));
    });

  training(program.command('ablate').description('the paper-style table: every method on every INFERNO benchmark over seeds; with --config, every method on an analysis config over seeds'))
    .option('--benchmarks <list>', 'benchmarks, e.g. 0-4 or 2,4', '0-4')
    .option('--methods <list>', 'methods, comma-separated (default bce,inferno,profile-width; with --config bce,inferno)')
    .option('--config <file>', 'an analysis config (YAML or JSON): train and evaluate its methods over seeds (the INFERNO options do not apply)')
    .action(async (opts) => {
      if (opts.config) {
        if (opts.shard) throw new InputError('argument', '--shard', 'is not available with --config (it shards the INFERNO benchmarks)');
        if (opts.workers !== undefined && opts.workers > 1) throw new InputError('argument', '--workers', 'with --config the runs are in one thread (give --workers 1 or leave it out)');
        if (opts.coverage !== undefined) throw new InputError('argument', '--coverage', 'is not available with --config (coverage draws pseudo-experiments from the INFERNO simulator)');
        const a = await analyses();
        run(await a.ablateConfigCommand(opts.config, { methods: opts.methods ?? 'bce,inferno', seeds: opts.seeds, out: opts.out, resume: opts.resume, backend: opts.backend, progress: opts.progress }));
        return;
      }
      const x = await experiments();
      run(await x.infernoCommand('ablate', x.parseBenchmarks(opts.benchmarks), x.parseMethods(opts.methods ?? 'bce,inferno,profile-width', x.INFERNO_METHODS, '--methods'), opts));
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
      run(await x.neosCommand(x.parseMethods(opts.objective, x.NEOS_OBJECTIVES, '--objective'), opts));
    });

  program
    .command('example')
    .description('write the example analysis (examples/resonance): its Parquet event files and analysis.yaml, seeded')
    .requiredOption('--out <dir>', 'folder to write into')
    .option('--events <n>', 'events per background file', '120000')
    .option('--signal-events <n>', 'events of the signal file (default: a third of --events)')
    .option('--seed <s>', 'seed of the events', '1')
    .action(async (opts) => run(await (await analyses()).exampleCommand(opts)));

  program
    .command('train')
    .description('train the summary of an analysis config (YAML or JSON); writes the bundle DIR/<method>/ (summary, binning, config, method, versions) with a report')
    .argument('<config>', 'analysis config (.yaml, .yml or .json)')
    .requiredOption('--out <dir>', 'output directory; the bundle goes to DIR/<method>/')
    .option('--method <name>', 'training method (default: the config\'s training.method): inferno, profile-width, bce, cls or z0')
    .option('--resume', 'continue from the checkpoint in DIR/<method>/checkpoint')
    .option('--backend <name>', 'tfjs backend')
    .option('--no-progress', 'no progress bar on stderr')
    .action(async (config, opts) => run(await (await analyses()).trainCommand(config, opts)));

  program
    .command('evaluate')
    .description('evaluate trained analyses on their test split with hard histograms: Fisher and profile widths, expected 95% CLs limits, the comparison with a BCE bundle in DIR; prints JSON, writes DIR/evaluation.json and evaluation.md')
    .argument('<dir>', 'a bundle, or a folder of bundles (as diffinfer train writes them)')
    .option('-o, --output <file>', 'write the JSON to a file (atomically) instead of stdout')
    .option('--backend <name>', 'tfjs backend')
    .action(async (dir, opts) => run(await (await analyses()).evaluateCommand(dir, opts)));

  const bundleDir = (dir: string | undefined, model: string | undefined): string => {
    if (dir !== undefined && model !== undefined) throw new InputError('argument', '--model', `names a bundle, and so does the argument "${dir}"; give one`);
    const d = dir ?? model;
    if (d === undefined) throw new InputError('argument', 'DIR', 'is missing: name the trained analysis (a bundle folder)');
    return d;
  };

  program
    .command('apply')
    .description('run a trained analysis on events (CSV or Parquet); writes per event the hard bin (column "bin") and the outputs as CSV')
    .argument('[dir]', 'the trained analysis (a bundle folder, or a folder with one bundle)')
    .option('--model <dir>', 'the same as DIR')
    .requiredOption('--input <file>', 'events, .csv (header row) or .parquet, with the columns the summary reads')
    .requiredOption('--output <file>', 'CSV to write (atomically)')
    .option('--backend <name>', 'tfjs backend')
    .action(async (dir, opts) => run(await (await analyses()).applyCommand(bundleDir(dir, opts.model), opts)));

  program
    .command('export')
    .description('the trained analysis as a pyhf workspace (hard templates of the test split, every channel and modifier) that pyhf and diffinfer fit/cls/limit read')
    .argument('[dir]', 'the trained analysis (a bundle folder, or a folder with one bundle)')
    .option('--model <dir>', 'the same as DIR')
    .requiredOption('--out <file>', 'workspace JSON to write (atomically)')
    .option('--benchmark <n>', 'INFERNO bundles: the benchmark 0-4 whose nuisances the workspace carries (default: the one trained on)')
    .option('--events <n>', 'simulated analyses: events per process of the test split (default: the config\'s)')
    .option('--asimov-poi <mu>', 'observations: Asimov data at this POI value', '0')
    .option('--backend <name>', 'tfjs backend')
    .action(async (dir, opts) => run(await (await analyses()).exportCommand(bundleDir(dir, opts.model), opts)));

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
