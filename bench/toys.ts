/**
 * `npm run bench:toys`: toy-based hypotests, diffinfer against pyhf in the same run.
 *
 * - diffinfer: one q~_mu hypotest at mu = 1 on fixture case-00 (31 parameters, 18 bins) with
 *   `--ntoys` toys per side (default 1000: 2000 toys, each two fits), in-process (1 worker), on a
 *   pool of 1 worker thread and on a pool of W = 2 (or `--workers`) threads, the three interleaved
 *   `--repeat` times (default 2) and the fastest of each kept (the machine is shared: the best
 *   run is the one least slowed by other processes); the numbers of every run must be identical;
 * - pyhf: `pyhf.infer.hypotest(..., calctype="toybased", ntoys=N)` with the numpy backend and
 *   scipy, timed inside `/usr/bin/python3` (import and model building excluded), N =
 *   `--pyhf-ntoys` (default: the same as diffinfer). pyhf's path comes from PYTHONPATH (default
 *   /tmp/pyhf-src/src); when pyhf cannot be imported the result records "pyhf not available";
 *   `--pyhf-ntoys 0` skips it. pyhf's cost per toy does not depend on N (nothing is cached
 *   between toys), so a smaller N gives the same toys per second.
 *
 * Targets: diffinfer >= 50x pyhf's toys per second; W workers >= 0.8 W x one worker.
 * Writes bench/results/toys-<timestamp>.json.
 *
 * Usage: node dist/bench/toys.js [--ntoys N] [--pyhf-ntoys N] [--workers W] [--repeat R]
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ToyCalculator, type ToyHypotestResult } from '../src/stats/inference/index.js';
import { writeFileAtomic } from '../src/stats/io.js';
import { buildModel, observedData } from '../src/stats/model/index.js';
import { parseWorkspace } from '../src/stats/workspace/index.js';
import { executorToyRunner, InProcessExecutor, WorkerPool, type Executor } from '../src/parallel/pool.js';
import { modelSource } from '../src/parallel/tasks.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CASE = join(ROOT, 'test', 'fixtures', 'pyhf', 'case-00.json');

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const ntoys = arg('--ntoys', 1000);
const pyhfNtoys = arg('--pyhf-ntoys', ntoys);
const workers = arg('--workers', 2);
const repeat = arg('--repeat', 2);

const PYHF_SCRIPT = `
import json, sys, time
import numpy as np
import pyhf
pyhf.set_backend("numpy")
spec = json.load(open(sys.argv[1]))["workspace"]
ws = pyhf.Workspace(spec); model = ws.model(); data = ws.data(model)
np.random.seed(0)
t0 = time.time()
r = pyhf.infer.hypotest(1.0, data, model, calctype="toybased", ntoys=int(sys.argv[2]), track_progress=False, return_expected_set=True)
seconds = time.time() - t0
print(json.dumps({"seconds": seconds, "CLs_obs": float(r[0]), "CLs_exp": [float(x) for x in r[1]], "version": pyhf.__version__}))
`;

interface DiffinferRun {
  readonly label: string;
  readonly workers: number;
  readonly seconds: number;
  readonly toysPerSecond: number;
  readonly clsObs: number;
  readonly failed: number;
}

async function timeRun(label: string, executor: Executor, nWorkers: number): Promise<{ run: DiffinferRun; result: ToyHypotestResult }> {
  const ws = parseWorkspace(JSON.parse(readFileSync(CASE, 'utf8')).workspace);
  const model = buildModel(ws);
  const data = observedData(ws, model);
  const runner = executorToyRunner(executor, modelSource(ws, { measurement: model.measurementName }));
  // warm-up: JIT and the workers' model cache
  await new ToyCalculator(model, data, { ntoys: 4 * nWorkers, blockSize: 2, seed: 99, runner }).hypotest(1);
  const t0 = performance.now();
  const result = await new ToyCalculator(model, data, { ntoys, seed: 1, runner }).hypotest(1);
  const seconds = (performance.now() - t0) / 1000;
  const failed = result.signalPlusBackground.failures.count + result.backgroundOnly.failures.count;
  const run = { label, workers: nWorkers, seconds, toysPerSecond: (2 * ntoys) / seconds, clsObs: result.clsObs, failed };
  process.stderr.write(`${label}: ${seconds.toFixed(2)} s, ${run.toysPerSecond.toFixed(1)} toys/s, CLs ${result.clsObs}\n`);
  return { run, result };
}

function runPyhf(): Record<string, unknown> {
  if (pyhfNtoys === 0) return { available: null, reason: 'skipped (--pyhf-ntoys 0)' };
  const env = { ...process.env, PYTHONPATH: process.env.PYTHONPATH ?? '/tmp/pyhf-src/src', OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' };
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import pyhf, scipy; print(pyhf.__version__)'], { env, encoding: 'utf8' });
  if (probe.status !== 0) return { available: false, reason: 'pyhf not available', detail: (probe.stderr || String(probe.error ?? '')).trim().split('\n').pop() };
  process.stderr.write(`pyhf ${probe.stdout.trim()}: ${pyhfNtoys} toys per side...\n`);
  const r = spawnSync('/usr/bin/python3', ['-c', PYHF_SCRIPT, CASE, String(pyhfNtoys)], { env, encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) return { available: true, failed: true, stderr: r.stderr.trim().split('\n').slice(-3).join(' | ') };
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
  return { available: true, ntoys: pyhfNtoys, ...out, toysPerSecond: (2 * pyhfNtoys) / out.seconds };
}

async function main(): Promise<void> {
  const loadBefore = loadavg();
  const runs: DiffinferRun[] = [];
  const results: ToyHypotestResult[] = [];
  const all: DiffinferRun[] = [];
  const best = new Map<string, DiffinferRun>();
  const keep = (r: { run: DiffinferRun; result: ToyHypotestResult }) => {
    all.push(r.run);
    results.push(r.result);
    const b = best.get(r.run.label);
    if (!b || r.run.seconds < b.seconds) best.set(r.run.label, r.run);
  };
  for (let k = 0; k < repeat; k++) {
    keep(await timeRun('diffinfer in-process (1 worker)', new InProcessExecutor(), 1));
    for (const w of [1, workers]) {
      const pool = new WorkerPool(w);
      try {
        keep(await timeRun(`diffinfer pool of ${w} worker thread${w > 1 ? 's' : ''}`, pool, w));
      } finally {
        await pool.close();
      }
    }
  }
  runs.push(...best.values());
  const identical = results.every(
    (r) =>
      r.clsObs === results[0].clsObs &&
      r.clsExp.every((x, i) => x === results[0].clsExp[i]) &&
      r.backgroundOnly.values.every((x, i) => Object.is(x, results[0].backgroundOnly.values[i])) &&
      r.signalPlusBackground.values.every((x, i) => Object.is(x, results[0].signalPlusBackground.values[i])),
  );
  const pyhf = runPyhf();
  const one = runs[0].toysPerSecond;
  const many = runs[runs.length - 1].toysPerSecond;
  const summary = {
    speedupVsPyhf: typeof pyhf.toysPerSecond === 'number' ? one / (pyhf.toysPerSecond as number) : null,
    speedupTarget: 50,
    scaling: { workers, ratio: many / one, target: 0.8 * workers, efficiency: many / one / workers },
    identicalAcrossWorkers: identical,
  };
  const doc = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model,
    // 1-minute load averages before and after: other processes on the machine bound the scaling
    loadAverage: { before: loadBefore[0], after: loadavg()[0] },
    case: 'case-00 (31 parameters, 18 bins), q~_mu at mu = 1',
    ntoysPerSide: ntoys,
    diffinfer: runs,
    diffinferAllRuns: all,
    pyhf,
    summary,
  };
  const stamp = doc.date.replace(/[:.]/g, '-');
  const out = join(ROOT, 'bench', 'results', `toys-${stamp}.json`);
  writeFileAtomic(out, `${JSON.stringify(doc, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify({ out, summary, diffinfer: runs.map((r) => [r.label, r.toysPerSecond]), pyhf: pyhf.toysPerSecond ?? pyhf.reason }, null, 2)}\n`);
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
