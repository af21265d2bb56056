/**
 * `npm run bench:experiments [-- --seeds K --epochs E --from DIR]`: the experiment acceptance
 * figures.
 *
 * 1. `diffinfer ablate --benchmarks 2,4 --methods inferno,bce --seeds K --epochs E
 *    --test-events 500000` as a child process (or the results of an earlier run with `--from`),
 *    summarised as medians with 16/84% quantiles against the targets: benchmark 2 INFERNO <= 17.2
 *    and BCE in [23, 25]; benchmark 4 INFERNO <= 19.0 and BCE in [25.5, 28]; seconds per epoch
 *    (200k events, batch 2000) <= 4.25 (half of the PyTorch reference's 8.5 s on this machine).
 * 2. `diffinfer apply` on 1 000 000 events (CSV) with a trained model: wall time (target 60 s)
 *    and peak memory (GNU time's maximum resident set size; target 1.5 GB).
 * Writes bench/results/experiments-<timestamp>.json.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { simulateInferno } from '../experiments/simulators/inferno.js';
import { writeCsv } from '../experiments/io/events.js';
import { summariseSeeds, type ExperimentResults } from '../experiments/report/index.js';
import { writeFileAtomic } from '../src/stats/io.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = join(ROOT, 'dist', 'src', 'cli.js');

function arg(name: string, fallback?: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const from = arg('--from');
const out = from ?? join(ROOT, 'bench', 'results', `experiments-${stamp}`);
if (!from) {
  execFileSync(process.execPath, [CLI, 'ablate', '--benchmarks', '2,4', '--methods', 'inferno,bce', '--seeds', arg('--seeds', '10')!, '--epochs', arg('--epochs', '15')!, '--test-events', '500000', '--out', out, '--no-progress'], { stdio: ['ignore', 'ignore', 'inherit'] });
}
const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as ExperimentResults;
const summary = summariseSeeds(results.results);
const median = (b: number, m: string) => summary.find((s) => s.benchmark === b && s.method === m)?.sigmaFisher.median ?? NaN;
const perEpoch = results.results.filter((r) => r.method === 'inferno').map((r) => r.secondsPerEpoch).sort((a, b) => a - b);

// apply on 1M events
const tmp = mkdtempSync(join(tmpdir(), 'diffinfer-apply-'));
const events = simulateInferno({ process: 'background', n: 1_000_000, seed: 'apply-bench' });
const input = join(tmp, 'events.csv');
writeCsv(input, ['x0', 'x1', 'x2'], events.n, (i) => events.x.subarray(3 * i, 3 * i + 3));
const model = join(out, results.results.find((r) => r.method === 'inferno')!.modelDir);
const t0 = performance.now();
const run = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, CLI, 'apply', '--model', model, '--input', input, '--output', join(tmp, 'bins.csv')], { encoding: 'utf8' });
const applySeconds = (performance.now() - t0) / 1000;
const peakKb = Number(run.stderr.trim().split('\n').pop());

const report = {
  date: new Date().toISOString(),
  node: process.version,
  run: out,
  config: results.config,
  summary,
  targets: {
    benchmark2: { inferno: median(2, 'inferno'), bce: median(2, 'bce'), pass: median(2, 'inferno') <= 17.2 && median(2, 'bce') >= 23 && median(2, 'bce') <= 25 },
    benchmark4: { inferno: median(4, 'inferno'), bce: median(4, 'bce'), pass: median(4, 'inferno') <= 19.0 && median(4, 'bce') >= 25.5 && median(4, 'bce') <= 28 },
    secondsPerEpochInferno: { median: perEpoch[perEpoch.length >> 1], pass: perEpoch[perEpoch.length >> 1] <= 4.25 },
    apply1M: { seconds: applySeconds, peakMB: peakKb / 1024, exitCode: run.status, pass: run.status === 0 && applySeconds <= 60 && peakKb / 1024 <= 1536 },
  },
};
process.stdout.write(`${JSON.stringify(report.targets, null, 2)}\n`);
const file = join(ROOT, 'bench', 'results', `experiments-${stamp}.json`);
writeFileAtomic(file, `${JSON.stringify(report, null, 2)}\n`);
process.stdout.write(`wrote ${file}\n`);
