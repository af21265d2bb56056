/**
 * A signal grid: the CLs upper limit of every patch of a pyhf patchset applied to a
 * background-only workspace, one unit per patch (`src/parallel/job.ts`) — the case of pyhf's
 * users who fit 125 signal hypotheses of a search on a cluster (arXiv:2103.02182). A patch
 * whose limit cannot be computed (a NumericalError: no crossing inside the POI bounds, a fit
 * that does not converge) is recorded with its error and listed in the results; the others
 * stand.
 *
 * Node-only (files).
 */
import { join } from 'node:path';
import type { TestStatistic } from '../stats/inference/test-statistics.js';
import { writeFileAtomic } from '../stats/io.js';
import type { PatchSet, Workspace } from '../stats/workspace/spec.js';
import type { FinalizeInput, UnitJob } from '../parallel/job.js';
import { describeTiming } from '../parallel/job.js';
import { contentHash, modelSource, type PatchLimitResult } from '../parallel/tasks.js';
import type { UnitRecord } from '../parallel/units.js';
import type { FinalResult } from './run.js';
import { BAND_SIGMAS } from './scan-job.js';

/** What defines a signal grid. */
export interface PatchsetJobSpec {
  /** The background-only workspace (its `-p` patches applied), as loaded. */
  readonly workspace: Workspace;
  /** Its file name, for error places. */
  readonly label: string;
  readonly measurement: string;
  readonly patchset: PatchSet;
  readonly inputs: { readonly workspace: string; readonly patches: readonly string[]; readonly patchset: string };
  readonly testStat: TestStatistic;
  readonly level: number;
  /** Scan points (linear interpolation); undefined: root finding. */
  readonly scan?: readonly number[];
}

/** One patch. */
export interface PatchUnit {
  readonly id: string;
  readonly index: number;
}

interface PatchsetConfig {
  readonly inputs: PatchsetJobSpec['inputs'] & { readonly measurement: string };
  readonly test_stat: TestStatistic;
  readonly level: number;
  readonly scan?: readonly number[];
  readonly labels: readonly string[];
  readonly patches: readonly { readonly name: string; readonly values: readonly unknown[] }[];
}

/**
 * The units of a signal grid (patches in the patchset's order; ids `patch-<k>`).
 *
 * @example
 * ```ts
 * const r = await runJob(patchsetJob({ workspace, label: 'BkgOnly.json', measurement, patchset, inputs, testStat: 'qtilde', level: 0.05 }), { out: 'runs/grid', workers: 2 }, finalizePatchset);
 * ```
 */
export function patchsetJob(o: PatchsetJobSpec): UnitJob<PatchUnit, PatchLimitResult> {
  const width = Math.max(4, String(o.patchset.patches.length - 1).length);
  const config: PatchsetConfig & { format: string; model: string; patchset: string } = {
    format: 'diffinfer-limit-patchset-units/1',
    model: modelSource(o.workspace, { measurement: o.measurement }).key,
    patchset: contentHash(JSON.stringify(o.patchset.patches.map((p) => p.patch))),
    inputs: { ...o.inputs, measurement: o.measurement },
    test_stat: o.testStat,
    level: o.level,
    scan: o.scan,
    labels: o.patchset.metadata.labels,
    patches: o.patchset.patches.map((p) => ({ name: p.metadata.name, values: p.metadata.values })),
  };
  return {
    command: 'limit-patchset',
    config: JSON.parse(JSON.stringify(config)) as Record<string, unknown>,
    units: o.patchset.patches.map((_, index) => ({ id: `patch-${String(index).padStart(width, '0')}`, index })),
    progressLabel: 'patches',
    run: (u, executor) => {
      const p = o.patchset.patches[u.index];
      return executor.run('patch-limit', { document: o.workspace, label: o.label, name: p.metadata.name, patch: p.patch, measurement: o.measurement, testStat: o.testStat, level: o.level, scan: o.scan });
    },
  };
}

type PatchRow = { name: string; values: readonly unknown[]; obs: number; exp: readonly number[] } | { name: string; values: readonly unknown[]; error: string };

function markdown(c: PatchsetConfig, rows: readonly PatchRow[], timing: FinalizeInput['timing']): string {
  const f = (x: number) => x.toPrecision(4);
  const failed = rows.filter((r) => 'error' in r).length;
  return [
    '# Upper limits of a signal grid',
    '',
    `Workspace \`${c.inputs.workspace}\`${c.inputs.patches.length ? ` + ${c.inputs.patches.map((p) => `\`${p}\``).join(' + ')}` : ''}, measurement \`${c.inputs.measurement}\`, patchset \`${c.inputs.patchset}\` (${rows.length} patches${failed ? `, ${failed} failed` : ''}).`,
    `${Math.round((1 - c.level) * 100)}% CLs upper limits (asymptotic, ${c.test_stat}, ${c.scan ? `scan of ${c.scan.length} points` : 'root finding'}); expected band -2 .. +2 sigma.`,
    '',
    `| patch | ${c.labels.join(' | ')}${c.labels.length ? ' | ' : ''}observed | expected | -1 sigma | +1 sigma | -2 sigma | +2 sigma |`,
    `|---|${c.labels.map(() => '---|').join('')}---|---|---|---|---|---|`,
    ...rows.map((r) => {
      const vals = r.values.map((v) => String(v)).join(' | ');
      const lead = `| ${r.name} | ${vals}${r.values.length ? ' | ' : ''}`;
      if ('error' in r) return `${lead}failed: ${r.error.replace(/\|/g, '\\|')} | | | | | |`;
      return `${lead}${f(r.obs)} | ${f(r.exp[2])} | ${f(r.exp[1])} | ${f(r.exp[3])} | ${f(r.exp[0])} | ${f(r.exp[4])} |`;
    }),
    '',
    `Wall time: ${describeTiming(timing)}.`,
    '',
  ].join('\n');
}

/**
 * The final step of a signal grid (also `diffinfer merge`): every patch's limit or error;
 * writes `results.json` and `report.md` under `out`; exit code 1 when a patch failed.
 */
export function finalizePatchset(input: FinalizeInput<PatchLimitResult>): FinalResult<{ patches: PatchRow[]; failed: number; out?: string }> {
  const c = input.config as unknown as PatchsetConfig;
  const rows: PatchRow[] = input.records.map((r: UnitRecord<PatchLimitResult>, i) => {
    const { name, values } = c.patches[i];
    return r.status === 'done' ? { name, values, obs: r.output.obs, exp: r.output.exp } : { name, values, error: `${r.error.name}: ${r.error.message}` };
  });
  const failed = rows.filter((r) => 'error' in r).length;
  if (input.out !== undefined) {
    const results = {
      format: 'diffinfer-limit-patchset/1',
      inputs: c.inputs,
      options: { calculator: 'asymptotics', test_stat: c.test_stat, level: c.level, scan: c.scan, band: BAND_SIGMAS },
      labels: c.labels,
      patches: rows,
      failed,
      timing: input.timing,
    };
    writeFileAtomic(join(input.out, 'report.md'), markdown(c, rows, input.timing));
    writeFileAtomic(join(input.out, 'results.json'), `${JSON.stringify(results, null, 1)}\n`);
  }
  return {
    json: { patches: rows, failed, out: input.out },
    code: failed ? 1 : 0,
    message: failed ? `${failed} of ${rows.length} patches failed (${rows.find((r) => 'error' in r)!.name}: ${(rows.find((r) => 'error' in r) as { error: string }).error.split('\n')[0]}); the others are in the results` : undefined,
  };
}
