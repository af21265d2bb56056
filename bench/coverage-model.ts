/**
 * `npm run bench:coverage`: coverage of a BCE and an INFERNO model on INFERNO benchmark 4 (all
 * nuisances constrained: r ~ N(2, 0.4), lambda ~ N(3, 1), b ~ N(1000, 100)), pseudo-experiments
 * drawn from the simulator (experiments/coverage-model.ts), profile-likelihood and Neyman
 * intervals.
 *
 * - models: one seed of each method trained with the README's settings (15 epochs, 1e5 training
 *   events per process, batch 2000, templates from 500 000 fresh events per process), or reused
 *   from `--reuse DIR` (the bundles `DIR/<method>/seed-0` of an earlier run of this bench);
 * - per model and interval: `--pseudo-experiments` (default 1000) pseudo-experiments, seed
 *   `--seed` (default 1), true mu uniform in [0.1, 3]; the Neyman belt 12 points x 200;
 * - the band for N = 1000 is [0.6533, 0.7121]; each result records whether c lies in it, the
 *   coverage in bins of the true mu, and in bins of the drawn shape nuisances' distance from
 *   nominal in template steps (|alpha| = |r - 2| / 0.2, |lambda - 3| / 0.5): the histosys
 *   templates sit at alpha = +-1 and the model extrapolates beyond (pyhf's code4p: linear in
 *   alpha outside [-1, 1]), while the simulator's shape changes are not linear in r and lambda.
 *
 * Writes bench/results/coverage-b4-<date>.json (models and the coverage folders under
 * bench/results/coverage-b4-<date>/). Run it with `nice` on a shared machine.
 *
 * Usage: node dist/bench/coverage-model.js [--pseudo-experiments N] [--seed S] [--epochs E] [--workers W] [--reuse DIR]
 */
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../src/autodiff/backend.js';
import { writeFileAtomic } from '../src/stats/io.js';
import { bundleTemplates, runModelCoverage, simulatorTruth, type ModelTemplates } from '../experiments/coverage-model.js';
import { INFERNO_DEFAULTS, trainInfernoSeed } from '../experiments/inferno/run.js';
import { INFERNO_NOMINAL } from '../experiments/simulators/inferno.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

const n = Number(arg('--pseudo-experiments') ?? 1000);
const seed = Number(arg('--seed') ?? 1);
const epochs = Number(arg('--epochs') ?? 15);
const workers = Number(arg('--workers') ?? 1);
const reuse = arg('--reuse');
const date = new Date().toISOString().slice(0, 10);
const name = `coverage-b4-${date}`;
const dir = join(ROOT, 'bench', 'results', name);

interface CoverageRecordLite {
  index: number;
  mu: number;
  covered: boolean;
  width: number;
}

