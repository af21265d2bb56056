/**
 * The worker pool: the same numbers from 1 (in-process) and 2 worker threads, typed errors across
 * the thread boundary. Workers run the compiled dist/src/parallel/worker.js (npm ci builds dist
 * through `prepare`; after editing src/, run `npm run build` before this test).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { InputError } from '../../src/stats/errors.js';
import { AsymptoticCalculator, inProcessToyRunner, ToyCalculator } from '../../src/stats/inference/index.js';
import { buildModel, observedData } from '../../src/stats/model/index.js';
import { parseWorkspace } from '../../src/stats/workspace/index.js';
import { checkWorkerCount, compiledModuleUrl, executorToyRunner, InProcessExecutor, WorkerPool } from '../../src/parallel/pool.js';
import { runNeymanEstimateBlock } from '../../src/jobs/neyman-estimates.js';
import { upperLimit } from '../../src/stats/inference/index.js';
import { modelSource } from '../../src/parallel/tasks.js';

const FIX = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'pyhf');
const ws = parseWorkspace(JSON.parse(readFileSync(join(FIX, 'example-uncorrelated.json'), 'utf8')).workspace);
const model = buildModel(ws);
const data = observedData(ws, model);
const source = modelSource(ws);

let pool: WorkerPool;
beforeAll(() => {
  pool = new WorkerPool(2);
});
afterAll(async () => {
  await pool.close();
});

describe('1 and 2 workers give the same numbers', () => {
  test('toy-based hypotest: every toy statistic, p-value and band member identical', async () => {
    const opts = { testStat: 'qtilde' as const, ntoys: 300, seed: 21, blockSize: 25 };
    const serial = await new ToyCalculator(model, data, { ...opts, runner: inProcessToyRunner(model) }).hypotest(1);
    const viaSource = await new ToyCalculator(model, data, { ...opts, runner: executorToyRunner(new InProcessExecutor(), source) }).hypotest(1);
    let progress = 0;
    const parallel = await new ToyCalculator(model, data, { ...opts, runner: executorToyRunner(pool, source), onProgress: (d) => (progress = d) }).hypotest(1);
    expect(progress).toBe(600);
    for (const r of [viaSource, parallel]) {
      expect([...r.signalPlusBackground.values]).toEqual([...serial.signalPlusBackground.values]);
      expect([...r.backgroundOnly.values]).toEqual([...serial.backgroundOnly.values]);
      expect(r.clsObs).toBe(serial.clsObs);
      expect(r.clsExp).toEqual(serial.clsExp);
      expect(r.errors).toEqual(serial.errors);
    }
    // a different block size changes nothing either
    const blocks7 = await new ToyCalculator(model, data, { ...opts, blockSize: 7, runner: executorToyRunner(pool, source) }).hypotest(1);
    expect([...blocks7.backgroundOnly.values]).toEqual([...serial.backgroundOnly.values]);
  });

  test('coverage blocks: identical records', async () => {
    const config = { seed: 3, muRange: [0.1, 3] as const, truth: Array.from(model.suggestedInit()), nuisances: 'prior' as const };
    const blocks = [0, 10, 20].map((start) => ({ model: source, block: { config, start, count: 10, method: 'profile' as const } }));
    const a = await new InProcessExecutor().map('coverage-block', blocks);
    const b = await pool.map('coverage-block', blocks);
    expect(b).toEqual(a);
    expect(a.flatMap((r) => r.records).length + a.flatMap((r) => r.failures).length).toBe(30);
  });
});

describe('the tasks of issue 13', () => {
  test('Neyman estimate blocks: identical on 1 and 2 workers, equal to the function in this thread', async () => {
    const config = { seed: 5, muRange: [0.1, 3] as const, truth: Array.from(model.suggestedInit()), nuisances: 'prior' as const };
    const blocks = [0, 8].map((start) => ({ model: source, block: { config, start, count: 8 } }));
    const a = await new InProcessExecutor().map('coverage-estimates', blocks);
    const b = await pool.map('coverage-estimates', blocks);
    expect(b).toEqual(a);
    expect(a[1]).toEqual(runNeymanEstimateBlock(model, blocks[1].block));
    expect(a.flatMap((r) => r.estimates).map((e) => e.index)).toEqual([...Array(16).keys()]);
  });

  test('patch limits: a patch applied in the worker gives the limit of the patched workspace', async () => {
    const doc = JSON.parse(readFileSync(join(FIX, 'example-uncorrelated.json'), 'utf8')).workspace;
    const patch = [{ op: 'replace' as const, path: '/channels/0/samples/0/data', value: [24, 22] }];
    const payload = { document: doc, label: 'ws.json', name: 'double', patch, testStat: 'qtilde' as const, level: 0.05 };
    const a = await pool.run('patch-limit', payload);
    const patched = structuredClone(doc);
    patched.channels[0].samples[0].data = [24, 22];
    const pws = parseWorkspace(patched);
    const pm = buildModel(pws);
    const ref = upperLimit(pm, observedData(pws, pm));
    expect(a.obs).toBe(ref.obs);
    expect(a.exp).toEqual(ref.exp);
  });

  test('call: a named export of a module, run in a worker from its compiled file', async () => {
    const module = new URL('../../src/parallel/ranges.ts', import.meta.url).href;
    expect(compiledModuleUrl(module)).toMatch(/\/dist\/src\/parallel\/ranges\.js$/);
    expect(await pool.run('call', { module, name: 'parseIndexList', args: '3-5' })).toEqual([3, 4, 5]);
    expect(await new InProcessExecutor().run('call', { module, name: 'parseIndexList', args: '3-5' })).toEqual([3, 4, 5]);
    await expect(pool.run('call', { module, name: 'nope', args: null })).rejects.toThrow(/has no function "nope"/);
    // an InputError thrown by the called function keeps its type
    await expect(pool.run('call', { module, name: 'parseIndexList', args: '5-3' })).rejects.toThrow(InputError);
  });
});

describe('scan points', () => {
  test('asymptotic hypotests as independent tasks: identical on 1 and 2 workers, equal to a fresh calculator', async () => {
    const points = [0.5, 1, 1.5, 2];
    const payloads = points.map((poiTest) => ({ model: source, data, poiTest, options: { testStat: 'qtilde' as const } }));
    const a = await new InProcessExecutor().map('scan-point', payloads);
    const b = await pool.map('scan-point', payloads);
    expect(b).toEqual(a);
    for (const [i, mu] of points.entries()) {
      const r = new AsymptoticCalculator(model, data).hypotest(mu);
      expect(a[i].clsObs).toBe(r.clsObs);
      expect(a[i].clsExp).toEqual(r.clsExp);
    }
  });
});

describe('errors cross the thread boundary with their type', () => {
  test('an InputError in a worker is an InputError in the caller', async () => {
    const config = { seed: 3, muRange: [0.1, 3] as const, truth: [1, 1], nuisances: 'prior' as const };
    const payload = { model: source, block: { config, start: 0, count: 1, method: 'neyman' as const } };
    await expect(pool.run('coverage-block', payload)).rejects.toThrow(InputError);
    await expect(pool.run('coverage-block', payload)).rejects.toThrow(/the Neyman method needs a belt/);
    await expect(pool.run('no-such-task' as never, {} as never)).rejects.toThrow(/unknown task "no-such-task"/);
  });
  test('worker counts must be positive integers', () => {
    for (const w of [0, -1, 1.5]) expect(() => checkWorkerCount(w, 'workers')).toThrow(/^workers: must be a positive integer/);
  });
});
