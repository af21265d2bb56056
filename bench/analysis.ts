/**
 * Benchmarks of the example analysis (examples/resonance, issue 11):
 *
 * 1. one training step (batch 2000 events per sample, every systematic: the JES transform on
 *    three samples, the JER alternative files, the weight systematics, the fixed control region)
 *    for `inferno` at variation fractions 1 and 0.25 against a `bce` step on the same batch:
 *    the median step time after 5 warm-up steps, three interleaved rounds of 20 steps (wasm
 *    backend, the same network size), and the network alone on the rows of each step kind
 *    (where the time goes);
 * 2. with `--memory`, `diffinfer train` on 1M events per sample file (`diffinfer example
 *    --events 1000000 --signal-events 1000000`): the peak resident memory (`/usr/bin/time -v`) of
 *    a short training (20 steps) with its validation evaluation (measured 473 MB; target 2 GB).
 *
 * Run: `npm run build && node dist/bench/analysis.js [--memory]`; writes bench/results/analysis-<date>.json.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import YAML from 'yaml';
import { initBackend } from '../src/autodiff/backend.js';
import { compileAnalysis, createAnalysisSummary, loadAnalysisConfig, trainAnalysis } from '../src/models/index.js';
import { writeFileAtomic } from '../src/stats/io.js';
import { writeResonanceExample } from '../experiments/example.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Step times (ms) of `steps` training steps after 5 warm-up steps. */
async function stepTimes(configPath: string, method: 'bce' | 'inferno', variationFraction: number, steps: number): Promise<number[]> {
  const loaded = loadAnalysisConfig(configPath);
  const config = { ...loaded.config, training: { ...loaded.config.training, steps: steps + 5, batch: 2000, variationFraction, validationEvery: 10_000 } };
  const compiled = await compileAnalysis(config, { baseDir: loaded.baseDir, method, splits: ['train'] });
  const times: number[] = [];
  const { summary } = await trainAnalysis(compiled, { onStep: (r) => times.push(r.stepMs) });
  summary.dispose();
  return times.slice(5);
}

const median = (v: readonly number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];

/**
 * The three step kinds in interleaved rounds (a shared machine's load then falls on all three
 * alike); per kind the median over every round's steps. `rows`: the network rows of one step
 * (BCE: the three nominal batches; INFERNO: those plus the JES transform of each and the JER
 * files, fully or a quarter of the batch each).
 */
async function stepBench(rounds = 3, steps = 20): Promise<Record<string, number>> {
  await initBackend({ request: 'wasm', log: () => {} });
  const dir = mkdtempSync(join(tmpdir(), 'bench-analysis-'));
  writeResonanceExample(dir, { events: 60_000 });
  const cfg = join(dir, 'analysis.yaml');
  const t = { bce: [] as number[], inferno: [] as number[], infernoQuarter: [] as number[] };
  for (let r = 0; r < rounds; r++) {
    t.bce.push(...(await stepTimes(cfg, 'bce', 1, steps)));
    t.inferno.push(...(await stepTimes(cfg, 'inferno', 1, steps)));
    t.infernoQuarter.push(...(await stepTimes(cfg, 'inferno', 0.25, steps)));
  }
  const [bce, inferno, infernoQuarter] = [median(t.bce), median(t.inferno), median(t.infernoQuarter)];
  const net = await networkBench(cfg, rounds);
  return {
    ...net, bceMs: bce, infernoMs: inferno, infernoQuarterMs: infernoQuarter, ratio: inferno / bce, ratioQuarter: infernoQuarter / bce, bceRows: 3 * 2000, infernoRows: 11 * 2000, infernoQuarterRows: 3 * 2000 + 8 * 500, loadAverage: loadavg()[0] };
}

/**
 * Where a step's time goes: the summary network alone (forward and backward of the sum of its
 * outputs, the config's network) on the rows of each step kind — BCE's three passes of 2000
 * nominal events, INFERNO's one pass of 22 000 rows (f = 1) or 10 000 (f = 0.25). Interleaved
 * rounds of 20 passes after 5 warm-up passes; medians.
 */
async function networkBench(configPath: string, rounds: number): Promise<Record<string, number>> {
  const loaded = loadAnalysisConfig(configPath);
  const compiled = await compileAnalysis(loaded.config, { baseDir: loaded.baseDir, method: 'inferno', splits: ['train'] });
  const mlp = createAnalysisSummary(compiled);
  const vars = mlp.trainableVariables();
  const x = (rows: number) => tf.randomNormal([rows, compiled.features.length], 0, 1, 'float32', 1) as tf.Tensor2D;
  const [x22, x10, x2] = [x(22_000), x(10_000), x(2000)];
  const passes = (loss: () => tf.Scalar): number[] => {
    const t: number[] = [];
    for (let i = 0; i < 25; i++) {
      const t0 = performance.now();
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(loss, vars);
        value.dataSync();
        for (const g of Object.values(grads)) g.dataSync();
      });
      t.push(performance.now() - t0);
    }
    return t.slice(5);
  };
  const t = { bce: [] as number[], inferno: [] as number[], infernoQuarter: [] as number[] };
  for (let r = 0; r < rounds; r++) {
    t.bce.push(...passes(() => tf.addN([0, 1, 2].map(() => tf.sum(mlp.apply(x2)))) as tf.Scalar));
    t.inferno.push(...passes(() => tf.sum(mlp.apply(x22)) as tf.Scalar));
    t.infernoQuarter.push(...passes(() => tf.sum(mlp.apply(x10)) as tf.Scalar));
  }
  tf.dispose([x22, x10, x2]);
  mlp.dispose();
  return { bceNetworkMs: median(t.bce), infernoNetworkMs: median(t.inferno), infernoQuarterNetworkMs: median(t.infernoQuarter) };
}

/** Peak resident memory of `diffinfer train` on the example with 1M events per sample file. */
function memoryBench(): Record<string, number> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-analysis-1m-'));
  const cli = join(ROOT, 'dist', 'src', 'cli.js');
  execFileSync('node', [cli, 'example', '--out', dir, '--events', '1000000', '--signal-events', '1000000'], { stdio: 'inherit' });
  const cfgPath = join(dir, 'analysis.yaml');
  const config = YAML.parse(readFileSync(cfgPath, 'utf8'));
  config.training = { ...config.training, steps: 20, validationEvery: 20 };
  writeFileSync(cfgPath, YAML.stringify(config));
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-v', 'node', cli, 'train', cfgPath, '--out', join(dir, 'runs'), '--no-progress', '--backend', 'wasm'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`train failed: ${r.stderr}`);
  const kb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)?.[1]);
  return { eventsPerFile: 1_000_000, peakMegabytes: kb / 1024, seconds: (performance.now() - t0) / 1000 };
}

async function main(): Promise<void> {
  const result: Record<string, unknown> = { date: new Date().toISOString(), step: await stepBench() };
  if (process.argv.includes('--memory')) result.memory = memoryBench();
  console.log(JSON.stringify(result, null, 2));
  writeFileAtomic(join(ROOT, 'bench', 'results', `analysis-${result.date as string}.json`.replace(/:/g, '-')), `${JSON.stringify(result, null, 2)}\n`);
}

await main();