/** Coverage in groups of records (binomial errors). */
function groups(records: CoverageRecordLite[], key: (r: CoverageRecordLite) => string): Record<string, { n: number; coverage: number; error: number; mean_width: number }> {
  const out: Record<string, CoverageRecordLite[]> = {};
  for (const r of records) (out[key(r)] ??= []).push(r);
  return Object.fromEntries(
    Object.entries(out)
      .sort()
      .map(([k, rs]) => {
        const c = rs.filter((r) => r.covered).length / rs.length;
        return [k, { n: rs.length, coverage: c, error: Math.sqrt((c * (1 - c)) / rs.length), mean_width: rs.reduce((a, r) => a + r.width, 0) / rs.length }];
      }),
  );
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const backend = await initBackend({ request: 'wasm' });
  const models: Record<string, unknown> = {};
  const results: Record<string, unknown>[] = [];
  for (const method of ['bce', 'inferno'] as const) {
    const modelDir = join(method, 'seed-0');
    let templates: ModelTemplates;
    const reused = reuse !== undefined && existsSync(join(reuse, modelDir, 'bundle.json'));
    const t1 = performance.now();
    if (reused) {
      templates = await bundleTemplates(join(reuse, modelDir), 4);
      models[method] = { reused: join(reuse, modelDir), seconds: (performance.now() - t1) / 1000 };
    } else {
      process.stderr.write(`bench: training ${method} on benchmark 4, ${epochs} epochs\n`);
      const trained = await trainInfernoSeed({ ...INFERNO_DEFAULTS, epochs, benchmark: 4, method }, 0, 500_000, { out: dir, modelDir });
      templates = { bundle: join(dir, modelDir), benchmark: 4, analysis: trained.evaluation.analysis, counts: trained.evaluation.counts };
      models[method] = {
        bundle: join(dir, modelDir),
        sigma_s_fisher: trained.result.sigmaFisher,
        sigma_s_profile: trained.result.sigmaProfile,
        epochs: trained.result.epochs,
        train_seconds: trained.result.trainSeconds,
        seconds: (performance.now() - t1) / 1000,
      };
      trained.summary.dispose();
    }
    for (const interval of ['profile', 'neyman'] as const) {
      const out = join(dir, method, interval);
      process.stderr.write(`bench: ${method}, ${interval}: ${n} pseudo-experiments\n`);
      const r = await runModelCoverage(templates, { pseudoExperiments: n, seed, muRange: [0.1, 3], method: interval, level: 1, beltPoints: 12, beltToys: 200, out, workers, progress: false });
      if (r.kind !== 'results') throw new Error('unexpected shard');
      const file = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { records: CoverageRecordLite[]; summary: { bins: { muLow: number; muHigh: number; n: number; coverage: number; error: number }[] } };
      const step = (x: number) => (x <= 1 ? '|alpha| <= 1' : x <= 2 ? '1 < |alpha| <= 2' : '|alpha| > 2');
      const truths = new Map(file.records.map((rec) => [rec.index, simulatorTruth(4, seed, 'coverage', rec.index, rec.mu)]));
      const j = r.json;
      results.push({
        method,
        interval,
        pseudo_experiments: j.pseudo_experiments,
        failed: j.failed,
        coverage: j.coverage,
        coverage_error: j.coverage_error,
        band: j.band,
        in_band: j.in_band,
        mean_width_mu: j.mean_width,
        mean_width_s: INFERNO_NOMINAL.s * j.mean_width,
        median_width_mu: j.median_width,
        score: j.score,
        one_sided: j.one_sided,
        pull_mean: j.pull_mean,
        pull_std: j.pull_std,
        seconds: j.seconds,
        by_true_mu: file.summary.bins.map((b) => ({ mu: [b.muLow, b.muHigh], n: b.n, coverage: b.coverage, error: b.error })),
        by_max_shape_alpha: groups(file.records, (rec) => {
          const t = truths.get(rec.index)!;
          return step(Math.max(Math.abs(t.r - 2) / 0.2, Math.abs(t.lambda - 3) / 0.5));
        }),
        by_lambda_alpha: groups(file.records, (rec) => step(Math.abs(truths.get(rec.index)!.lambda - 3) / 0.5)),
        by_r_alpha: groups(file.records, (rec) => step(Math.abs(truths.get(rec.index)!.r - 2) / 0.2)),
        out,
      });
      process.stderr.write(`bench:   coverage ${j.coverage.toFixed(4)} +- ${j.coverage_error.toFixed(4)} (band [${j.band[0].toFixed(4)}, ${j.band[1].toFixed(4)}]: ${j.in_band ? 'inside' : 'outside'}), mean width ${j.mean_width.toFixed(4)} (s: ${(50 * j.mean_width).toFixed(2)}), score ${j.score.toFixed(4)}, ${j.seconds.toFixed(1)} s\n`);
    }
  }
  const report = {
    bench: 'coverage-model',
    date: new Date().toISOString(),
    benchmark: 4,
    settings: { pseudo_experiments: n, seed, mu_range: [0.1, 3], epochs, train_events: INFERNO_DEFAULTS.trainEvents, template_events: 500_000, belt: '12 points x 200', workers },
    machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavg: loadavg(), backend: backend.name },
    models,
    results,
    seconds: (performance.now() - t0) / 1000,
  };
  const file = join(ROOT, 'bench', 'results', `${name}.json`);
  writeFileAtomic(file, `${JSON.stringify(report, null, 2)}\n`);
  process.stderr.write(`bench: wrote ${file} (${report.seconds.toFixed(0)} s)\n`);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
