/** RFC 6902 operations, pointer escapes, immutability, and the fixtures' patches. */
import fc from 'fast-check';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { InputError } from '../../../src/stats/errors.js';
import { applyJsonPatch, parseJsonPatch, parsePointer, parseWorkspace } from '../../../src/stats/workspace/index.js';
import { loadWorkspace } from '../../../src/stats/workspace/load.js';
import { runCli } from '../../helpers/cli.js';
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
        fc.pre(!Object.hasOwn(doc, key) && !['__proto__', 'constructor', 'prototype'].includes(key));
        const ptr = `/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
        expect(apply(doc, [{ op: 'add', path: ptr, value }, { op: 'remove', path: ptr }])).toEqual(doc);
      }),
      { numRuns: 200 },
    );
  });
});

describe('prototype pollution', () => {
  const ws = () => loadCase('example-uncorrelated').workspace;
  const prototypeIsClean = () => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('polluted');
    expect(Object.getOwnPropertyNames(Array.prototype)).not.toContain('polluted');
  };

  it.each([
    [{ op: 'add', path: '/__proto__/polluted', value: 'yes' }, 'path segment "__proto__"'],
    [{ op: 'add', path: '/channels/0/__proto__/polluted', value: 'yes' }, 'path segment "__proto__"'],
    [{ op: 'replace', path: '/channels/0/samples/__proto__', value: { polluted: 'yes' } }, 'path segment "__proto__"'],
    [{ op: 'add', path: '/constructor/prototype/polluted', value: 'yes' }, 'path segment "constructor"'],
    [{ op: 'add', path: '/channels/constructor/prototype/polluted', value: 'yes' }, 'path segment "constructor"'],
    [{ op: 'add', path: '/prototype', value: 1 }, 'path segment "prototype"'],
    [{ op: 'copy', from: '/__proto__', path: '/x' }, 'from segment "__proto__"'],
    [{ op: 'move', from: '/constructor', path: '/x' }, 'from segment "constructor"'],
    [{ op: 'test', path: '/__proto__', value: {} }, 'path segment "__proto__"'],
  ])('refuses %j, naming the operation', (op, reason) => {
    const patch = [{ op: 'test', path: '/version', value: '1.0.0' }, op];
    let error: unknown;
    try {
      applyJsonPatch(ws(), parseJsonPatch(patch), { source: 'evil.json' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).kind).toBe('patch');
    expect((error as InputError).message).toContain(`evil.json[1] (op "${op.op}" at "${op.path}")`);
    expect((error as InputError).message).toContain(reason);
    prototypeIsClean();
  });

  it('walks own properties only: an inherited name is not a path', () => {
    // "toString" is reachable through the prototype of every object, but it is not in the document
    expect(() => apply({ a: {} }, [{ op: 'remove', path: '/a/toString' }])).toThrow(/path does not exist/);
    expect(() => apply({ a: {} }, [{ op: 'add', path: '/a/hasOwnProperty/x', value: 1 }])).toThrow(/no "hasOwnProperty"/);
    expect(() => apply({ a: {} }, [{ op: 'test', path: '/a/valueOf', value: null }])).toThrow(/path does not exist/);
    prototypeIsClean();
  });

  it('a "__proto__" key inside a value or a workspace is data: no prototype changes', () => {
    const out = apply({ a: 1 }, [{ op: 'add', path: '/b', value: JSON.parse('{"__proto__": {"polluted": "yes"}, "c": 2}') }]) as Record<string, Record<string, unknown>>;
    expect(Object.getPrototypeOf(out.b)).toBe(Object.prototype);
    expect(out.b.polluted).toBeUndefined();
    // pyhf's schema allows no extra keys (additionalProperties: false), so a workspace carrying
    // "__proto__" is refused by name; the prototype stays clean either way
    const text = JSON.stringify(ws()).replace('"samples"', '"__proto__": {"polluted": "yes"}, "samples"');
    expect(() => parseWorkspace(JSON.parse(text))).toThrow(/channels\[0\].*unknown key "__proto__"/);
    prototypeIsClean();
  });

  it('the CLI refuses a polluting patch or patchset entry with exit 2 and one line naming the operation', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'diffinfer-proto-'));
    const wsFile = join(dir, 'ws.json');
    writeFileSync(wsFile, JSON.stringify(ws()));
    writeFileSync(join(dir, 'evil.json'), JSON.stringify([{ op: 'add', path: '/__proto__/polluted', value: 'yes' }]));
    const r = await runCli(['cls', wsFile, '-p', join(dir, 'evil.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('diffinfer: evil.json[0] (op "add" at "/__proto__/polluted"): path segment "__proto__" is refused: it names a key that reaches an object\'s prototype\n');
    const patchset = {
      metadata: { name: 'evil', digests: { sha256: '0' }, labels: ['x'] },
      patches: [{ metadata: { name: 'p1', values: [1] }, patch: [{ op: 'add', path: '/channels/0/constructor/prototype/polluted', value: 'yes' }] }],
      version: '1.0.0',
    };
    writeFileSync(join(dir, 'set.json'), JSON.stringify(patchset));
    const s = await runCli(['fit', wsFile, '-p', `${join(dir, 'set.json')}:p1`]);
    expect(s.code).toBe(2);
    expect(s.stderr.trim().split('\n')).toHaveLength(1);
    expect(s.stderr).toContain('(op "add" at "/channels/0/constructor/prototype/polluted"): path segment "constructor" is refused');
    prototypeIsClean();
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
