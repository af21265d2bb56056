/**
 * The analysis worker's warm-up (worker.ts runs it at start): a synthetic workspace of the size
 * of a typical published likelihood fitted a few times, so that V8 has optimised the engine's
 * code before the page's first request. Measured in Node on 2 busy cores: the first fit of
 * case-00 in a fresh process 640-860 ms, after this warm-up (6 fits, 0.9 s) 310 ms, later fits
 * 70-110 ms; a small two-channel warm-up workspace did not shorten it.
 */
import { WorkspaceAnalysis } from './analysis.js';

interface Modifier {
  readonly name: string;
  readonly type: string;
  readonly data: unknown;
}

/** `n` smooth positive yields around `scale`. */
const yields = (n: number, scale: number, phase: number) => Array.from({ length: n }, (_, k) => scale * (1 + 0.4 * Math.sin(phase + 0.9 * k)));
const scaled = (xs: readonly number[], f: number) => xs.map((x) => x * f);

/**
 * Three channels (3, 3 and 12 bins) and nine samples with every modifier type of the pyhf
 * reference case-00: normfactor, lumi, normsys, histosys, staterror, shapesys, shapefactor.
 */
export function warmUpWorkspace(): Record<string, unknown> {
  const channel = (name: string, bins: number, samples: Array<{ name: string; scale: number; modifiers: (d: number[]) => Modifier[] }>) => ({
    name,
    samples: samples.map((s, i) => {
      const data = yields(bins, s.scale, i + name.length);
      return { name: s.name, data, modifiers: [{ name: 'lumi', type: 'lumi', data: null }, ...s.modifiers(data)] };
    }),
  });
  const histosys = (name: string) => (d: number[]): Modifier => ({ name, type: 'histosys', data: { hi_data: scaled(d, 1.06), lo_data: scaled(d, 0.95) } });
  const normsys = (name: string, up = 1.05): Modifier => ({ name, type: 'normsys', data: { hi: up, lo: 2 - up } });
  const channels = [
    channel('SR_a', 3, [
      { name: 'top', scale: 20, modifiers: (d) => [normsys('eff'), histosys('pileup')(d), { name: 'stat_SR_a', type: 'staterror', data: scaled(d, 0.1) }, { name: 'sf_top', type: 'shapefactor', data: null }] },
      { name: 'fakes', scale: 8, modifiers: (d) => [normsys('jer', 1.1), histosys('met')(d), { name: 'stat_SR_a', type: 'staterror', data: scaled(d, 0.15) }, { name: 'mu_fakes', type: 'normfactor', data: null }] },
    ]),
    channel('CR', 3, [
      { name: 'top', scale: 120, modifiers: (d) => [normsys('eff'), { name: 'shapesys_CR', type: 'shapesys', data: scaled(d, 0.05) }, { name: 'sf_top', type: 'shapefactor', data: null }] },
      { name: 'signal', scale: 2, modifiers: () => [{ name: 'mu', type: 'normfactor', data: null }, normsys('sig_xsec', 1.1)] },
      { name: 'fakes', scale: 30, modifiers: (d) => [histosys('jer')(d), normsys('btag', 1.08), { name: 'mu_fakes', type: 'normfactor', data: null }] },
    ]),
    channel('SR_b', 12, [
      { name: 'signal', scale: 4, modifiers: () => [{ name: 'mu', type: 'normfactor', data: null }, normsys('sig_xsec', 1.1)] },
      { name: 'top', scale: 10, modifiers: () => [] },
      { name: 'fakes', scale: 6, modifiers: () => [normsys('pileup', 1.03), { name: 'mu_fakes', type: 'normfactor', data: null }] },
      { name: 'zjets', scale: 15, modifiers: (d) => [normsys('eff'), histosys('eff')(d), { name: 'shapesys_SR_b', type: 'shapesys', data: scaled(d, 0.08) }] },
    ]),
  ];
  // observed: the background-only expectation, rounded, with a small excess in SR_b
  const observations = channels.map((c) => ({
    name: c.name,
    data: c.samples[0].data.map((_, k) => Math.round(c.samples.filter((s) => s.name !== 'signal').reduce((t, s) => t + s.data[k], 0) + (c.name === 'SR_b' ? 2 : 0))),
  }));
  return {
    channels,
    observations,
    measurements: [{ name: 'meas', config: { poi: 'mu', parameters: [{ name: 'lumi', auxdata: [1], sigmas: [0.02], bounds: [[0.8, 1.2]], inits: [1] }] } }],
    version: '1.0.0',
  };
}

/**
 * Fits the warm-up workspace `rounds` times and computes its CLs once; returns whether every fit
 * converged (the results are not used).
 */
export function warmUp(rounds = 6): boolean {
  const a = WorkspaceAnalysis.load({ workspace: { text: JSON.stringify(warmUpWorkspace()), label: 'warm-up.json' } });
  let converged = true;
  for (let k = 0; k < rounds; k++) converged &&= a.fit().converged;
  a.cls(1, 'qtilde');
  return converged;
}
