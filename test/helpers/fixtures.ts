/** Loading of the pyhf reference cases and the ATLAS workspace bundled in test/fixtures. */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
export const PYHF_DIR = join(FIXTURES, 'pyhf');
export const ATLAS_DIR = join(FIXTURES, 'atlas-erjr');

/** Replaces pyhf's "NaN"/"Infinity" strings with numbers. */
function revive(_key: string, value: unknown): unknown {
  if (value === 'NaN') return NaN;
  if (value === 'Infinity') return Infinity;
  if (value === '-Infinity') return -Infinity;
  return value;
}

export function readJson(path: string): any {
  return JSON.parse(readFileSync(path, 'utf8'), revive);
}

export interface PyhfCase {
  name: string;
  workspace: unknown;
  expected: any;
  generator: any;
}

/** The random cases `case-NN`, and with `examples` also pyhf's two documented examples. */
export function caseNames(options: { examples?: boolean } = {}): string[] {
  const re = options.examples ? /^(case-\d+|example-[a-z]+)\.json$/ : /^case-\d+\.json$/;
  return readdirSync(PYHF_DIR)
    .filter((f) => re.test(f))
    .sort()
    .map((f) => f.replace(/\.json$/, ''));
}

export function loadCase(name: string): PyhfCase {
  const c = readJson(join(PYHF_DIR, `${name}.json`));
  return { name, workspace: c.workspace, expected: c.expected, generator: c.generator };
}

export const ATLAS_PATCHES = readdirSync(ATLAS_DIR)
  .filter((f) => f.startsWith('patch.') && f.endsWith('.json'))
  .sort();

/** Relative-or-absolute closeness: |a - b| <= max(abs, rel * |b|). */
export function close(a: number, b: number, rel: number, abs = 0): boolean {
  return Math.abs(a - b) <= Math.max(abs, rel * Math.abs(b));
}

/** Asserts two arrays agree elementwise; returns the worst relative deviation for messages. */
export function worstRelative(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let w = 0;
  for (let i = 0; i < b.length; i++) {
    const d = Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), 1e-300);
    if (a[i] !== b[i]) w = Math.max(w, d);
  }
  return w;
}
