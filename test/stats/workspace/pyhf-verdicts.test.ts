/**
 * diffinfer's workspace validator gives pyhf's verdict on every workspace of the corpus in
 * test/fixtures/pyhf-verdicts (recorded with pyhf by make-verdicts.py): a mutation per rule of
 * pyhf's schema and parameter configuration, every kind of workspace `diffinfer export` and
 * `TemplateModel.exportWorkspace` write, the 30 pyhf reference workspaces and the ATLAS
 * workspace. What pyhf rejects, `validateWorkspace` rejects with an InputError naming the JSON
 * path; what pyhf reads, it reads — except the entries marked "stricter", which pyhf reads but
 * cannot fit (each says why), and which diffinfer rejects on purpose.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/stats/errors.js';
import { applyJsonPatch, parseJsonPatch, validateWorkspace } from '../../../src/stats/workspace/index.js';
import { FIXTURES } from '../../helpers/fixtures.js';

interface Entry {
  readonly name: string;
  readonly rule: string;
  readonly workspace?: unknown;
  readonly file?: string;
  readonly key?: string;
  readonly patch?: string;
  readonly pyhf: { readonly valid: boolean; readonly stage?: string; readonly exception?: string; readonly message?: string };
  readonly diffinfer?: 'stricter';
  readonly why?: string;
}

const corpus = JSON.parse(readFileSync(join(FIXTURES, 'pyhf-verdicts', 'verdicts.json'), 'utf8')) as { pyhf_version: string; entries: Entry[] };

function workspaceOf(e: Entry): unknown {
  if (e.workspace) return structuredClone(e.workspace);
  const json = JSON.parse(readFileSync(join(FIXTURES, e.file!), 'utf8'));
  const ws = e.key ? json[e.key] : e.file!.startsWith('pyhf-exports/') ? json.workspace : json;
  if (!e.patch) return ws;
  return applyJsonPatch(ws, parseJsonPatch(JSON.parse(readFileSync(join(FIXTURES, e.patch), 'utf8')), e.patch));
}

function diffinferVerdict(e: Entry): { valid: true } | { valid: false; error: InputError } {
  try {
    validateWorkspace(workspaceOf(e));
    return { valid: true };
  } catch (error) {
    if (error instanceof InputError) return { valid: false, error };
    throw error;
  }
}

/** The message diffinfer gives for the rules added for issue 9 (path and reason). */
const MESSAGES: Record<string, string | RegExp> = {
  'config/histosys-sigmas':
    'measurements[0] ("meas").config.parameters[1] ("jes"): histosys and normsys parameters take no "sigmas" (pyhf constrains them with a unit Gaussian; set "auxdata" to shift the mean)',
  'config/normsys-sigmas': 'measurements[0] ("meas").config.parameters[1] ("xs"): normsys parameters take no "sigmas" (pyhf constrains them with a unit Gaussian; set "auxdata" to shift the mean)',
  'issue-9/template-export-before-fix': 'measurements[0] ("templates").config.parameters[0] ("r"): histosys parameters take no "sigmas" (pyhf constrains them with a unit Gaussian; set "auxdata" to shift the mean)',
  'config/histosys-factors': /\("jes"\): histosys and normsys parameters take no "factors"/,
  'stricter/init-outside-bounds': 'measurements[0] ("meas").config.parameters[1] ("jes"): inits[0] = 7 is outside bounds [-5, 5] (the default bounds of a histosys)',
  'config/normfactor-auxdata': /\("mu"\): normfactor parameters are unconstrained and take no "auxdata"/,
  'config/shapefactor-sigmas': /\("norm"\): shapefactor parameters are unconstrained and take no "sigmas"/,
  'config/staterror-factors': /\("stat"\): staterror parameters take no "factors"/,
  'config/shapesys-sigmas': /\("shape"\): shapesys parameters take no "sigmas"/,
  'config/lumi-factors': /\("lumi"\): lumi takes no "factors"/,
  'config/lumi-no-inits': 'measurements[0] ("meas").config.parameters[0] ("lumi"): lumi needs "inits" in its configuration (pyhf has no defaults for lumi)',
  'config/poi-missing': 'measurement "meas" config.poi: POI "nope" is not a parameter of the model',
  'schema/lumi-named-b': /^channels\[0\]\.samples\[0\]\.modifiers\[1\] \(lumi "b"\): a lumi modifier must be named "lumi"/,
  'schema/no-version': 'version: is missing (expected string)',
  'schema/version-2': 'version: is "2.0.0"; pyhf reads workspaces of schema version 1.0.0 only',
  'schema/extra-top-level-key': '(top level): unknown key "extra" (pyhf\'s schema allows only channels, measurements, observations, version)',
  'schema/extra-modifier-key': 'channels[0].samples[0].modifiers[0] (normfactor "mu"): unknown key "meta" (pyhf\'s schema allows only name, type, data)',
  'schema/extra-histosys-data-key': 'channels[0].samples[1].modifiers[1] (histosys "jes"): data: unknown key "nom_data" (pyhf\'s schema allows only hi_data, lo_data)',
  'schema/extra-parameter-key': 'measurements[0].config.parameters[0] ("lumi"): unknown key "unit" (pyhf\'s schema allows only name, inits, bounds, fixed, auxdata, sigmas, factors)',
  'atlas/BkgOnly-alone': 'measurement "NormalMeasurement" config.poi: POI "mu_SIG" is not a parameter of the model',
};

describe(`workspace verdicts: diffinfer vs pyhf ${corpus.pyhf_version}`, () => {
  it('the corpus covers every rule group, every export kind and the reference workspaces', () => {
    const groups = new Map<string, number>();
    for (const e of corpus.entries) groups.set(e.name.split('/')[0], (groups.get(e.name.split('/')[0]) ?? 0) + 1);
    // 143 entries when recorded: 70 valid, 73 invalid for pyhf
    expect(Object.fromEntries(groups)).toMatchObject({ valid: 13, schema: 30, config: 31, model: 4, data: 6, stricter: 15, 'pyhf-reference': 32, atlas: 2 });
    expect(groups.get('diffinfer-export')).toBe(9);
    for (const name of Object.keys(MESSAGES)) expect(corpus.entries.some((e) => e.name === name), name).toBe(true);
  });

  it.each(corpus.entries.map((e) => [e.name, e] as const))('%s', (_name, e) => {
    const ours = diffinferVerdict(e);
    if (e.diffinfer === 'stricter') {
      expect(e.pyhf.valid, `${e.name} is marked stricter, so pyhf must read it`).toBe(true);
      expect(ours.valid, `${e.name}: ${e.why}`).toBe(false);
    } else {
      expect(ours.valid, ours.valid ? e.name : `${e.name}: ${ours.error.message} (pyhf: ${e.pyhf.valid ? 'valid' : `${e.pyhf.exception}: ${e.pyhf.message}`})`).toBe(e.pyhf.valid);
    }
    if (!ours.valid) {
      expect(ours.error.message).not.toContain('\n');
      expect(ours.error.where).not.toBe('');
      const want = MESSAGES[e.name];
      if (typeof want === 'string') expect(ours.error.message).toBe(want);
      else if (want) expect(ours.error.message).toMatch(want);
    }
  });
});
