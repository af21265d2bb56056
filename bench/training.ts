/**
 * Training-step benchmark: one optimiser step (batch drawing, forward, soft histograms, float64
 * head, backward, Adam update) of the MLP 3-100-100-10 on the wasm backend, for the `bce`,
 * `inferno`, `profile-width`, `cls` and `z0` objectives on an INFERNO-like 3D toy (signal and
 * background Gaussians in x0, x1, exponentials in x2; one background shape nuisance: a shift of
 * x0 by +-0.2). A batch of 2000 is 1000 signal + 1000 background events; the inference-aware
 * objectives also evaluate the network on the shifted background (the up and down templates).
 * Target: the inference-aware step costs at most 1.5x the BCE step. `inferno` runs with the
 * shifted copies of every background event (variation fraction 1), of half of them (0.5) and
 * of a quarter (0.25, the control-variate templates the INFERNO experiments use by default:
 * 5 seeds each on benchmarks 2 and 4 gave sigma_s medians 16.88 and 18.43); a last row runs `inferno`
 * with the same number of network rows as BCE (500 events per dataset), the comparison at
 * equal network work.
 */
import * as tf from '@tensorflow/tfjs-core';
import seedrandom from 'seedrandom';
import { initBackend } from '../src/autodiff/backend.js';
import { Analysis, createMlp, dataset, fitStandardisation, train, type Dataset, type TrainObjective } from '../src/models/index.js';

export interface TrainingBenchRow {
  readonly objective: TrainObjective;
  /** Nominal events per step (half signal, half background). */
  readonly batch: number;
  /** Fraction of the background batch the shifted copies are made of (control variates). */
  readonly variationFraction: number;
  /** Rows the network evaluates per step (the inference-aware objectives add the shifted background). */
  readonly networkRows: number;
  readonly stepMs: number;
  readonly ratioToBce: number;
}

function toy(n: number, signal: boolean, seed: string): Dataset {
  const rng = seedrandom(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  const x = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    x[3 * i] = signal ? gauss() : 2 + Math.sqrt(5) * gauss();
    x[3 * i + 1] = signal ? gauss() : 3 * gauss();
    x[3 * i + 2] = -Math.log(1 - rng()) / (signal ? 2 : 3);
  }
  return dataset(x, 3);
}

export async function runTrainingBench(options: { steps?: number; batches?: readonly number[] } = {}): Promise<TrainingBenchRow[]> {
  const steps = options.steps ?? 30;
  const previous = tf.engine().backendName as string | undefined;
  await initBackend({ request: 'wasm', log: () => {} });
  const data = { sig: toy(50_000, true, 'bench-s'), bkg: toy(50_000, false, 'bench-b') };
  const rows: TrainingBenchRow[] = [];
  try {
    for (const batch of options.batches ?? [2000]) {
      let bceMs = NaN;
      const runs: Array<[TrainObjective, number, number]> = [['bce', batch / 2, 1], ['inferno', batch / 2, 1], ['inferno', batch / 2, 0.5], ['inferno', batch / 2, 0.25], ['profile-width', batch / 2, 0.25], ['cls', batch / 2, 0.25], ['z0', batch / 2, 0.25], ['inferno', batch / 4, 1]];
      for (const [objective, perDataset, variationFraction] of runs) {
        const score = objective === 'bce';
        const bkg = (shift: number) => ({ dataset: 'bkg', expected: 1000, transform: { kind: 'shift' as const, columns: [0], shift } });
        const analysis = new Analysis({
          template: { channels: [{ name: 'SR', bins: 10, samples: [{ name: 'signal', modifiers: [{ type: 'normfactor', name: 'mu' }] }, { name: 'background', modifiers: [{ type: 'histosys', name: 'r' }] }] }], poi: { name: 'mu' } },
          channels: { SR: { kind: 'summary' } },
          sources: { SR: { signal: { nominal: { dataset: 'sig', expected: 50 } }, background: { nominal: { dataset: 'bkg', expected: 1000 }, variations: { r: { up: bkg(0.2), down: bkg(-0.2) } } } } },
          binning: score ? { kind: 'kde', edges: Array.from({ length: 11 }, (_, k) => k / 10), bandwidth: { relative: 0.5 } } : { kind: 'softmax', temperature: 0.1 },
        });
        const mlp = createMlp({ inputDim: 3, hidden: [100, 100], output: score ? { kind: 'score' } : { kind: 'logits', bins: 10 }, seed: 1, standardisation: fitStandardisation(data.bkg.x, 3) });
        const times: number[] = [];
        await train(mlp, analysis, data, {
          objective, steps, batchSize: perDataset, seed: 1, variationFraction,
          optimizer: { kind: 'adam', schedule: { kind: 'constant', learningRate: 1e-3 } },
          onStep: (r) => times.push(r.stepMs),
        });
        mlp.dispose();
        const sorted = times.slice(5).sort((a, b) => a - b); // the first steps warm up the JIT
        const stepMs = sorted[sorted.length >> 1];
        if (objective === 'bce') bceMs = stepMs;
        rows.push({ objective, batch: 2 * perDataset, variationFraction, networkRows: score ? 2 * perDataset : 2 * perDataset + 2 * Math.round(variationFraction * perDataset), stepMs, ratioToBce: stepMs / bceMs });
      }
    }
  } finally {
    if (previous) await tf.setBackend(previous);
  }
  return rows;
}
