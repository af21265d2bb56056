/**
 * Slurm: a sharded command as a job array (one shard per array task, from
 * `$SLURM_ARRAY_TASK_ID`) plus a merge job that runs when every task succeeded
 * (`--dependency=afterok:<array id>`), and the status of such a run from its unit folders and
 * the queue. diffinfer runs on the cluster as it is: `sbatch` and `squeue` are the interface, no
 * scheduler of its own.
 *
 * ```
 * DIR/slurm/array.sbatch     the array script        DIR/slurm/logs/<array id>-shard-<i>.log
 * DIR/slurm/merge.sbatch     the merge script        DIR/slurm/logs/<merge id>-merge.log
 * DIR/slurm/jobs.json        the job ids, the shard count, the command
 * ```
 *
 * Node-only (processes, files).
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../stats/errors.js';
import { writeFileAtomic } from '../stats/io.js';
import { shardFolders } from './job.js';
import { compiledModuleUrl } from './pool.js';
import { shardFolderName } from './shards.js';
import { UnitStore } from './units.js';

/** The path of `bin` on `PATH` (executable), or undefined. */
export function findOnPath(bin: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, bin);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The compiled CLI the batch scripts run (`dist/src/cli.js`; `npm run build` makes it). */
export function cliEntryPath(): string {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return fileURLToPath(compiledModuleUrl(new URL(`../cli${ext}`, import.meta.url).href));
}

/** A word quoted for bash (single quotes). */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Options of `diffinfer slurm submit`. */
export interface SlurmSubmitOptions {
  /** The diffinfer command and its arguments (after `--`), e.g. `['coverage', 'ws.json', '--out', 'runs/cov', ...]`. */
  readonly command: readonly string[];
  /** Array tasks = shards. */
  readonly shards: number;
  readonly partition?: string;
  /** Slurm time limit per task, e.g. `1:00:00`. */
  readonly time?: string;
  readonly cpusPerTask?: number;
  /** Memory per node, e.g. `4G`. */
  readonly mem?: string;
  /** At most K array tasks at once (`--array=0-(N-1)%K`). */
  readonly arrayMax?: number;
  /** The folder the jobs run in (default: this process's). */
  readonly cwd?: string;
  /** Node and the CLI script the jobs run (default: this Node, {@link cliEntryPath}). */
  readonly node?: string;
  readonly cli?: string;
}

/** The batch scripts of a submission. */
export interface SlurmPlan {
  /** The command's output folder (`--out DIR`), as given and absolute. */
  readonly out: string;
  readonly outAbsolute: string;
  readonly arrayScript: string;
  readonly mergeScript: string;
  readonly arrayPath: string;
  readonly mergePath: string;
  readonly logs: string;
}

/** The commands that take `--shard i/N`. */
export const SHARDED_COMMANDS: readonly string[] = ['coverage', 'cls', 'limit', 'ablate', 'inferno'];

/** The value of option `flag` in `args` (`--flag V` or `--flag=V`), or undefined. */
export function optionValue(args: readonly string[], flag: string): string | undefined {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--') break;
    if (args[i] === flag) return args[i + 1];
    if (args[i].startsWith(`${flag}=`)) return args[i].slice(flag.length + 1);
  }
  return undefined;
}

function hasFlag(args: readonly string[], ...flags: string[]): boolean {
  return args.some((a) => flags.some((f) => a === f || a.startsWith(`${f}=`)));
}

/**
 * The array and merge scripts of a sharded command (nothing written, nothing submitted).
 *
 * @throws InputError (place "slurm submit") for a command that cannot be sharded, without
 *   `--out DIR`, or that already has `--shard`.
 * @example
 * ```ts
 * const plan = planSlurmJobs({ command: ['coverage', 'ws.json', '--out', 'runs/cov'], shards: 8, time: '1:00:00' });
 * plan.arrayScript; // '#!/bin/bash\n#SBATCH --array=0-7 ...'
 * ```
 */
