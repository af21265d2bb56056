/**
 * Lists of non-negative integers written as ranges, for options that enumerate units by an
 * index (seeds: `--seeds 100-199`), so that runs can be extended later and merged with earlier
 * ones: seed 150 is the same unit whichever list it was started from.
 *
 * Browser-safe: no `node:` imports.
 */
import { InputError } from '../stats/errors.js';

/** The longest list a range may expand to (a guard against `0-1e12`). */
export const MAX_RANGE_LENGTH = 1_000_000;

function integer(text: string, where: string, spec: string): number {
  const t = text.trim();
  const x = Number(t);
  if (!/^\d+$/.test(t) || !Number.isSafeInteger(x)) throw new InputError('argument', where, `expected non-negative integers in "${spec}", got "${text}"`);
  return x;
}

/**
 * Parses a list of seeds (or any unit index):
 *
 * - `K` alone: the first K, `0 .. K-1` (K >= 1), as a count;
 * - otherwise a comma-separated list of items `A-B` (A..B inclusive, A <= B) and single values
 *   `A`, e.g. `100-199`, `0-9,20-29`, `3,7`.
 *
 * The result is in the order written; a value that appears twice is an error.
 *
 * @throws InputError naming `where` for anything else (negative, not an integer, an empty or
 *   reversed range, a repeat, more than {@link MAX_RANGE_LENGTH} values).
 * @example
 * ```ts
 * parseIndexList('3');          // [0, 1, 2]
 * parseIndexList('100-102');    // [100, 101, 102]
 * parseIndexList('0-1,5');      // [0, 1, 5]
 * ```
 */
export function parseIndexList(spec: string, where = 'seeds'): number[] {
  const text = spec.trim();
  if (text === '') throw new InputError('argument', where, 'is empty; give a count K (0..K-1) or ranges A-B,C');
  if (/^\d+$/.test(text)) {
    const k = integer(text, where, spec);
    if (k < 1) throw new InputError('argument', where, `a count must be at least 1, got "${spec}"`);
    if (k > MAX_RANGE_LENGTH) throw new InputError('argument', where, `${k} values is more than ${MAX_RANGE_LENGTH}`);
    return Array.from({ length: k }, (_, i) => i);
  }
  const out: number[] = [];
  const seen = new Set<number>();
  for (const item of text.split(',')) {
    const m = /^([^-]*)-([^-]*)$/.exec(item.trim());
    const [a, b] = m ? [integer(m[1], where, spec), integer(m[2], where, spec)] : [integer(item, where, spec), integer(item, where, spec)];
    if (b < a) throw new InputError('argument', where, `range "${item.trim()}" is reversed (write ${b}-${a})`);
    if (out.length + (b - a + 1) > MAX_RANGE_LENGTH) throw new InputError('argument', where, `"${spec}" has more than ${MAX_RANGE_LENGTH} values`);
    for (let x = a; x <= b; x++) {
      if (seen.has(x)) throw new InputError('argument', where, `${x} appears twice in "${spec}"`);
      seen.add(x);
      out.push(x);
    }
  }
  return out;
}

/**
 * The shortest text {@link parseIndexList} reads back as `values` (ranges of consecutive
 * values), e.g. for reports and manifests.
 *
 * @example
 * ```ts
 * formatIndexList([0, 1, 2, 5, 7, 8]); // '0-2,5,7-8'
 * formatIndexList([0, 1, 2]);          // '0-2'
 * formatIndexList([5]);                // '5-5' (a bare '5' is the count 0..4)
 * ```
 */
export function formatIndexList(values: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < values.length; ) {
    let j = i;
    while (j + 1 < values.length && values[j + 1] === values[j] + 1) j++;
    parts.push(j === i ? String(values[i]) : `${values[i]}-${values[j]}`);
    i = j + 1;
  }
  // a lone value would read back as a count
  return parts.length === 1 && !parts[0].includes('-') ? `${parts[0]}-${parts[0]}` : parts.join(',');
}
