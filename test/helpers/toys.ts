/** Seeded toy datasets for the model and trainer tests. */
import seedrandom from 'seedrandom';
import { dataset, type Dataset } from '../../src/models/data.js';

/** n events of a Gaussian with the given means and standard deviations per column. */
export function gaussianEvents(n: number, mean: readonly number[], std: readonly number[], seed: string): Dataset {
  const rng = seedrandom(seed);
  const d = mean.length;
  const x = new Float32Array(n * d);
  for (let i = 0; i < n * d; i += 2) {
    const u = 1 - rng();
    const v = rng();
    const r = Math.sqrt(-2 * Math.log(u));
    x[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < n * d) x[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) x[i * d + j] = mean[j] + std[j] * x[i * d + j];
  return dataset(x, d);
}

/** Area under the ROC curve of scores (signal vs background), by ranks (ties counted half). */
export function auc(sig: ArrayLike<number>, bkg: ArrayLike<number>): number {
  const all = [...Array.from(sig, (s) => [s, 1] as const), ...Array.from(bkg, (s) => [s, 0] as const)].sort((a, b) => a[0] - b[0]);
  let rankSum = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j < all.length && all[j][0] === all[i][0]) j++;
    const avg = (i + j + 1) / 2; // ranks i+1..j
    for (let k = i; k < j; k++) if (all[k][1] === 1) rankSum += avg;
    i = j;
  }
  const ns = sig.length;
  const nb = bkg.length;
  return (rankSum - (ns * (ns + 1)) / 2) / (ns * nb);
}
