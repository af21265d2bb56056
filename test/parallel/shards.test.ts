/**
 * Shards (round-robin slices of a unit list, `i/N` parsing, folder names) and the index-range
 * parser of `--seeds`.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { formatIndexList, parseIndexList } from '../../src/parallel/ranges.js';
import { parseShard, parseShardFolderName, shardFolderName, shardUnits } from '../../src/parallel/shards.js';

describe('parseShard', () => {
  test('i/N with 0 <= i < N', () => {
    expect(parseShard('0/4')).toEqual({ index: 0, count: 4 });
    expect(parseShard('3/4')).toEqual({ index: 3, count: 4 });
    expect(parseShard(' 7 / 8 ')).toEqual({ index: 7, count: 8 });
  });
  test.each([
    ['5/4', /^shard: index 5 is not below the count 4 \(shards are 0\/4 \.\. 3\/4\)$/],
    ['4/4', /^shard: index 4 is not below the count 4/],
    ['0/0', /^shard: the shard count must be at least 1, got "0\/0"$/],
    ['-1/4', /^shard: expected i\/N with 0 <= i < N/],
    ['1.5/4', /^shard: expected i\/N/],
    ['2', /^shard: expected i\/N/],
    ['a/b', /^shard: expected i\/N/],
  ])('"%s" is refused', (text, message) => {
    expect(() => parseShard(text)).toThrow(message);
  });
});

describe('shardUnits', () => {
  test('round-robin: unit k goes to shard k mod N', () => {
    const units = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    expect(shardUnits(units, { index: 0, count: 3 })).toEqual(['a', 'd', 'g']);
    expect(shardUnits(units, { index: 1, count: 3 })).toEqual(['b', 'e']);
    expect(shardUnits(units, { index: 2, count: 3 })).toEqual(['c', 'f']);
    expect(shardUnits(units, undefined)).toEqual(units);
    // more shards than units: some shards are empty
    expect(shardUnits(['a'], { index: 1, count: 2 })).toEqual([]);
  });
  test('the shards of any N partition the list, each in the list order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 12 }), (n, count) => {
        const units = Array.from({ length: n }, (_, i) => i);
        const parts = Array.from({ length: count }, (_, index) => shardUnits(units, { index, count }));
        expect(parts.flat().sort((a, b) => a - b)).toEqual(units);
        for (const p of parts) expect([...p].sort((a, b) => a - b)).toEqual(p);
        // sizes differ by at most one
        const sizes = parts.map((p) => p.length);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }),
    );
  });
  test('folder names sort by index and read back', () => {
    expect(shardFolderName({ index: 2, count: 8 })).toBe('shard-0002-of-0008');
    expect(shardFolderName({ index: 12345, count: 20000 })).toBe('shard-12345-of-20000');
    expect(parseShardFolderName('shard-0002-of-0008')).toEqual({ index: 2, count: 8 });
    expect(parseShardFolderName('shard-0008-of-0008')).toBeUndefined();
    expect(parseShardFolderName('units')).toBeUndefined();
  });
});

describe('parseIndexList (--seeds)', () => {
  test('a count, ranges and single values', () => {
    expect(parseIndexList('3')).toEqual([0, 1, 2]);
    expect(parseIndexList('100-104')).toEqual([100, 101, 102, 103, 104]);
    expect(parseIndexList('0-1,5,7-8')).toEqual([0, 1, 5, 7, 8]);
    expect(parseIndexList('9-9')).toEqual([9]);
    expect(parseIndexList('4,2')).toEqual([4, 2]);
  });
  test.each([
    ['0', /^--seeds: a count must be at least 1, got "0"$/],
    ['5-3', /^--seeds: range "5-3" is reversed \(write 3-5\)$/],
    ['0-3,2', /^--seeds: 2 appears twice in "0-3,2"$/],
    ['-2', /^--seeds: expected non-negative integers in "-2", got ""$/],
    ['1.5', /^--seeds: expected non-negative integers/],
    ['a-b', /^--seeds: expected non-negative integers/],
    ['', /^--seeds: is empty/],
    ['0-2000000', /^--seeds: "0-2000000" has more than 1000000 values$/],
  ])('"%s" is refused', (text, message) => {
    expect(() => parseIndexList(text, '--seeds')).toThrow(message);
  });
  test('formatIndexList reads back as the same list', () => {
    expect(formatIndexList([0, 1, 2, 5, 7, 8])).toBe('0-2,5,7-8');
    expect(formatIndexList([5])).toBe('5-5');
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 40 }), (xs) => {
        const sorted = [...xs].sort((a, b) => a - b);
        expect(parseIndexList(formatIndexList(sorted))).toEqual(sorted);
      }),
    );
  });
});
