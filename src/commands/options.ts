/**
 * Option parsing shared by the CLI commands of issue 10 (light: no worker pool, no tfjs), and the
 * translation of library places into CLI flags.
 */
import { InputError } from '../stats/errors.js';
import { parseIndexList } from '../parallel/ranges.js';
import { parseShard, type ShardSpec } from '../parallel/shards.js';

/** The calculators of `cls` and `limit`. */
export const CALCULATORS = ['asymptotics', 'toybased'] as const;
export type Calculator = (typeof CALCULATORS)[number];

/** A commander parser of a positive integer option. */
export function parsePositiveInteger(flag: string) {
  return (value: string): number => {
    const x = Number(value);
    if (value.trim() === '' || !Number.isSafeInteger(x) || x < 1) throw new InputError('argument', flag, `must be a positive integer, got "${value}"`);
    return x;
  };
}

/** A commander parser of `--shard i/N` (0 <= i < N). */
export function parseShardOption(flag = '--shard') {
  return (value: string): ShardSpec => parseShard(value, flag);
}

/** A commander parser of a list of seeds: `K` (0..K-1), or ranges and values `100-199,250`. */
export function parseSeedsOption(flag = '--seeds') {
  return (value: string): number[] => parseIndexList(value, flag);
}

/** The library places of the job machinery (`src/parallel`) and their CLI flags. */
export const JOB_FLAGS: Readonly<Record<string, string>> = { workers: '--workers', shard: '--shard', resume: '--resume' };

/** A commander parser of a seed: a non-negative integer. */
export function parseSeed(flag = '--seed') {
  return (value: string): number => {
    const x = Number(value);
    if (value.trim() === '' || !Number.isSafeInteger(x) || x < 0) throw new InputError('argument', flag, `must be a non-negative integer, got "${value}"`);
    return x;
  };
}

/**
 * Runs `fn`; an InputError whose place is a library name in `flags` (or starts with one followed
 * by a space, e.g. "true value mu") is rethrown naming the CLI flag instead (library errors never
 * name flags).
 */
export async function withFlagNames<T>(flags: Readonly<Record<string, string>>, fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof InputError) {
      if (flags[e.where]) throw new InputError(e.kind, flags[e.where], e.problem);
      const prefix = Object.keys(flags).find((k) => e.where.startsWith(`${k} `));
      if (prefix) throw new InputError(e.kind, `${flags[prefix]} ${e.where.slice(prefix.length + 1)}`, e.problem);
    }
    throw e;
  }
}

/** Parses `LO:HI` (a range with LO < HI), naming `flag`. */
export function parseRange(flag: string) {
  return (value: string): [number, number] => {
    const parts = value.split(':');
    const [lo, hi] = parts.map((x) => (x.trim() === '' ? NaN : Number(x)));
    if (parts.length !== 2 || !Number.isFinite(lo) || !Number.isFinite(hi)) throw new InputError('argument', flag, `expected LO:HI, e.g. 0.1:3, got "${value}"`);
    if (!(hi > lo)) throw new InputError('argument', flag, `needs LO < HI, got "${value}"`);
    return [lo, hi];
  };
}

/** Parses repeated `NAME=VALUE` items of `flag` into a record. */
export function parseAssignments(flag: string, items: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) {
    const m = /^([^=]+)=(.*)$/.exec(item);
    if (!m) throw new InputError('argument', `${flag} ${item}`, 'expected NAME=VALUE, e.g. alpha_jes=0.5');
    const value = Number(m[2]);
    if (m[2].trim() === '' || !Number.isFinite(value)) throw new InputError('argument', `${flag} ${item}`, `value "${m[2]}" is not a finite number`);
    out[m[1]] = value;
  }
  return out;
}
