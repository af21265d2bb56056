/**
 * The web page's analysis (web/src/analysis.ts, run in its worker) in Node: its numbers are the
 * CLI's on the same file, the pulls match pyhf's fit with constraint widths worked out from the
 * workspace JSON, and the default scan brackets the limits.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/stats/errors.js';
import { WorkspaceAnalysis } from '../../web/src/analysis.js';
import { defaultScan, scanPoints } from '../../web/src/scan.js';
import { runCli } from '../helpers/cli.js';
import { ATLAS_DIR, loadCase } from '../helpers/fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'diffinfer-web-analysis-'));

function workspaceFile(name: string): { path: string; text: string } {
  const text = JSON.stringify(loadCase(name).workspace);
  const path = join(tmp, `${name}.json`);
  writeFileSync(path, text);
  return { path, text };
}

async function cliJson(args: string[]): Promise<any> {
  const r = await runCli(args);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

describe('WorkspaceAnalysis runs what the CLI runs', () => {
  it('case-00: fit and CLs at two POI values and test statistics equal `diffinfer fit` and `diffinfer cls` exactly', async () => {
    const { path, text } = workspaceFile('case-00');
    const a = WorkspaceAnalysis.load({ workspace: { text, label: 'case-00.json' } });
    const fit = a.fit();
    const cliFit = await cliJson(['fit', path]);
    expect(fit.twiceNll).toBe(cliFit.twice_nll);
    expect(fit.converged).toBe(true);
    expect(fit.parameters.map((p) => p.value)).toEqual(Object.values(cliFit.mle_parameters as Record<string, number[]>).flat());
    expect(fit.parameters.map((p) => p.uncertainty)).toEqual(Object.values(cliFit.uncertainties as Record<string, number[]>).flat());
    // pyhf (test/fixtures/pyhf/case-00.json): 2NLL 224.08194806477925, CLs_obs 0.7001980243792842
    expect(Math.abs(fit.twiceNll - 224.08194806477925)).toBeLessThan(1e-6); // measured 1.9e-9
    for (const [mu, testStat] of [[1, 'qtilde'], [2.5, 'q']] as const) {
      const cls = a.cls(mu, testStat);
      const cliCls = await cliJson(['cls', path, '--test-poi', String(mu), '--test-stat', testStat]);
      expect([cls.clsObs, ...cls.clsExp]).toEqual([cliCls.CLs_obs, ...cliCls.CLs_exp]);
    }
    expect(Math.abs(a.cls(1, 'qtilde').clsObs / 0.7001980243792842 - 1)).toBeLessThan(1e-5); // measured 1.3e-7
  });

  it('pyhf example: limits by root finding and by a scan equal `diffinfer limit` and `diffinfer limit --scan`', async () => {
    const { path, text } = workspaceFile('example-uncorrelated');
    const a = WorkspaceAnalysis.load({ workspace: { text, label: 'example-uncorrelated.json' } });
    const limit = a.upperLimits('qtilde', 0.05);
    const cliLimit = await cliJson(['limit', path]);
    expect([limit.obs, ...limit.exp]).toEqual([cliLimit.obs, ...cliLimit.exp]);
    const range = defaultScan(limit.obs, limit.exp, a.summary.poiBounds);
    expect(range).toEqual({ lo: 0, hi: 5, n: 21 }); // limits 1.01 obs, 2.05 at +2 sigma: 1.25 x 2.05 -> 5
    const scan = a.scan('q', 0.1, range);
    const cliScan = await cliJson(['limit', path, '--scan', '0:5:21', '--test-stat', 'q', '--level', '0.1']);
    expect([scan.obs, ...scan.exp]).toEqual([cliScan.obs, ...cliScan.exp]);
    expect(scan.points.map((p) => p.mu)).toEqual(scanPoints(0, 5, 21));
    // pyhf's README: CLs_obs 0.0525 at mu = 1 for this workspace
    expect(a.cls(1, 'qtilde').clsObs).toBeCloseTo(0.0525, 4);
  });

  it('a patched workspace: the ATLAS likelihood with a signal patch equals `diffinfer fit BkgOnly.json -p patch`', async () => {
    const ws = join(ATLAS_DIR, 'BkgOnly.json');
    const patch = join(ATLAS_DIR, 'patch.ERJR_200p0_100p0.json');
    const a = WorkspaceAnalysis.load({
      workspace: { text: readFileSync(ws, 'utf8'), label: 'BkgOnly.json' },
      patches: [{ text: readFileSync(patch, 'utf8'), label: 'patch.ERJR_200p0_100p0.json' }],
    });
    expect(a.summary.source).toBe('BkgOnly.json + patch.ERJR_200p0_100p0.json');
    expect(a.summary.poi).toBe('mu_SIG');
    expect(a.fit().twiceNll).toBe((await cliJson(['fit', ws, '-p', patch])).twice_nll);
  });

  it('bad input throws the InputError whose message the CLI prints', async () => {
    const { text } = workspaceFile('case-00');
    const ws = JSON.parse(text);
    ws.observations[0].data.push(1);
    const path = join(tmp, 'bad-observation.json');
    writeFileSync(path, JSON.stringify(ws));
    const r = await runCli(['fit', path]);
    expect(r.code).toBe(2);
    const thrown = (() => {
      try {
        WorkspaceAnalysis.load({ workspace: { text: JSON.stringify(ws), label: 'bad-observation.json' } });
      } catch (e) {
        return e;
      }
    })();
    expect(thrown).toBeInstanceOf(InputError);
    expect(`diffinfer: ${(thrown as InputError).message}\n`).toBe(r.stderr);
    expect(() => WorkspaceAnalysis.load({ workspace: { text: '{"channels": [', label: 'cut.json' } })).toThrow(/^cut\.json: invalid JSON: /);
  });
});

describe('pulls', () => {
  it('case-00: (theta_hat - centre) / width of every constrained parameter matches pyhf\'s fit with widths from the workspace JSON', () => {
    const c = loadCase('case-00');
    const ws = c.workspace as any;
    const a = WorkspaceAnalysis.load({ workspace: { text: JSON.stringify(ws), label: 'case-00.json' } });
    const pulls = a.fit().pulls;

    // Independent widths (pyhf's param_set.width()): normsys/histosys 1 around 0; lumi its
    // configured sigma around its auxdata; staterror sqrt(sum delta^2) / sum nominal per bin around
    // 1; shapesys delta / nominal per bin (1/sqrt(tau), tau = (nominal/delta)^2) around 1.
    const ref = new Map<string, { centre: number; width: number }>();
    const lumi = ws.measurements[0].config.parameters.find((p: any) => p.name === 'lumi');
    const stat = new Map<string, { d2: number[]; n: number[] }>();
    for (const ch of ws.channels) {
      for (const s of ch.samples) {
        for (const m of s.modifiers) {
          if (m.type === 'normsys' || m.type === 'histosys') ref.set(m.name, { centre: 0, width: 1 });
          if (m.type === 'lumi') ref.set(m.name, { centre: lumi.auxdata[0], width: lumi.sigmas[0] });
          if (m.type === 'shapesys') m.data.forEach((d: number, b: number) => ref.set(`${m.name}[${b}]`, { centre: 1, width: d / s.data[b] }));
          if (m.type === 'staterror') {
            const acc = stat.get(m.name) ?? { d2: s.data.map(() => 0), n: s.data.map(() => 0) };
            m.data.forEach((d: number, b: number) => {
              acc.d2[b] += d * d;
              acc.n[b] += s.data[b];
            });
            stat.set(m.name, acc);
          }
        }
      }
    }
    for (const [name, acc] of stat) acc.d2.forEach((d2, b) => ref.set(`${name}[${b}]`, { centre: 1, width: Math.sqrt(d2) / acc.n[b] }));

    const pyhf = c.expected.fit.pars_by_name as Record<string, number | number[]>;
    const pyhfValue = (name: string): number => {
      const m = /^(.*)\[(\d+)\]$/.exec(name);
      return m ? (pyhf[m[1]] as number[])[Number(m[2])] : (pyhf[name] as number);
    };
    expect(pulls.map((p) => p.name).sort()).toEqual([...ref.keys()].sort());
    let worst = 0;
    for (const p of pulls) {
      const r = ref.get(p.name)!;
      const expected = (pyhfValue(p.name) - r.centre) / r.width;
      // parameters agree with pyhf to 1e-4 (test/stats/inference/pyhf-fixtures.test.ts): pulls to 1e-4 / width
      expect(Math.abs(p.pull - expected), p.name).toBeLessThan(1e-4 / r.width);
      worst = Math.max(worst, Math.abs(p.pull - expected) * r.width);
      expect(p.error).toBeGreaterThan(0);
    }
    expect(worst).toBeLessThan(1e-4); // measured: largest |theta_hat - pyhf| over the constrained parameters, 1.9e-5
  });
});

describe('defaultScan', () => {
  it('ends at 1.25 x the largest limit rounded up to 1, 2, 2.5 or 5 x 10^k, inside the POI bounds', () => {
    expect(defaultScan(4.75, [1.87, 2.52, 3.55, 5.1, 7.13], [0, 10])).toEqual({ lo: 0, hi: 10, n: 21 });
    expect(defaultScan(0.3, [0.1, 0.15, 0.2, 0.3, 0.45], [0, 10])).toEqual({ lo: 0, hi: 1, n: 21 });
    expect(defaultScan(12, [8, 9, 10, 14, 17], [0, 20])).toEqual({ lo: 0, hi: 20, n: 21 }); // 21.25 -> 50, capped at 20
    expect(defaultScan(1.5, [1, 1.2, 1.4, 1.6, 1.9], [-5, 10])).toEqual({ lo: 0, hi: 2.5, n: 21 });
  });
});