export function planSlurmJobs(o: SlurmSubmitOptions): SlurmPlan {
  const [command, ...rest] = o.command;
  if (command === undefined) throw new InputError('argument', 'slurm submit', 'no command: give it after --, e.g. diffinfer slurm submit --shards 8 -- coverage ws.json --out runs/cov');
  if (!SHARDED_COMMANDS.includes(command)) throw new InputError('argument', 'slurm submit', `"${command}" cannot be sharded (commands with --shard: ${SHARDED_COMMANDS.join(', ')})`);
  const out = optionValue(rest, '--out');
  if (out === undefined || out === '') throw new InputError('argument', 'slurm submit', `the command needs --out DIR: the shards and the merged results go there`);
  if (hasFlag(rest, '--shard')) throw new InputError('argument', 'slurm submit', 'the command has --shard; the array sets it (--shard $SLURM_ARRAY_TASK_ID/N)');
  if (command === 'ablate' && hasFlag(rest, '--config')) throw new InputError('argument', 'slurm submit', '"ablate --config" cannot be sharded (the INFERNO ablation can: ablate --benchmarks ...)');
  if (!Number.isSafeInteger(o.shards) || o.shards < 1) throw new InputError('argument', 'shards', `must be a positive integer, got ${o.shards}`);
  const cwd = resolve(o.cwd ?? process.cwd());
  const outAbsolute = resolve(cwd, out);
  const logs = join(outAbsolute, 'slurm', 'logs');
  const node = o.node ?? process.execPath;
  const cli = o.cli ?? cliEntryPath();
  const resources = [
    o.partition !== undefined ? `#SBATCH --partition=${o.partition}` : undefined,
    o.time !== undefined ? `#SBATCH --time=${o.time}` : undefined,
    o.mem !== undefined ? `#SBATCH --mem=${o.mem}` : undefined,
  ].filter((x): x is string => x !== undefined);
  const base = [node, cli, command, ...rest].map(shellQuote).join(' ');
  const extra = [
    `--shard "\${SLURM_ARRAY_TASK_ID}/${o.shards}"`,
    ...(hasFlag(rest, '--workers') ? [] : ['--workers "${SLURM_CPUS_PER_TASK:-1}"']),
    ...(hasFlag(rest, '--progress', '--no-progress') ? [] : ['--no-progress']),
  ];
  const what = `diffinfer ${[command, ...rest].map(shellQuote).join(' ')}`;
  const arrayScript = [
    '#!/bin/bash',
    `# ${what}`,
    `# shard $SLURM_ARRAY_TASK_ID of ${o.shards}; written by diffinfer slurm submit on ${hostname()}`,
    `#SBATCH --job-name=diffinfer-${command}`,
    `#SBATCH --array=0-${o.shards - 1}${o.arrayMax !== undefined ? `%${o.arrayMax}` : ''}`,
    `#SBATCH --output=${join(logs, '%A-shard-%a.log')}`,
    `#SBATCH --cpus-per-task=${o.cpusPerTask ?? 1}`,
    ...resources,
    'set -euo pipefail',
    `cd ${shellQuote(cwd)}`,
    `exec ${base} ${extra.join(' ')}`,
    '',
  ].join('\n');
  const mergeScript = [
    '#!/bin/bash',
    `# merge of the ${o.shards} shards of: ${what}`,
    `#SBATCH --job-name=diffinfer-merge`,
    `#SBATCH --output=${join(logs, '%j-merge.log')}`,
    '#SBATCH --cpus-per-task=1',
    ...resources,
    'set -euo pipefail',
    `cd ${shellQuote(cwd)}`,
    `exec ${[node, cli, 'merge', out].map(shellQuote).join(' ')}`,
    '',
  ].join('\n');
  return { out, outAbsolute, arrayScript, mergeScript, arrayPath: join(outAbsolute, 'slurm', 'array.sbatch'), mergePath: join(outAbsolute, 'slurm', 'merge.sbatch'), logs };
}

/** What `diffinfer slurm submit` prints. */
export interface SlurmSubmission {
  readonly array_job: string;
  readonly merge_job: string;
  readonly shards: number;
  readonly out: string;
  readonly scripts: { readonly array: string; readonly merge: string };
  readonly logs: string;
  readonly status: string;
}

function sbatch(bin: string, args: readonly string[], cwd: string): string {
  const r = spawnSync(bin, args, { cwd, encoding: 'utf8' });
  if (r.error) throw new Error(`sbatch could not run: ${r.error.message}`);
  if (r.status !== 0) throw new InputError('argument', 'slurm submit', `sbatch ${args.join(' ')} failed (exit ${r.status}): ${(r.stderr || r.stdout).trim().split('\n').pop()}`);
  // --parsable prints "<id>" or "<id>;<cluster>"
  const id = r.stdout.trim().split('\n').pop()!.split(';')[0];
  if (!/^\d+$/.test(id)) throw new Error(`sbatch printed no job id: "${r.stdout.trim()}"`);
  return id;
}

