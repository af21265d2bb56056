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
import type { AnalysisConfigInput } from '../../src/models/config/schema.js';
import type { Dataset } from '../../src/models/data.js';
import type { MethodName } from '../../src/models/methods.js';
import { InputError } from '../../src/stats/errors.js';
import type { SingleChannelTemplateSpec as TemplateSpec } from '../../src/stats/templates/spec.js';
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

/** The run options of a neos config. */
export interface NeosConfigOptions {
  readonly steps: number;
  /** Events per blob: training, validation, test. */
  readonly trainEvents?: number;
  readonly validationEvents?: number;
  readonly testEvents?: number;
  readonly bins?: number;
}

/**
 * The neos problem as an analysis config (src/models/config): samples `signal` (expected 20,
 * scaled by `mu`) and `background` (expected 100) from the `neos` simulator, the shape nuisance
 * from the `background_up` / `background_down` blobs (each scaled to the background's 100
 * events), a 32-32 MLP score binned by a KDE of bandwidth 0.09 over 4 equal bins, the floor
 * 1e-3 added to every count (as `neos.hists_from_nn`, in training and evaluation), batches of
 * 500, seeds `train-<seed>`, `valid-<seed>` and `neos-test`.
 *
 * @throws InputError naming the argument for a bad bin count or step count.
 * @example
 * ```ts
 * const compiled = await compileAnalysis(neosConfig('cls', 0, { steps: 600 }), { simulators: BUILTIN_SIMULATORS });
 * ```
 */
export function neosConfig(method: MethodName, seed: number, options: NeosConfigOptions): AnalysisConfigInput {
  const bins = options.bins ?? 4;
  if (!Number.isInteger(bins) || bins < 2) throw new InputError('argument', 'neosConfig bins', `must be an integer >= 2, got ${bins}`);
  if (!Number.isInteger(options.steps) || options.steps < 1) throw new InputError('argument', 'neosConfig steps', `must be a positive integer, got ${options.steps}`);
  const blob = (process: NeosDataset) => ({ simulator: 'neos', process });
  return {
    name: 'neos',
    simulation: {
      train: { events: options.trainEvents ?? NEOS_DEMO_EVENTS, seed: `train-${seed}` },
      validation: { events: options.validationEvents ?? NEOS_DEMO_EVENTS, seed: `valid-${seed}` },
      test: { events: options.testEvents ?? 100_000, seed: 'neos-test' },
    },
    summary: { features: ['x0', 'x1'], hidden: [32, 32], bins, output: 'score', bandwidth: 0.09 * bins, seed: 2000 + seed, standardise: ['background'], floor: 1e-3, hardFloor: true },
    channels: [
      {
        name: 'SR',
        samples: [
          { name: 'signal', simulate: blob('signal'), expected: NEOS_YIELDS.signal, modifiers: [{ type: 'normfactor', name: 'mu' }] },
          {
            name: 'background',
            simulate: blob('background'),
            expected: NEOS_YIELDS.background,
            modifiers: [{ type: 'histosys', name: NEOS_NUISANCE, simulate: { up: blob('background_up'), down: blob('background_down') } }],
          },
        ],
      },
    ],
    measurement: { poi: 'mu', parameters: [{ name: 'mu', bounds: [0, 10], init: 1 }] },
    training: { method, steps: options.steps, batch: 500, learningRate: 1e-3, seed, validationEvery: Math.max(1, Math.round(options.steps / 20)) },
  };
}
