/**
 * The neos problem (Simpson & Heinrich, arXiv:2203.05570, appendix A), with the numbers of the
 * authors' demo (`demo.ipynb` of github.com/gradhep/neos, `generate_data`, `scales`, `lumi`):
 * four 2D Gaussian blobs with unit covariance —
 *
 * | dataset | mean | expected yield |
 * |---|---|---|
 * | signal | (-1, 1) | 20 (scale 2 x lumi 10) |
 * | background (nominal) | (1, -1) | 100 (scale 10 x lumi 10) |
 * | background_up | (2.5, 2) | 100 |
 * | background_down | (-2.5, -1.5) | 100 |
 *
 * — and a one-channel HistFactory model of the binned summary: the signal scaled by `mu`, one shape
 * nuisance on the background (`correlated_bkg_uncertainty`, a histosys from the up and down
 * blobs, constrained by N(0, 1) as pyhf does), and a floor of 1e-3 added to every soft count
 * (as `neos.hists_from_nn`). The demo draws all four blobs from one key; here the three
 * background blobs share their standard-normal draws (one seed) and the signal has its own.
 */
import type { AnalysisSpec, Binning } from '../../src/models/analysis.js';
import type { Dataset } from '../../src/models/data.js';
import { InputError } from '../../src/stats/errors.js';
import type { TemplateSpec } from '../../src/stats/templates/spec.js';
import { simulateGaussian } from '../simulators/gaussian.js';

/** The dataset names of the neos problem. */
export type NeosDataset = 'signal' | 'background' | 'background_up' | 'background_down';

/** The blob means (unit covariance). */
export const NEOS_BLOB_MEANS: Readonly<Record<NeosDataset, readonly [number, number]>> = {
  signal: [-1, 1],
  background: [1, -1],
  background_up: [2.5, 2],
  background_down: [-2.5, -1.5],
};

/** Expected yields: signal 20, background 100 (the up/down blobs carry the background's). */
export const NEOS_YIELDS = { signal: 20, background: 100 } as const;

/** The shape nuisance of the background (neos's name). */
export const NEOS_NUISANCE = 'correlated_bkg_uncertainty';

/** Events per blob in the demo (before its train/test split). */
export const NEOS_DEMO_EVENTS = 10_000;

/**
 * Simulates the four blobs (see the module comment); the same options give the same bytes.
 *
 * @example
 * ```ts
 * const data = simulateNeos({ n: 10_000, seed: 0 }); // { signal, background, background_up, background_down }
 * ```
 */
export function simulateNeos(options: { readonly n: number; readonly seed: number | string }): Record<NeosDataset, Dataset> {
  const { n, seed } = options;
  if (!Number.isInteger(n) || n < 1) throw new InputError('argument', 'simulateNeos options.n', `must be a positive integer, got ${n}`);
  const blob = (name: NeosDataset, stream: string) => simulateGaussian({ mean: NEOS_BLOB_MEANS[name], n, seed: `neos/${stream}/${String(seed)}` });
  return {
    signal: blob('signal', 'signal'),
    background: blob('background', 'background'),
    background_up: blob('background_up', 'background'),
    background_down: blob('background_down', 'background'),
  };
}

/**
 * The template model of the neos problem with `bins` bins.
 *
 * @example
 * ```ts
 * neosTemplateSpec(4).samples.map((s) => s.name); // ['signal', 'background']
 * ```
 */
export function neosTemplateSpec(bins: number): TemplateSpec {
  if (!Number.isInteger(bins) || bins < 1) throw new InputError('argument', 'neosTemplateSpec bins', `must be a positive integer, got ${bins}`);
  return {
    bins,
    poi: { name: 'mu', bounds: [0, 10], init: 1 },
    samples: [
      { name: 'signal', signal: true },
      { name: 'background', shapes: [NEOS_NUISANCE] },
    ],
    nuisances: [{ name: NEOS_NUISANCE, kind: 'shape', constraint: { kind: 'normal', mean: 0, sigma: 1 } }],
  };
}

/**
 * The analysis of the neos problem: samples `signal` and `background` from the datasets of
 * {@link simulateNeos}, the shape nuisance from the `background_up` / `background_down` datasets
 * (`VariationSource` kind 'dataset', each scaled to the background's 100 expected events).
 *
 * @throws InputError naming the argument for a bad bin count or floor.
 * @example
 * ```ts
 * const analysis = new Analysis(neosAnalysis({ kind: 'kde', edges: [0, 0.25, 0.5, 0.75, 1], bandwidth: { absolute: 0.09 } }, 4));
 * ```
 */
export function neosAnalysis(binning: Binning, bins: number, options: { readonly floor?: number } = {}): AnalysisSpec {
  const floor = options.floor ?? 1e-3;
  if (!(floor >= 0) || !Number.isFinite(floor)) throw new InputError('argument', 'neosAnalysis options.floor', `must be finite and non-negative, got ${floor}`);
  return {
    template: neosTemplateSpec(bins),
    samples: {
      signal: { dataset: 'signal', expected: NEOS_YIELDS.signal },
      background: { dataset: 'background', expected: NEOS_YIELDS.background },
    },
    variations: {
      [`background:${NEOS_NUISANCE}`]: {
        up: { kind: 'dataset', dataset: 'background_up' },
        down: { kind: 'dataset', dataset: 'background_down' },
      },
    },
    binning,
    floor,
  };
}
