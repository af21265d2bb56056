/**
 * Long runs never lose work: `diffinfer ablate` writes each finished run (benchmark x method x
 * seed) to `out/units/<id>.json`; a run that fails is recorded and reported (exit 1, the table
 * still written); a command stopped half-way (as by a kill) and rerun with `--resume` runs only
 * the missing or failed units and ends with the same results.json, report.md and plots as an
 * uninterrupted run, apart from dates and timings; `--resume` on a folder made with other
 * options exits 2 with one line. Tiny configuration: 2000 training events, 1 epoch, wasm.
 * And experiments/units.ts on its own: fixed unit order and ids, exact read-back of records,
 * failed and corrupt units re-run on resume, bad input stops a run instead of failing a unit.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { infernoCommand, reportWithoutTimings, resultsWithoutTimings, type TrainingCliOptions } from '../../experiments/commands.js';
import { collectUnits, runUnits, trainingUnits, UnitStore } from '../../experiments/units.js';
import { InputError } from '../../src/stats/errors.js';
import { NumericalError } from '../../src/stats/errors.js';
import { runCli } from '../helpers/cli.js';

const root = mkdtempSync(join(tmpdir(), 'resume-'));
const args = ['--benchmarks', '0', '--methods', 'bce,inferno', '--seeds', '2', '--epochs', '1', '--train-events', '2000', '--test-events', '5000', '--batch', '500', '--backend', 'wasm', '--no-progress'];
const options = (out: string): TrainingCliOptions => ({ out, seeds: '2', epochs: '1', trainEvents: '2000', testEvents: '5000', batch: '500', lr: '0.001', variationFraction: '0.25', backend: 'wasm', progress: false, workers: 1 });
const ids = ['b0-bce-s0', 'b0-bce-s1', 'b0-inferno-s0', 'b0-inferno-s1'];

/** Runs `f` with stdout and stderr captured. */
async function quiet<T>(f: () => Promise<T>): Promise<{ value?: T; error?: unknown; stderr: string }> {
  let stderr = '';
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  process.stdout.write = (() => true) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    return { value: await f(), stderr };
  } catch (error) {
    return { error, stderr };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

/** results.json without the date and the timings. */
function results(dir: string): unknown {
  return resultsWithoutTimings(JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')));
}

/** report.md with the date line and the timing columns blanked. */
function report(dir: string): string {
  return reportWithoutTimings(readFileSync(join(dir, 'report.md'), 'utf8'));
}

function svgs(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(join(dir, 'plots')).filter((f) => f.endsWith('.svg')).sort().map((f) => [f, readFileSync(join(dir, 'plots', f), 'utf8')]));
}

const full = join(root, 'full');
beforeAll(async () => {
  const r = await runCli(['ablate', '--out', full, ...args]);
  expect(r.code, r.stderr).toBe(0);
}, 120_000);

describe('ablate: unit files and --resume', () => {
  it('writes one file per run and a manifest; the table is assembled from them', () => {
    expect(readdirSync(join(full, 'units')).sort()).toEqual([...ids.map((id) => `${id}.json`), 'manifest.json'].sort());
    const store = UnitStore.open<{ result: { sigmaFisher: number } }>(join(full, 'units'), { command: 'ablate', config: JSON.parse(readFileSync(join(full, 'units', 'manifest.json'), 'utf8')).config, units: trainingUnits([0], ['bce', 'inferno'], 2) }, { resume: true });
    const res = JSON.parse(readFileSync(join(full, 'results.json'), 'utf8')).results;
    expect(res.map((x: { method: string; seed: number }) => `${x.method}/${x.seed}`)).toEqual(['bce/0', 'bce/1', 'inferno/0', 'inferno/1']);
    ids.forEach((id, i) => {
      const rec = store.read(id)!;
      expect(rec.status).toBe('done');
      if (rec.status === 'done') expect(rec.output.result.sigmaFisher).toBe(res[i].sigmaFisher);
    });
    expect(JSON.parse(readFileSync(join(full, 'results.json'), 'utf8')).failures).toBeUndefined();
  });

  it('stopped after 3 of 4 runs (as by a kill) and resumed: the same table as the uninterrupted run', async () => {
    const dir = join(root, 'killed');
    class Killed extends Error {}
    const r = await quiet(() =>
      infernoCommand('ablate', [0], ['bce', 'inferno'], options(dir), {
        afterUnit: (u) => {
          if (u.id === 'b0-inferno-s0') throw new Killed('killed');
        },
      }),
    );
    expect(r.error).toBeInstanceOf(Killed);
    expect(existsSync(join(dir, 'results.json'))).toBe(false);
    expect(readdirSync(join(dir, 'units')).sort()).toEqual(['b0-bce-s0.json', 'b0-bce-s1.json', 'b0-inferno-s0.json', 'manifest.json']);
    const resumed = await runCli(['ablate', '--out', dir, ...args, '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr.match(/finished in an earlier run, kept/g)).toHaveLength(3);
    expect(resumed.stderr).toMatch(/diffinfer: benchmark 0, inferno, seed 1\n/);
    expect(results(dir)).toEqual(results(full));
    expect(report(dir)).toBe(report(full));
    expect(svgs(dir)).toEqual(svgs(full));
  });

  it('a failed run is recorded and reported (exit 1, table written); --resume reruns only it, to the same table', async () => {
    const dir = join(root, 'failed');
    const r = await quiet(() =>
      infernoCommand('ablate', [0], ['bce', 'inferno'], options(dir), {
        beforeUnit: (u) => {
          if (u.id === 'b0-bce-s1') throw new NumericalError('profileWidth: injected failure');
        },
      }),
    );
    expect(r.value).toBe(1);
    expect(r.stderr).toMatch(/diffinfer: {3}failed: NumericalError: profileWidth: injected failure\n/);
    expect(r.stderr).toMatch(/diffinfer: 1 of 4 runs failed \(listed in .*report\.md\); rerun them with --resume\n$/);
    const json = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
    expect(json.results).toHaveLength(3);
    expect(json.failures).toEqual([{ benchmark: 0, method: 'bce', seed: 1, error: { name: 'NumericalError', message: 'profileWidth: injected failure' } }]);
    const md = readFileSync(join(dir, 'report.md'), 'utf8');
    expect(md).toMatch(/\| method \| seeds \| failed \|/);
    expect(md).toMatch(/\| bce \| 1 \| 1 \|/);
    expect(md).toMatch(/## Failed runs\n\n1 run did not finish[^\n]*\n\n\| benchmark \| method \| seed \| error \|\n\|---:\|---\|---:\|---\|\n\| 0 \| bce \| 1 \| NumericalError: profileWidth: injected failure \|/);
    const resumed = await runCli(['ablate', '--out', dir, ...args, '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr.match(/finished in an earlier run, kept/g)).toHaveLength(3);
    expect(results(dir)).toEqual(results(full));
    expect(report(dir)).toBe(report(full));
  });

  it('--resume refuses a folder made with other options or by another command (exit 2, one line)', async () => {
    const epochs = await runCli(['ablate', '--out', full, ...args.map((a, i) => (args[i - 1] === '--epochs' ? '2' : a)), '--resume']);
    expect(epochs.code).toBe(2);
    expect(epochs.stderr.trim().split('\n')).toHaveLength(1);
    expect(epochs.stderr).toMatch(/^diffinfer: --resume: .*units\/manifest\.json: was made with another configuration \(epochs 1 there, 2 now\): resume with the same options, or use another output folder\n$/);
    const methods = await runCli(['ablate', '--out', full, ...args.map((a, i) => (args[i - 1] === '--methods' ? 'inferno' : a)), '--resume']);
    expect(methods.code).toBe(2);
    expect(methods.stderr).toMatch(/another configuration \(methods \["bce","inferno"\] there, \["inferno"\] now\)/);
    const command = await runCli(['inferno', '--out', full, '--benchmark', '0', '--method', 'bce,inferno', ...args.slice(4), '--resume']);
    expect(command.code).toBe(2);
    expect(command.stderr).toMatch(/^diffinfer: --resume: .*manifest\.json: was written by "ablate", not "inferno"/);
    // the refused runs left the folder as it was
    expect(readdirSync(join(full, 'units'))).toHaveLength(5);
  });
});

describe('units', () => {
  it('are enumerated in a fixed order with stable ids; records read back exactly, NaN and infinities included', async () => {
    const units = trainingUnits([2, 0], ['inferno', 'bce'], 2);
    expect(units.map((u) => u.id)).toEqual(['b2-inferno-s0', 'b2-inferno-s1', 'b2-bce-s0', 'b2-bce-s1', 'b0-inferno-s0', 'b0-inferno-s1', 'b0-bce-s0', 'b0-bce-s1']);
    const dir = join(root, 'store');
    const run = { command: 'test', config: { a: 1 }, units };
    const store = UnitStore.open<number[]>(dir, run, { resume: false });
    const values = [NaN, Infinity, -Infinity, 0.1 + 0.2, -0, 5e-324];
    let calls = 0;
    const summary = await runUnits(store, units, async (u) => {
      calls++;
      if (u.id === 'b2-bce-s0') throw new RangeError('boom');
      if (u.id === 'b0-bce-s1') throw new InputError('argument', 'x', 'bad input stops the run');
      return values;
    }).catch((e) => e);
    expect(summary).toBeInstanceOf(InputError); // bad input is not a failed unit: it stops the command
    expect(calls).toBe(8);
    const records = collectUnits(store, units);
    expect(records.map((r) => r.record?.status)).toEqual(['done', 'done', 'failed', 'done', 'done', 'done', 'done', undefined]);
    const first = records[0].record!;
    expect(first.status === 'done' && first.output).toEqual(values);
    expect(records[2].record!.status === 'failed' && records[2].record!.error).toEqual({ name: 'RangeError', message: 'boom' });
    // a corrupt file counts as missing; resuming runs it, the failed and the missing unit again
    writeFileSync(join(dir, 'b0-inferno-s0.json'), '{"format": "diffinfer-unit", "id": "b0-inf');
    const again: string[] = [];
    const resumed = await runUnits(UnitStore.open<number[]>(dir, run, { resume: true }), units, async (u) => {
      again.push(u.id);
      return [1];
    }, { resume: true });
    expect(again).toEqual(['b2-bce-s0', 'b0-inferno-s0', 'b0-bce-s1']);
    expect(resumed).toEqual({ ran: 3, skipped: 5, failed: 0 });
    expect(() => UnitStore.open(dir, { ...run, config: { a: 2 } }, { resume: true })).toThrow(/manifest\.json: was made with another configuration \(a 1 there, 2 now\)/);
    expect(() => UnitStore.open(dir, { ...run, units: [units[0], units[0]] }, { resume: false })).toThrow('unit id "b2-inferno-s0" appears twice');
    // without resume the folder starts fresh
    UnitStore.open(dir, run, { resume: false });
    expect(readdirSync(dir)).toEqual(['manifest.json']);
  });
});
