/**
 * `npm run bench:challenge`: the challenge protocol (experiments/challenge/protocol.ts) at table
 * scale — every arm (bce, bce-augmented, nf-ensemble, parameterized, pivot, inferno,
 * profile-width) x 3 seeds, 1000 pseudo-experiments per arm and seed, profile and Neyman
 * intervals, on 2 worker threads.
 *
 * Settings (flags override; `CHALLENGE_DEFAULTS` of the protocol): training 300 steps on
 * 20 000 training / 10 000 validation events per process; templates and the pseudo-experiments'
 * pool 2000 test events per process; Neyman belt 11 points x 200 over the POI bounds [0, 10];
 * nf-ensemble flows 2 layers x 16 hidden; true mu ~ U[0.1, 3]. Measured 2026-12-02: 2086 s on the
 * 2-core machine (training on the main thread ~8 min; pseudo-experiments per arm and seed ~25 s
 * for the MLP arms, ~4.5 min for nf-ensemble, whose flows see every pool event).
 *
 * Writes the run to bench/results/challenge-<date>/ (bundles, coverage folders, results.json,
 * report.md, plots) and the summary to bench/results/challenge-<date>.json. `--resume`
 * continues an interrupted run of the same date and settings. Run it with `nice` on a shared
 * machine; it needs `npm run build` (the script does it).
 *
 * Usage: node dist/bench/challenge.js [--seeds K] [--pseudo-experiments N] [--workers W] [--steps S]
 *   [--test-events E] [--belt-points P] [--belt-toys T] [--arms LIST] [--out DIR] [--resume]
 */
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../src/autodiff/backend.js';
import { writeFileAtomic } from '../src/stats/io.js';
import { CHALLENGE_DEFAULTS, runChallengeProtocol, type ChallengeProtocolOptions } from '../experiments/challenge/protocol.js';
import { CHALLENGE_ARMS } from '../experiments/challenge/train-arms.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

const date = new Date().toISOString().slice(0, 10);
const name = `challenge-${date}`;
const out = arg('--out') ?? join(ROOT, 'bench', 'results', name);
const testEvents = Number(arg('--test-events') ?? CHALLENGE_DEFAULTS.training.testEvents);

const options: ChallengeProtocolOptions = {
  arms: (arg('--arms') ?? CHALLENGE_ARMS.join(',')).split(','),
  seeds: Number(arg('--seeds') ?? 3),
  pseudoExperiments: Number(arg('--pseudo-experiments') ?? 1000),
  muRange: [0.1, 3],
  training: { ...CHALLENGE_DEFAULTS.training, steps: Number(arg('--steps') ?? CHALLENGE_DEFAULTS.training.steps), testEvents },
  beltPoints: Number(arg('--belt-points') ?? CHALLENGE_DEFAULTS.beltPoints),
  beltToys: Number(arg('--belt-toys') ?? CHALLENGE_DEFAULTS.beltToys),
  out,
  workers: Number(arg('--workers') ?? 2),
  resume: process.argv.includes('--resume'),
  progress: true,
};

async function main(): Promise<void> {
  const t0 = performance.now();
  const backend = await initBackend({ request: 'wasm' });
  process.stderr.write(`bench: challenge protocol, ${options.arms.length} arms x ${options.seeds} seeds, N = ${options.pseudoExperiments}, belt ${options.beltPoints} x ${options.beltToys}, ${options.workers} workers -> ${out}\n`);
  const r = await runChallengeProtocol(options);
  const report = {
    bench: 'challenge',
    date: new Date().toISOString(),
    settings: { arms: options.arms, seeds: options.seeds, pseudo_experiments: options.pseudoExperiments, mu_range: options.muRange, training: options.training, belt: `${options.beltPoints} points x ${options.beltToys}`, workers: options.workers },
    machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavg: loadavg(), backend: backend.name },
    summary: r.json,
    results: join(out, 'results.json'),
    seconds: (performance.now() - t0) / 1000,
  };
  const file = arg('--out') !== undefined ? join(out, 'bench.json') : join(ROOT, 'bench', 'results', `${name}.json`);
  writeFileAtomic(file, `${JSON.stringify(report, null, 2)}\n`);
  process.stderr.write(`bench: wrote ${file} (${report.seconds.toFixed(0)} s)${r.message ? `; ${r.message}` : ''}\n`);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