/**
 * Writes the scripts and submits the array and the merge job (`afterok` on the array, removed
 * by Slurm when a task fails: `--kill-on-invalid-dep=yes`); records the ids in
 * `DIR/slurm/jobs.json`.
 *
 * @throws InputError when `sbatch` is not on the PATH, when `DIR/shards` holds shards of a
 *   different split, or when sbatch refuses the job (its message).
 * @example
 * ```ts
 * const ids = submitSlurmJobs({ command: ['coverage', 'ws.json', '--out', 'runs/cov'], shards: 8 });
 * ids.array_job; ids.merge_job;
 * ```
 */
export function submitSlurmJobs(o: SlurmSubmitOptions): SlurmSubmission {
  const plan = planSlurmJobs(o);
  const bin = findOnPath('sbatch');
  if (!bin) throw new InputError('argument', 'slurm submit', 'sbatch is not on the PATH (run this on a Slurm login node, or use --dry-run to print the scripts)');
  if (existsSync(join(plan.outAbsolute, 'shards'))) {
    const other = [...new Set(shardFoldersOrEmpty(plan.outAbsolute).map((f) => f.shard.count))].filter((n) => n !== o.shards);
    if (other.length) throw new InputError('argument', join(plan.out, 'shards'), `holds shards of a ${other.join(' and ')}-way split; remove the folder or use another --out`);
  }
  const cwd = resolve(o.cwd ?? process.cwd());
  writeFileAtomic(plan.arrayPath, plan.arrayScript);
  writeFileAtomic(plan.mergePath, plan.mergeScript);
  writeFileAtomic(join(plan.logs, '.keep'), '');
  const arrayJob = sbatch(bin, ['--parsable', plan.arrayPath], cwd);
  const mergeJob = sbatch(bin, ['--parsable', `--dependency=afterok:${arrayJob}`, '--kill-on-invalid-dep=yes', plan.mergePath], cwd);
  const record = { array_job: arrayJob, merge_job: mergeJob, shards: o.shards, out: plan.out, command: o.command, submitted: new Date().toISOString() };
  writeFileAtomic(join(plan.outAbsolute, 'slurm', 'jobs.json'), `${JSON.stringify(record, null, 2)}\n`);
  return { array_job: arrayJob, merge_job: mergeJob, shards: o.shards, out: plan.out, scripts: { array: plan.arrayPath, merge: plan.mergePath }, logs: plan.logs, status: `diffinfer slurm status ${plan.out}` };
}

function shardFoldersOrEmpty(dir: string) {
  try {
    return shardFolders(dir);
  } catch {
    return [];
  }
}

/** One shard in {@link SlurmStatus}. */
export interface ShardStatus {
  readonly shard: number;
  /** `done` (every unit done), `failed` (finished with failed units), `running`, `incomplete` (stopped with units missing), `not started`. */
  readonly state: 'done' | 'failed' | 'running' | 'incomplete' | 'not started';
  /** Its array task's state in `squeue` (PENDING, RUNNING, ...), or null when not in the queue. */
  readonly slurm: string | null;
  readonly units: number;
  readonly done: number;
  readonly failed: number;
  readonly running: number;
  readonly missing: number;
}

/** What `diffinfer slurm status DIR` prints. */
export interface SlurmStatus {
  readonly out: string;
  readonly command: string | null;
  readonly shards: number;
  readonly units: { readonly total: number; readonly done: number; readonly failed: number; readonly running: number; readonly missing: number };
  readonly per_shard: readonly ShardStatus[];
  readonly failed_units: readonly { readonly id: string; readonly shard: number; readonly error: string }[];
  readonly running_units: readonly { readonly id: string; readonly shard: number }[];
  readonly jobs: { readonly array: string | null; readonly merge: string | null; readonly merge_state: string | null };
  /** results.json exists (the merge ran). */
  readonly merged: boolean;
}

