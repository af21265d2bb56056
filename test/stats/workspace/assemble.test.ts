/**
 * Assembling a workspace from parsed documents (src/stats/workspace/assemble.ts, browser-safe)
 * gives what the Node loader gives from files: the same workspace, the same patchset entry, the
 * same error lines.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/stats/errors.js';
import { applyPatchDocuments, parseJsonText, workspaceFromDocuments } from '../../../src/stats/workspace/assemble.js';
import { loadWorkspace } from '../../../src/stats/workspace/load.js';
import { ATLAS_DIR } from '../../helpers/fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'diffinfer-assemble-'));
const bkgPath = join(ATLAS_DIR, 'BkgOnly.json');
const bkg = JSON.parse(readFileSync(bkgPath, 'utf8'));
const signal = (point: string) => JSON.parse(readFileSync(join(ATLAS_DIR, `patch.ERJR_${point}.json`), 'utf8'));

/** A pyhf patchset holding two of the ATLAS signal patches. */
const patchset = {
  metadata: { name: 'erjr', digests: { sha256: '0'.repeat(64) }, labels: ['m1', 'm2'] },
  version: '1.0.0',
  patches: [
    { metadata: { name: 'ERJR_200_100', values: [200, 100] }, patch: signal('200p0_100p0') },
    { metadata: { name: 'ERJR_500_0', values: [500, 0] }, patch: signal('500p0_0p0') },
  ],
};
const patchsetPath = join(tmp, 'erjr-patchset.json');
writeFileSync(patchsetPath, JSON.stringify(patchset));

function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as Error).message;
  }
  throw new Error('no error thrown');
}

describe('workspaceFromDocuments', () => {
  it('a patchset entry: the workspace and measurement loadWorkspace gives for file.json:NAME', () => {
    const fromFiles = loadWorkspace({ workspace: bkgPath, patches: [`${patchsetPath}:ERJR_500_0`] });
    const fromDocs = workspaceFromDocuments({ workspace: bkg, label: 'BkgOnly.json', patches: [{ json: patchset, label: 'erjr-patchset.json', entry: 'ERJR_500_0' }] });
    expect(fromDocs).toEqual(fromFiles);
    // the entry's signal, not the other entry's
    expect(fromDocs.workspace.channels[0].samples[5].data).toEqual(signal('500p0_0p0')[0].value.data);
    expect(fromDocs.workspace.channels[0].samples[5].data).not.toEqual(signal('200p0_100p0')[0].value.data);
  });

  it('error lines name the same places as the file loader', () => {
    const noEntry = errorOf(() => workspaceFromDocuments({ workspace: bkg, label: 'BkgOnly.json', patches: [{ json: patchset, label: 'erjr-patchset.json' }] }));
    expect(noEntry).toBe('erjr-patchset.json: holds 2 patches; name one as erjr-patchset.json:NAME (available: ERJR_200_100, ERJR_500_0)');
    expect(errorOf(() => loadWorkspace({ workspace: bkgPath, patches: [patchsetPath] }))).toBe(noEntry);

    // a patch that leaves an invalid workspace: the place is in the patched document, prefixed by the sources
    const breaking = [{ op: 'replace', path: '/channels/0/samples/0/data', value: [1, 2] }];
    const breakingPath = join(tmp, 'breaking.json');
    writeFileSync(breakingPath, JSON.stringify(breaking));
    const fromDocs = errorOf(() =>
      workspaceFromDocuments({ workspace: bkg, label: 'BkgOnly.json', patches: [{ json: patchset, label: 'erjr-patchset.json', entry: 'ERJR_200_100' }, { json: breaking, label: 'breaking.json' }] }),
    );
    expect(fromDocs).toMatch(/^BkgOnly\.json \+ erjr-patchset\.json:ERJR_200_100 \+ breaking\.json: channels\[0\]/);
    expect(errorOf(() => loadWorkspace({ workspace: bkgPath, patches: [`${patchsetPath}:ERJR_200_100`, breakingPath] }))).toBe(fromDocs);
  });

  it('applyPatchDocuments leaves its input unchanged', () => {
    const before = JSON.stringify(bkg);
    const patched = applyPatchDocuments(bkg, [{ json: signal('200p0_100p0'), label: 'p.json' }]) as typeof bkg;
    expect(JSON.stringify(bkg)).toBe(before);
    expect(patched.channels.map((c: { samples: unknown[] }) => c.samples.length)).toEqual([6, 6, 6, 6]);
  });

  it('parseJsonText names the file of a syntax error', () => {
    expect(parseJsonText('[1, 2]', 'a.json')).toEqual([1, 2]);
    expect(errorOf(() => parseJsonText('[1, 2', 'a.json'))).toMatch(/^a\.json: invalid JSON: /);
  });
});
