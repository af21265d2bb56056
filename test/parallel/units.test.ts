/**
 * The unit store and the unit scheduler: exact round trips (NaN, infinities, -0, typed arrays),
 * fresh and resumed folders, failed units recorded and rerun, concurrency, bad input aborting.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { InputError, NumericalError } from '../../src/stats/errors.js';
import { collectUnits, decodeUnitJson, encodeUnitJson, runUnits, unitFolder, UnitStore, type UnitRun } from '../../src/parallel/units.js';

const tmp = mkdtempSync(join(tmpdir(), 'diffinfer-units-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const units = ['a', 'b', 'c', 'd', 'e'].map((id) => ({ id }));
const run = (config: Record<string, unknown> = { seed: 1 }): UnitRun => ({ command: 'test', config, units });

describe('encoding', () => {
  test('non-finite numbers, -0 and typed arrays read back exactly', () => {
    const value = { a: NaN, b: Infinity, c: -Infinity, d: -0, e: new Float64Array([1.5, NaN, -0]), f: [0.1 + 0.2], g: 'x' };
    const back = decodeUnitJson(encodeUnitJson(value)) as Record<string, unknown>;
    expect(back.a).toBeNaN();
    expect(back.b).toBe(Infinity);
    expect(back.c).toBe(-Infinity);
    expect(Object.is(back.d, -0)).toBe(true);
    expect(back.e).toEqual([1.5, NaN, -0]);
    expect(Object.is((back.e as number[])[2], -0)).toBe(true);
    expect((back.f as number[])[0]).toBe(0.30000000000000004);
  });
});

describe('UnitStore', () => {
  test('a fresh folder removes earlier unit files; a resumed one keeps them', async () => {
    const dir = join(tmp, 'fresh');
    const store = UnitStore.open<number>(dir, run(), { resume: false, context: { ws: 1 } });
    await runUnits(store, units, async (u) => u.id.charCodeAt(0));
    // nothing in progress at the end: no running.json
    expect(readdirSync(dir).sort()).toEqual(['a.json', 'b.json', 'c.json', 'context.json', 'd.json', 'e.json', 'manifest.json']);
    expect(store.readContext()).toEqual({ ws: 1 });
    expect(store.running()).toBeUndefined();
    const resumed = UnitStore.open<number>(dir, run(), { resume: true });
    expect(resumed.read('c')?.status).toBe('done');
    const again = UnitStore.open<number>(dir, run(), { resume: false });
    expect(again.read('c')).toBeUndefined();
    expect(existsSync(join(dir, 'context.json'))).toBe(false);
  });

  test('resuming with another configuration or command names the difference', () => {
    const dir = join(tmp, 'other');
    UnitStore.open(dir, run({ seed: 1, n: 5 }), { resume: false });
    expect(() => UnitStore.open(dir, run({ seed: 2, n: 5 }), { resume: true })).toThrow(/manifest\.json: was made with another configuration \(seed 1 there, 2 now\): resume with the same options/);
    expect(() => UnitStore.open(dir, { ...run({ seed: 1, n: 5 }), command: 'other' }, { resume: true })).toThrow(/was written by "test", not "other"/);
    expect(() => UnitStore.open(dir, { ...run({ seed: 1, n: 5 }), shard: { index: 0, count: 2 } }, { resume: true })).toThrow(/holds no shard, not shard 0\/2/);
  });

  test('a growable key (a seed list) may differ when resuming: done units are kept by id', async () => {
    const dir = join(tmp, 'grow');
    const first = UnitStore.open<number>(dir, { command: 't', config: { seeds: 2, epochs: 1 }, units: [{ id: 's0' }, { id: 's1' }], growable: ['seeds'] }, { resume: false });
    await runUnits(first, [{ id: 's0' }, { id: 's1' }], async () => 7);
    const grown = { command: 't', config: { seeds: '0-3', epochs: 1 }, units: [0, 1, 2, 3].map((k) => ({ id: `s${k}` })), growable: ['seeds'] };
    const ran: string[] = [];
    const store = UnitStore.open<number>(dir, grown, { resume: true });
    expect(await runUnits(store, grown.units, async (u) => (ran.push(u.id), 8), { resume: true })).toEqual({ ran: 2, skipped: 2, failed: 0 });
    expect(ran).toEqual(['s2', 's3']);
    expect(store.manifest.units).toEqual(['s0', 's1', 's2', 's3']);
    // the other keys must still agree
    expect(() => UnitStore.open(dir, { ...grown, config: { seeds: '0-3', epochs: 2 } }, { resume: true })).toThrow(/another configuration \(epochs 1 there, 2 now\)/);
  });

  test('unit ids must be unique, safe file names', () => {
    expect(() => UnitStore.open(join(tmp, 'ids'), { command: 't', config: {}, units: [{ id: 'x' }, { id: 'x' }] }, { resume: false })).toThrow(/"x" appears twice/);
    expect(() => UnitStore.open(join(tmp, 'ids'), { command: 't', config: {}, units: [{ id: '../x' }] }, { resume: false })).toThrow(/not a safe file name/);
  });

  test('a shard folder owns its round-robin part', () => {
    const store = UnitStore.open(unitFolder(join(tmp, 'sharded'), { index: 1, count: 2 }), { ...run(), shard: { index: 1, count: 2 } }, { resume: false });
    expect(store.dir).toBe(join(tmp, 'sharded', 'shards', 'shard-0001-of-0002'));
    expect(store.ownUnits()).toEqual(['b', 'd']);
    expect(store.manifest.units).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  test('an unreadable unit file counts as missing (it runs again)', () => {
    const dir = join(tmp, 'torn');
    const store = UnitStore.open<number>(dir, run(), { resume: false });
    writeFileSync(join(dir, 'a.json'), '{"format": "diffinfer-unit", "id": "a", "sta');
    expect(store.read('a')).toBeUndefined();
  });
});

describe('runUnits', () => {
  test('failed units are recorded with their error and run again on resume; the others are kept', async () => {
    const dir = join(tmp, 'failing');
    const store = UnitStore.open<string>(dir, run(), { resume: false });
    const s1 = await runUnits(store, units, async (u) => {
      if (u.id === 'b' || u.id === 'd') throw new NumericalError(`fit of ${u.id} did not converge`);
      return `out-${u.id}`;
    });
    expect(s1).toEqual({ ran: 5, skipped: 0, failed: 2 });
    const b = store.read('b');
    expect(b).toMatchObject({ status: 'failed', error: { name: 'NumericalError', message: 'fit of b did not converge' } });
    const ran: string[] = [];
    const store2 = UnitStore.open<string>(dir, run(), { resume: true });
    const s2 = await runUnits(store2, units, async (u) => (ran.push(u.id), `out-${u.id}`), { resume: true });
    expect(ran).toEqual(['b', 'd']);
    expect(s2).toEqual({ ran: 2, skipped: 3, failed: 0 });
    expect(collectUnits(store2, units).map((x) => (x.record?.status === 'done' ? x.record.output : x.record?.status))).toEqual(['out-a', 'out-b', 'out-c', 'out-d', 'out-e']);
  });

  test('concurrency: at most K units at once, every unit once', async () => {
    const store = UnitStore.open<number>(join(tmp, 'concurrent'), run(), { resume: false });
    let now = 0;
    let peak = 0;
    const started: string[] = [];
    await runUnits(
      store,
      units,
      async (u) => {
        started.push(u.id);
        peak = Math.max(peak, ++now);
        await new Promise((r) => setTimeout(r, 5));
        now--;
        return 1;
      },
      { concurrency: 2 },
    );
    expect(peak).toBe(2);
    expect(started).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  test('an InputError stops the run: no further unit starts, the ones in progress are recorded, it is re-thrown', async () => {
    const store = UnitStore.open<number>(join(tmp, 'abort'), run(), { resume: false });
    const started: string[] = [];
    const err = await runUnits(
      store,
      units,
      async (u) => {
        started.push(u.id);
        await new Promise((r) => setTimeout(r, u.id === 'a' ? 1 : 10));
        if (u.id === 'a') throw new InputError('argument', 'patch a', 'does not apply');
        return 1;
      },
      { concurrency: 2 },
    ).catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(started).toEqual(['a', 'b']);
    expect(store.read('a')).toBeUndefined();
    expect(store.read('b')?.status).toBe('done');
    expect(store.read('c')).toBeUndefined();
  });

  test('records carry the unit wall time and end date', async () => {
    const store = UnitStore.open<number>(join(tmp, 'times'), run(), { resume: false });
    await runUnits(store, units.slice(0, 1), async () => 1);
    const r = JSON.parse(readFileSync(join(store.dir, 'a.json'), 'utf8'));
    expect(r.seconds).toBeGreaterThanOrEqual(0);
    expect(Date.parse(r.finished)).toBeGreaterThan(Date.parse('2020-01-01'));
  });
});
