/**
 * Benchmarks of the example analysis (examples/resonance, issue 11):
 *
 * 1. one training step (batch 2000 events per sample, every systematic: the JES transform on
 *    three samples, the JER alternative files, the weight systematics, the fixed control region)
 *    for `inferno` at variation fractions 1 and 0.25 against a `bce` step on the same batch:
 *    the median step time after 5 warm-up steps (wasm backend, the same network size);
 * 2. `diffinfer train` on 1M events per sample file (`--events 1000000 --signal-events 1000000`): the peak resident memory
 *    (`/usr/bin/time -v`) of a short training (20 steps) with its validation evaluation.
 *
 * Run: `npm run build && node dist/bench/analysis.js [--memory]`; writes bench/results/analysis-<date>.json.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { initBackend } from '../src/autodiff/backend.js';
import { compileAnalysis, loadAnalysisConfig, trainAnalysis } from '../src/models/index.js';
import { writeFileAtomic } from '../src/stats/io.js';
import { writeResonanceExample } from '../experiments/example.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Median step time (ms) of `steps` training steps after 5 warm-up steps. */
async function stepMs(configPath: string, method: 'bce' | 'inferno', variationFraction: number, steps = 25): Promise<number> {
  const loaded = loadAnalysisConfig(configPath);
  const config = { ...loaded.config, training: { ...loaded.config.training, steps: steps + 5, batch: 2000, variationFraction, validationEvery: 10_000 } };
  const compiled = await compileAnalysis(config, { baseDir: loaded.baseDir, method, splits: ['train'] });
  const times: number[] = [];
  const { summary } = await trainAnalysis(compiled, { onStep: (r) => times.push(r.stepMs) });
  summary.dispose();
  const sorted = times.slice(5).sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

async function stepBench(): Promise<Record<string, number>> {
  await initBackend({ request: 'wasm', log: () => {} });
  const dir = mkdtempSync(join(tmpdir(), 'bench-analysis-'));
  writeResonanceExample(dir, { events: 60_000 });
  const cfg = join(dir, 'analysis.yaml');
  const bce = await stepMs(cfg, 'bce', 1);
  const inferno = await stepMs(cfg, 'inferno', 1);
  const infernoQuarter = await stepMs(cfg, 'inferno', 0.25);
  return { bceMs: bce, infernoMs: inferno, infernoQuarterMs: infernoQuarter, ratio: inferno / bce, ratioQuarter: infernoQuarter / bce };
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
