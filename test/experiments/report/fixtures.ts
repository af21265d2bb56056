/** Small synthetic experiment results shared by the report tests. */
import type { EpochRecord, ExperimentResults, Method, SeedResult } from '../../../experiments/report/types.js';

/** A seed result with a short history; the numbers given, the rest filled in. */
export function seedResult(
  method: Method,
  benchmark: number,
  seed: number,
  sigmaFisher: number,
  sigmaProfile: number,
  extra: Partial<SeedResult> = {},
): SeedResult {
  const history: EpochRecord[] = [1, 2, 3, 4].map((epoch) => ({
    epoch,
    loss: (method === 'bce' ? 0.7 : 20) / (1 + 0.2 * epoch * seed),
    validation: sigmaFisher + 4 / epoch,
    seconds: 2,
  }));
  return {
    method,
    benchmark,
    seed,
    sigmaFisher,
    sigmaProfile,
    epochs: 4,
    trainSeconds: 8,
    secondsPerEpoch: 2,
    history,
    modelDir: `models/${method}-b${benchmark}-s${seed}`,
    ...extra,
  };
}

/**
 * INFERNO-style results: benchmark 2 with inferno (3 seeds) and bce (3 seeds), benchmark 0 with
 * one inferno seed; a paper value for inferno and for a method not run here; analytic floors.
 */
export function infernoResults(): ExperimentResults {
  return {
    command: 'inferno',
    date: '2025-01-02T03:04:05Z',
    version: '0.1.0',
    config: { epochs: 4, seeds: 3, optimizer: { name: 'adam', lr: 0.001 } },
    results: [
      seedResult('bce', 2, 1, 22.0, 22.5, { secondsPerEpoch: 1 }),
      seedResult('inferno', 2, 1, 15.1, 15.9, { secondsPerEpoch: 2.0 }),
      seedResult('inferno', 2, 2, 16.2, 17.3, { secondsPerEpoch: 2.4 }),
      seedResult('bce', 2, 2, 24.0, 25.5, { secondsPerEpoch: 1 }),
      seedResult('inferno', 2, 3, 15.7, 16.5, { secondsPerEpoch: 2.2 }),
      seedResult('bce', 2, 3, 21.0, 21.5, { secondsPerEpoch: 1 }),
      seedResult('inferno', 0, 1, 14.567, 14.9),
    ],
    reference: {
      paper: [
        { benchmark: 2, method: 'inferno', sigma: 16.04, source: 'arXiv:1806.04743 Table 2' },
        { benchmark: 2, method: 'NN classifier', sigma: 22.5, source: 'arXiv:1806.04743 Table 2' },
      ],
      analyticFloor: [14.0, 14.5, 15.21],
    },
  };
}
