/**
 * `npm run bench`: timings of the statistics engine.
 *
 * - in-process, median of 5: one free fit and one q~_mu hypotest at mu = 1 with the expected
 *   band (a fresh calculator each time, so nothing is cached between repetitions), on every
 *   pyhf fixture and on the ATLAS workspace with each signal patch;
 * - whole process, median of 5: `diffinfer cls` on a small workspace and on ATLAS;
 * - the differentiable objectives (bench/objectives.ts): value + gradient for 10, 20, 50 bins
 *   and 2, 5, 10 nuisances (target: under 1 ms for 20 bins and 5 nuisances);
 * - the tfjs ops (bench/ops.ts): soft histograms forward + backward for 1e4, 1e5, 1e6 events on
 *   wasm and cpu (target: KDE of 1e5 events under 30 ms on wasm) and an MLP step with tfjs's and
 *   diffinfer's BatchMatMul gradient;
 * - training steps (bench/training.ts): MLP 3-100-100-10, batch 2000, wasm, every objective
 *   against BCE (target: inference-aware step at most 1.5x the BCE step).
 *
 * Targets against pyhf 0.7 (numpy, scipy) on the same machine: 340 ms per fit and 1850 ms per
 * hypotest on fixture case-00, ~1.0 s for its CLI `cls`: at least 20x faster in-process and
 * `diffinfer cls` under 0.4 s. Every fit is a multi-start (src/stats/inference/fit.ts): the rows
 * give the starts the free fit ran. `--stats` runs the statistics part only (fits, hypotests,
 * CLI, objectives; no tfjs ops or training). Writes bench/results/bench-<timestamp>.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AsymptoticCalculator, fit } from '../src/stats/inference/index.js';
import { writeFileAtomic } from '../src/stats/io.js';
import { buildModel, observedData } from '../src/stats/model/index.js';
import { parseWorkspace } from '../src/stats/workspace/index.js';
import { loadWorkspace } from '../src/stats/workspace/load.js';
import { runObjectivesBench } from './objectives.js';
import { runOpsBench } from './ops.js';
import { runTrainingBench } from './training.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const FIX = join(ROOT, 'test', 'fixtures');
const CLI = join(ROOT, 'dist', 'src', 'cli.js');
const REPEAT = 5;
const PYHF = { fitMs: 340, hypotestMs: 1850, cliClsMs: 1000 };

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

interface Row {
  name: string;
  nPars: number;
  nBins: number;
  fitMs: number;
  /** Starts the free fit ran (multi-start). */
  fitStarts: number;
  hypotestMs: number;
  converged: boolean;
}

function benchModel(name: string, ws: ReturnType<typeof parseWorkspace>, measurement?: string): Row {
  const model = buildModel(ws, { measurement });
  const data = observedData(ws, model);
  let converged = true;
  // warm-up (JIT), then the measured repetitions
  for (let i = 0; i < 3; i++) fit(model, data);
  const fitMs = median(Array.from({ length: REPEAT }, () => time(() => (converged = fit(model, data).converged && converged))));
  const fitStarts = (fit(model, data) as { starts?: number }).starts ?? 1;
  let hypotestMs = NaN;
  try {
    new AsymptoticCalculator(model, data).hypotest(1);
    hypotestMs = median(Array.from({ length: REPEAT }, () => time(() => new AsymptoticCalculator(model, data).hypotest(1))));
  } catch {
    // impossible data at mu = 0 (cases 25, 27): no hypotest, as in pyhf
  }
  return { name, nPars: model.nPars, nBins: model.nMainBins, fitMs, fitStarts, hypotestMs, converged };
}

