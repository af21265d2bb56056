/**
 * `npm run bench:scale`: an ablation on one worker and on two (issue 13's acceptance figure).
 *
 * Runs `diffinfer ablate --benchmarks 2,4 --methods inferno,bce --seeds 10 --workers W` for
 * W = 1 and W = 2 (the compiled CLI, one process each, one after the other), times each from
 * start to exit, and compares the two results.json apart from the date and the timings
 * (trainSeconds, secondsPerEpoch, the epochs' seconds): they must be equal, bit for bit.
 * Target: the wall time of W = 2 at most 0.6x that of W = 1 on a 2-core machine.
 * Writes bench/results/scale-<timestamp>.json (both wall times, the ratio, whether the results
 * are equal, the machine's load before and after each run).
 *
 * Options passed to both ablations (defaults: the command's, i.e. the full run, tens of minutes):
 *   --epochs N --train-events N --test-events N --seeds K|A-B --backend NAME --workers W (the second run's, default 2)
 *
 * Usage: node dist/bench/scale.js [--epochs 1 --train-events 5000 --test-events 5000 --seeds 2]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resultsWithoutTimings } from '../experiments/commands.js';
import { writeFileAtomic } from '../src/stats/io.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = join(ROOT, 'dist', 'src', 'cli.js');

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

const passed = ['--epochs', '--train-events', '--test-events', '--backend'].flatMap((f) => (option(f) === undefined ? [] : [f, option(f)!]));
const seeds = option('--seeds') ?? '10';
const parallel = Number(option('--workers') ?? 2);
const base = ['ablate', '--benchmarks', '2,4', '--methods', 'inferno,bce', '--seeds', seeds, ...passed, '--no-progress'];

/** results.json without the date and the timings. */
function science(dir: string): string {
  return JSON.stringify(resultsWithoutTimings(JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'))));
}

interface Run {
  readonly workers: number;
  readonly seconds: number;
  readonly load_before: number[];
  readonly load_after: number[];
  readonly runs: number;
}

async function ablate(workers: number, out: string): Promise<Run> {
  const load_before = loadavg();
  const t0 = performance.now();
  const args = [CLI, ...base, '--workers', String(workers), '--out', out];
  process.stderr.write(`bench:scale: node ${args.join(' ')}\n`);
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('exit', (c) => resolve(c));
  });
  const seconds = (performance.now() - t0) / 1000;
  if (code !== 0) throw new Error(`ablate --workers ${workers} exited with ${code}`);
  const runs = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')).results.length;
  return { workers, seconds, load_before, load_after: loadavg(), runs };
}

const tmp = mkdtempSync(join(tmpdir(), 'diffinfer-bench-scale-'));
try {
  const one = await ablate(1, join(tmp, 'w1'));
  const many = await ablate(parallel, join(tmp, `w${parallel}`));
  const equal = science(join(tmp, 'w1')) === science(join(tmp, `w${parallel}`));
  const ratio = many.seconds / one.seconds;
  const started = new Date().toISOString();
  const result = {
    bench: 'scale',
    date: started,
    command: `diffinfer ${base.join(' ')} --workers W`,
    machine: { cores: availableParallelism(), cpu: cpus()[0]?.model ?? 'unknown' },
    runs: [one, many],
    ratio,
    target: { ratio_at_most: 0.6, met: ratio <= 0.6 },
    results_equal_apart_from_timings: equal,
  };
  const file = join(ROOT, 'bench', 'results', `scale-${started.replace(/[:.]/g, '-')}.json`);
  writeFileAtomic(file, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\nbench:scale: wrote ${file}\n`);
  if (!equal) process.exitCode = 1;
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
