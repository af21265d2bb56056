/** RFC 6902 operations, pointer escapes, immutability, and the fixtures' patches. */
import fc from 'fast-check';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyJsonPatch, loadWorkspace, parseJsonPatch, parsePointer, parseWorkspace } from '../../../src/stats/workspace/index.js';
import { ATLAS_DIR, ATLAS_PATCHES, caseNames, loadCase } from '../../helpers/fixtures.js';

const apply = (doc: unknown, ops: unknown[]) => applyJsonPatch(doc, parseJsonPatch(ops));

describe('JSON Patch (RFC 6902)', () => {
  it('add, remove, replace, move, copy, test', () => {
    const doc = { a: { b: [1, 2] }, c: 'x' };
    expect(apply(doc, [{ op: 'add', path: '/a/b/1', value: 9 }])).toEqual({ a: { b: [1, 9, 2] }, c: 'x' });
    expect(apply(doc, [{ op: 'add', path: '/a/b/-', value: 3 }])).toEqual({ a: { b: [1, 2, 3] }, c: 'x' });
    expect(apply(doc, [{ op: 'remove', path: '/a/b/0' }])).toEqual({ a: { b: [2] }, c: 'x' });
    expect(apply(doc, [{ op: 'replace', path: '/c', value: 'y' }])).toEqual({ a: { b: [1, 2] }, c: 'y' });
    expect(apply(doc, [{ op: 'move', from: '/c', path: '/d' }])).toEqual({ a: { b: [1, 2] }, d: 'x' });
    expect(apply(doc, [{ op: 'copy', from: '/a/b', path: '/e' }])).toEqual({ a: { b: [1, 2] }, c: 'x', e: [1, 2] });
    expect(apply(doc, [{ op: 'test', path: '/a', value: { b: [1, 2] } }])).toEqual(doc);
    expect(apply(doc, [{ op: 'replace', path: '', value: 5 }])).toBe(5);
  });

  it('unescapes ~1 and ~0 in pointers', () => {
    expect(parsePointer('/a~1b/c~0d')).toEqual(['a/b', 'c~d']);
    expect(apply({ 'a/b': 1 }, [{ op: 'replace', path: '/a~1b', value: 2 }])).toEqual({ 'a/b': 2 });
  });

  it('never mutates its input', () => {
    const doc = { a: [1, 2, { x: 1 }] };
    const before = JSON.stringify(doc);
    apply(doc, [{ op: 'remove', path: '/a/0' }, { op: 'replace', path: '/a/1/x', value: 7 }]);
    expect(JSON.stringify(doc)).toBe(before);
  });

  it('add then remove of the same path is the identity (property)', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ minLength: 1, maxLength: 5 }), fc.jsonValue()), fc.string({ minLength: 1, maxLength: 5 }), fc.jsonValue(), (doc, key, value) => {
        fc.pre(!(key in doc));
        const ptr = `/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
        expect(apply(doc, [{ op: 'add', path: ptr, value }, { op: 'remove', path: ptr }])).toEqual(doc);
      }),
      { numRuns: 200 },
    );
  });
});

describe('fixtures', () => {
  it('every pyhf reference workspace parses', () => {
    for (const name of caseNames({ examples: true })) expect(() => parseWorkspace(loadCase(name).workspace), name).not.toThrow();
  });

  it.each(ATLAS_PATCHES)('ATLAS BkgOnly + %s adds a signal sample to every channel', (patch) => {
    const { workspace, measurement } = loadWorkspace({ workspace: join(ATLAS_DIR, 'BkgOnly.json'), patches: [join(ATLAS_DIR, patch)] });
    expect(workspace.channels.map((c) => c.samples.length)).toEqual([6, 6, 6, 6]);
    expect(measurement.config.poi).toBe('mu_SIG');
  });
});