function cliMs(args: string[]): number {
  execFileSync(process.execPath, [CLI, ...args], { stdio: 'pipe' });
  return median(
    Array.from({ length: REPEAT }, () => time(() => execFileSync(process.execPath, [CLI, ...args], { stdio: 'pipe' }))),
  );
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  const pyhfDir = join(FIX, 'pyhf');
  for (const f of readdirSync(pyhfDir).filter((x) => x.endsWith('.json')).sort()) {
    const c = JSON.parse(readFileSync(join(pyhfDir, f), 'utf8'));
    rows.push(benchModel(f.replace('.json', ''), parseWorkspace(c.workspace)));
  }
  const atlas = join(FIX, 'atlas-erjr');
  const patches = readdirSync(atlas).filter((x) => x.startsWith('patch.')).sort();
  for (const p of patches) {
    const { workspace, measurement } = loadWorkspace({ workspace: join(atlas, 'BkgOnly.json'), patches: [join(atlas, p)] });
    rows.push(benchModel(`atlas ${p.replace(/^patch\.|\.json$/g, '')}`, workspace, measurement.name));
  }
  const tmp = mkdtempSync(join(tmpdir(), 'diffinfer-bench-'));
  const small = join(tmp, 'example-uncorrelated.json');
  writeFileSync(small, JSON.stringify(JSON.parse(readFileSync(join(pyhfDir, 'example-uncorrelated.json'), 'utf8')).workspace));
  const cli = {
    smallClsMs: cliMs(['cls', small]),
    atlasClsMs: cliMs(['cls', join(atlas, 'BkgOnly.json'), '-p', join(atlas, 'patch.ERJR_200p0_100p0.json')]),
    nodeStartupMs: median(Array.from({ length: REPEAT }, () => time(() => execFileSync(process.execPath, ['-e', '0'])))),
  };
  const case00 = rows.find((r) => r.name === 'case-00')!;
  const summary = {
    case00: {
      fitMs: case00.fitMs,
      hypotestMs: case00.hypotestMs,
      fitSpeedupVsPyhf: PYHF.fitMs / case00.fitMs,
      hypotestSpeedupVsPyhf: PYHF.hypotestMs / case00.hypotestMs,
    },
    cli,
    targets: { inProcessSpeedup: 20, cliClsMs: 400 },
    pass: {
      fit: PYHF.fitMs / case00.fitMs >= 20,
      hypotest: PYHF.hypotestMs / case00.hypotestMs >= 20,
      cli: cli.smallClsMs < 400,
      allConverged: rows.every((r) => r.converged),
    },
  };
  const pad = (s: string | number, n: number) => String(s).padStart(n);
  const lines = [`${'workspace'.padEnd(30)}${pad('pars', 6)}${pad('bins', 6)}${pad('fit ms', 10)}${pad('starts', 8)}${pad('hypotest ms', 13)}  converged`];
  for (const r of rows) {
    lines.push(`${r.name.padEnd(30)}${pad(r.nPars, 6)}${pad(r.nBins, 6)}${pad(r.fitMs.toFixed(2), 10)}${pad(r.fitStarts, 8)}${pad(Number.isNaN(r.hypotestMs) ? 'n/a' : r.hypotestMs.toFixed(2), 13)}  ${r.converged}`);
  }
  lines.push(
    '',
    `case-00: fit ${case00.fitMs.toFixed(2)} ms (pyhf ${PYHF.fitMs} ms, ${summary.case00.fitSpeedupVsPyhf.toFixed(0)}x), hypotest ${case00.hypotestMs.toFixed(2)} ms (pyhf ${PYHF.hypotestMs} ms, ${summary.case00.hypotestSpeedupVsPyhf.toFixed(0)}x)`,
    `diffinfer cls as a process: small workspace ${cli.smallClsMs.toFixed(0)} ms, ATLAS ${cli.atlasClsMs.toFixed(0)} ms (node startup alone ${cli.nodeStartupMs.toFixed(0)} ms; target < 400 ms, pyhf ~${PYHF.cliClsMs} ms)`,
  );
  process.stdout.write(`${lines.join('\n')}\n\n`);

  // differentiable objectives
  const objectives = runObjectivesBench();
  const objLines = [`${'objective'.padEnd(24)}${pad('bins', 6)}${pad('nuisances', 11)}${pad('value+gradient ms', 19)}`];
  for (const r of objectives) objLines.push(`${r.objective.padEnd(24)}${pad(r.bins, 6)}${pad(r.nuisances, 11)}${pad(r.valueAndGradientMs.toFixed(3), 19)}`);
  process.stdout.write(`${objLines.join('\n')}\n\n`);
  const statsOnly = process.argv.includes('--stats');

  // tfjs ops
  const ops = statsOnly ? [] : await runOpsBench({ log: (line) => process.stdout.write(`${line}\n`) });
  const at = (objective: string) => objectives.find((r) => r.objective === objective && r.bins === 20 && r.nuisances === 5)!.valueAndGradientMs;
  const kde = (op: string) => ops.find((r) => r.op === op && r.backend === 'wasm' && r.n === 1e5)?.forwardBackwardMs ?? NaN;
  const differentiable = {
    objective20Bins5NuisancesMs: {
      cramerRaoWidth: at('cramerRaoWidth'),
      profileWidth: at('profileWidth'),
      expectedCls: at('expectedCls'),
      discoverySignificance: at('discoverySignificance'),
    },
    kde1e5WasmMs: { gaussian: kde('kdeHistogram gaussian'), logistic: kde('kdeHistogram logistic') },
    targets: { objective20Bins5NuisancesMs: 1, kde1e5WasmMs: 30 },
  };
  process.stdout.write(
    `\n20 bins, 5 nuisances, value + gradient: ${Object.entries(differentiable.objective20Bins5NuisancesMs).map(([k, v]) => `${k} ${v.toFixed(3)} ms`).join(', ')} (target < 1 ms)\n` +
      (statsOnly ? '' : `KDE histogram of 1e5 events, 10 bins, forward + backward on wasm: gaussian ${differentiable.kde1e5WasmMs.gaussian.toFixed(1)} ms, logistic ${differentiable.kde1e5WasmMs.logistic.toFixed(1)} ms (target < 30 ms)\n`),
  );
  // training steps
  const training = statsOnly ? [] : await runTrainingBench();
  if (!statsOnly) process.stdout.write(`\n${'objective'.padEnd(16)}${pad('batch', 7)}${pad('var f', 7)}${pad('net rows', 10)}${pad('step ms', 10)}${pad('x bce', 8)}\n`);
  for (const r of training) process.stdout.write(`${r.objective.padEnd(16)}${pad(r.batch, 7)}${pad(r.variationFraction, 7)}${pad(r.networkRows, 10)}${pad(r.stepMs.toFixed(2), 10)}${pad(r.ratioToBce.toFixed(2), 8)}\n`);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const out = join(ROOT, 'bench', 'results', `bench-${statsOnly ? 'stats-' : ''}${stamp}.json`);
  writeFileAtomic(out, `${JSON.stringify({ date: new Date().toISOString(), node: process.version, repeat: REPEAT, pyhfReference: PYHF, summary, rows, differentiable, objectives, ops, training }, null, 2)}\n`);
  process.stdout.write(`wrote ${out}\n`);
}

await main();