/** Job states from squeue by job id (`12_3` for array task 3, `13`), or an empty map without squeue. */
function queueStates(ids: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  const bin = findOnPath('squeue');
  if (!bin || ids.length === 0) return out;
  const r = spawnSync(bin, ['-h', '-r', '-j', ids.join(','), '-o', '%i|%T'], { encoding: 'utf8' });
  if (r.status !== 0) return out;
  for (const line of r.stdout.split('\n')) {
    const [id, state] = line.trim().split('|');
    if (id && state) out.set(id, state);
  }
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The state of a sharded run: finished, failed, running and missing units per shard (from the
 * unit folders), the array tasks' and the merge job's states (from `squeue`, when the run was
 * submitted with `diffinfer slurm submit` and squeue is on the PATH).
 *
 * @throws InputError when `dir` has neither shard folders nor a submission record.
 * @example
 * ```ts
 * slurmStatus('runs/cov').units; // { total: 80, done: 52, failed: 0, running: 8, missing: 28 }
 * ```
 */
export function slurmStatus(dir: string): SlurmStatus {
  const jobsFile = join(dir, 'slurm', 'jobs.json');
  const jobs = existsSync(jobsFile) ? (JSON.parse(readFileSync(jobsFile, 'utf8')) as { array_job: string; merge_job: string; shards: number }) : undefined;
  const folders = existsSync(join(dir, 'shards')) ? shardFoldersOrEmpty(dir) : [];
  const count = jobs?.shards ?? folders[folders.length - 1]?.shard.count;
  if (count === undefined) throw new InputError('argument', dir, 'holds no shards (DIR/shards/) and no Slurm submission (DIR/slurm/jobs.json)');
  const states = jobs ? queueStates([jobs.array_job, jobs.merge_job]) : new Map<string, string>();
  const perShard: ShardStatus[] = [];
  const failedUnits: { id: string; shard: number; error: string }[] = [];
  const runningUnits: { id: string; shard: number }[] = [];
  let command: string | null = null;
  let total = 0;
  for (let i = 0; i < count; i++) {
    const slurm = jobs ? (states.get(`${jobs.array_job}_${i}`) ?? null) : null;
    const folder = join(dir, 'shards', shardFolderName({ index: i, count }));
    if (!existsSync(join(folder, 'manifest.json'))) {
      perShard.push({ shard: i, state: 'not started', slurm, units: 0, done: 0, failed: 0, running: 0, missing: 0 });
      continue;
    }
    const store = UnitStore.openExisting<unknown>(folder);
    command ??= store.manifest.command;
    const own = store.ownUnits();
    if (total === 0) total = store.manifest.units.length;
    let done = 0;
    let failed = 0;
    for (const id of own) {
      const r = store.read(id);
      if (r?.status === 'done') done++;
      else if (r?.status === 'failed') {
        failed++;
        failedUnits.push({ id, shard: i, error: `${r.error.name}: ${r.error.message.split('\n')[0]}` });
      }
    }
    const rec = store.running();
    // in progress: the process is alive (this host) or its array task is running (any host)
    const live = rec !== undefined && rec.units.length > 0 && (slurm === 'RUNNING' || (slurm === null && rec.host === hostname() && alive(rec.pid)));
    const running = live ? rec!.units.filter((id) => !store.read(id)) : [];
    for (const id of running) runningUnits.push({ id, shard: i });
    const missing = own.length - done - failed - running.length;
    const state: ShardStatus['state'] = running.length || slurm === 'RUNNING' ? 'running' : missing > 0 ? 'incomplete' : failed > 0 ? 'failed' : 'done';
    perShard.push({ shard: i, state, slurm, units: own.length, done, failed, running: running.length, missing });
  }
  const sum = (k: 'done' | 'failed' | 'running') => perShard.reduce((s, x) => s + x[k], 0);
  const done = sum('done');
  const failed = sum('failed');
  const running = sum('running');
  return {
    out: dir,
    command,
    shards: count,
    units: { total, done, failed, running, missing: Math.max(0, total - done - failed - running) },
    per_shard: perShard,
    failed_units: failedUnits,
    running_units: runningUnits,
    jobs: { array: jobs?.array_job ?? null, merge: jobs?.merge_job ?? null, merge_state: jobs ? (states.get(jobs.merge_job) ?? null) : null },
    merged: existsSync(join(dir, 'results.json')),
  };
}
