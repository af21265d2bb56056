/**
 * `diffinfer validate WS [-p PATCH]...`: exit 0 and one JSON line for a workspace pyhf reads;
 * exit 2 and one line naming the JSON path and the reason for every workspace of the verdict
 * corpus that pyhf refuses (test/fixtures/pyhf-verdicts), also when a patch makes it so.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateWorkspace } from '../../../src/stats/workspace/index.js';
import { runCli } from '../../helpers/cli.js';
import { ATLAS_DIR, FIXTURES } from '../../helpers/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'diffinfer-validate-'));
const corpus = JSON.parse(readFileSync(join(FIXTURES, 'pyhf-verdicts', 'verdicts.json'), 'utf8')) as {
  entries: Array<{ name: string; workspace?: unknown; pyhf: { valid: boolean }; diffinfer?: string }>;
};
const base = corpus.entries.find((e) => e.name === 'valid/base')!.workspace;

function file(name: string, json: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(json));
  return path;
}

describe('diffinfer validate', () => {
  it('a valid workspace: exit 0 and one JSON line', async () => {
    const r = await runCli(['validate', file('base.json', base)]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n')).toEqual([expect.any(String), '']);
    expect(JSON.parse(r.stdout)).toEqual({ valid: true, measurement: 'meas', poi: 'mu', channels: 2, bins: 3, samples: 2, parameters: 8 });
    const out = join(dir, 'summary.json');
    expect((await runCli(['validate', file('base.json', base), '-o', out])).stdout).toBe('');
    expect(JSON.parse(readFileSync(out, 'utf8')).valid).toBe(true);
  });

  const invalid = corpus.entries.filter((e) => e.workspace && (!e.pyhf.valid || e.diffinfer === 'stricter'));
  it(`each of the ${invalid.length} invalid workspaces of the corpus: exit 2, one line with the path and the reason`, async () => {
    expect(invalid.length).toBeGreaterThanOrEqual(70);
    for (const e of invalid) {
      const path = file('bad.json', e.workspace);
      let message = '';
      try {
        validateWorkspace(e.workspace);
      } catch (error) {
        message = (error as Error).message;
      }
      const r = await runCli(['validate', path]);
      expect(r.code, e.name).toBe(2);
      expect(r.stdout, e.name).toBe('');
      // loadWorkspace parses without a source prefix for a single file: the library's message
      expect(r.stderr, e.name).toBe(`diffinfer: ${message}\n`);
      expect(message, e.name).toMatch(/^[^:]+\S: \S/);
    }
  });

  it('a patch that makes the workspace invalid: exit 2 naming the patch and the place', async () => {
    const ws = file('ws.json', base);
    const patch = file('sigmas.json', [{ op: 'add', path: '/measurements/0/config/parameters/-', value: { name: 'jes', sigmas: [2] } }]);
    const r = await runCli(['validate', ws, '-p', patch]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'diffinfer: ws.json + sigmas.json: measurements[0] ("meas").config.parameters[1] ("jes"): histosys and normsys parameters take no "sigmas" (pyhf constrains them with a unit Gaussian; set "auxdata" to shift the mean)\n',
    );
    const rename = file('rename.json', [{ op: 'replace', path: '/channels/0/samples/0/modifiers/1/name', value: 'lumi2' }]);
    const s = await runCli(['validate', ws, '-p', rename]);
    expect(s.code).toBe(2);
    expect(s.stderr).toMatch(/^diffinfer: ws\.json \+ rename\.json: channels\[0\]\.samples\[0\]\.modifiers\[1\] \(lumi "lumi2"\): a lumi modifier must be named "lumi"/);
  });

  it('the ATLAS background-only workspace: invalid alone (its POI is in the signal patch), valid with the patch', async () => {
    const bkg = join(ATLAS_DIR, 'BkgOnly.json');
    const alone = await runCli(['validate', bkg]);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toBe('diffinfer: measurement "NormalMeasurement" config.poi: POI "mu_SIG" is not a parameter of the model\n');
    const patched = await runCli(['validate', bkg, '-p', join(ATLAS_DIR, 'patch.ERJR_500p0_0p0.json')]);
    expect(patched.code).toBe(0);
    expect(JSON.parse(patched.stdout)).toMatchObject({ valid: true, poi: 'mu_SIG', channels: 4, bins: 4 });
  });
});
