/**
 * Event files and `apply`: CSV and Parquet columns picked by name (exact float32 values), errors
 * naming the file and line, and a bundle applied to a file gives the bins the original summary
 * gives (softmax argmax and KDE score bins).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../src/autodiff/backend.js';
import { createMlp, dataset, hardBins, saveBundle, summaryOutputs, type Binning } from '../../../src/models/index.js';
import { applyBundle } from '../../../experiments/apply.js';
import { readEvents } from '../../../experiments/io/events.js';

beforeAll(async () => {
  await initBackend({ request: 'cpu', log: () => {} });
});

const dir = mkdtempSync(join(tmpdir(), 'events-'));

describe('readEvents', () => {
  it('reads the named columns of a CSV file in the order asked', async () => {
    const f = join(dir, 'a.csv');
    writeFileSync(f, 'id,x1,x0\n1,0.5,-2\n2,1e-3,3.25\n');
    const t = await readEvents(f, ['x0', 'x1']);
    expect(t.n).toBe(2);
    expect(Array.from(t.rows)).toEqual([-2, 0.5, 3.25, Math.fround(1e-3)]);
  });

  it('reads the named columns of a Parquet file', async () => {
    const f = join(dir, 'a.parquet');
    const buf = parquetWriteBuffer({ columnData: [{ name: 'x0', data: [1.5, -2, 3], type: 'DOUBLE' }, { name: 'w', data: [1, 1, 1], type: 'DOUBLE' }, { name: 'x1', data: [0.25, 4, -1], type: 'DOUBLE' }] });
    writeFileSync(f, new Uint8Array(buf));
    const t = await readEvents(f, ['x0', 'x1']);
    expect(t.n).toBe(3);
    expect(Array.from(t.rows)).toEqual([1.5, 0.25, -2, 4, 3, -1]);
  });

  it('names the file, line and column of bad input', async () => {
    const f = join(dir, 'bad.csv');
    writeFileSync(f, 'x0,x1\n1,2\n3,oops\n');
    await expect(readEvents(f, ['x0', 'x1'])).rejects.toThrow(`${f} line 3: column "x1" is "oops", not a finite number`);
    await expect(readEvents(f, ['x0', 'x2'])).rejects.toThrow(`${f} header: has no column "x2" (columns: x0, x1)`);
    writeFileSync(f, 'x0,x1\n1\n');
    await expect(readEvents(f, ['x0'])).rejects.toThrow(`${f} line 2: has 1 values, the header has 2`);
    await expect(readEvents(join(dir, 'a.txt'), ['x0'])).rejects.toThrow(/must end in \.csv or \.parquet/);
    await expect(readEvents(join(dir, 'missing.parquet'), ['x0'])).rejects.toThrow(/cannot be read/);
  });
});

describe('applyBundle', () => {
  const events = Array.from({ length: 500 }, (_, i) => [Math.sin(i) * 3, Math.cos(i * 1.3) * 2]);
  const csv = join(dir, 'events.csv');
  writeFileSync(csv, `x0,x1\n${events.map((e) => e.join(',')).join('\n')}\n`);
  const cases: Array<[string, Binning, 'score' | 'logits']> = [
    ['softmax', { kind: 'softmax', temperature: 0.1 }, 'logits'],
    ['kde', { kind: 'kde', edges: [0, 0.2, 0.4, 0.6, 0.8, 1], bandwidth: { relative: 0.5 } }, 'score'],
  ];
  it.each(cases)('a reloaded model gives the bins of the original (%s binning)', async (_, binning, kind) => {
    const bins = binning.kind === 'kde' ? 5 : 4;
    const mlp = createMlp({ inputDim: 2, hidden: [8], output: kind === 'score' ? { kind: 'score' } : { kind: 'logits', bins }, seed: 2 });
    const modelDir = join(dir, `model-${binning.kind}`);
    await saveBundle(modelDir, mlp, { name: 'toy', method: kind === 'score' ? 'bce' : 'inferno', config: {}, baseDir: dir, binning, output: mlp.output, features: ['x0', 'x1'], training: { status: 'completed', steps: 0, seed: 0, seconds: 0 } });
    const out = join(dir, `bins-${binning.kind}.csv`);
    const r = await applyBundle({ bundle: modelDir, input: csv, output: out, chunk: 128 });
    expect(r).toEqual({ events: 500, bins });
    const expected = hardBins(binning, bins, summaryOutputs(mlp, dataset(Float32Array.from(events.flat()), 2)), 500);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe(kind === 'score' ? 'bin,score' : 'bin,logit_0,logit_1,logit_2,logit_3');
    expect(lines.slice(1).map((l) => Number(l.split(',')[0]))).toEqual(Array.from(expected));
    expect(new Set(expected).size).toBeGreaterThan(1);
    mlp.dispose();
  });
});
