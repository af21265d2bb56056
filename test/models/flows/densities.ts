/**
 * Known densities for the flow tests: seeded samplers, exact log-densities and exact bin
 * probabilities (float64).
 */
import seedrandom from 'seedrandom';
import { normalCdf } from '../../../src/stats/math/index.js';

const LOG_2PI = Math.log(2 * Math.PI);

export const logNormal = (x: number, mean: number, sd: number): number => -0.5 * ((x - mean) / sd) ** 2 - Math.log(sd) - 0.5 * LOG_2PI;

/** Standard normal draws from seedrandom (Box–Muller). */
export function normals(count: number, seed: string): Float64Array {
  const rng = seedrandom(seed);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const u1 = 1 - rng();
    out[i] = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * rng());
  }
  return out;
}

/** 1D: a two-component Gaussian mixture. */
export const MIXTURE = { weights: [0.35, 0.65], means: [-2, 1.5], sds: [0.5, 0.8] } as const;

export function mixtureSample(n: number, seed: string): Float32Array {
  const rng = seedrandom(`${seed}:pick`);
  const z = normals(n, `${seed}:z`);
  return Float32Array.from(z, (v) => {
    const c = rng() < MIXTURE.weights[0] ? 0 : 1;
    return MIXTURE.means[c] + MIXTURE.sds[c] * v;
  });
}

export function mixtureLogDensity(x: number): number {
  const a = Math.log(MIXTURE.weights[0]) + logNormal(x, MIXTURE.means[0], MIXTURE.sds[0]);
  const b = Math.log(MIXTURE.weights[1]) + logNormal(x, MIXTURE.means[1], MIXTURE.sds[1]);
  const m = Math.max(a, b);
  return m + Math.log(Math.exp(a - m) + Math.exp(b - m));
}

/** P(lo <= x < hi) under the mixture. */
export function mixtureBinProbability(lo: number, hi: number): number {
  return MIXTURE.weights.reduce((s, w, c) => s + w * (normalCdf((hi - MIXTURE.means[c]) / MIXTURE.sds[c]) - normalCdf((lo - MIXTURE.means[c]) / MIXTURE.sds[c])), 0);
}

/** 2D banana: x1 ~ N(0, 1), x2 | x1 ~ N(0.5 x1^2 - 0.5, 0.5^2). */
export const BANANA_SD = 0.5;
const bananaMean = (x1: number) => 0.5 * x1 * x1 - 0.5;

export function bananaSample(n: number, seed: string): Float32Array {
  const z = normals(2 * n, seed);
  const out = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    out[2 * i] = z[2 * i];
    out[2 * i + 1] = bananaMean(z[2 * i]) + BANANA_SD * z[2 * i + 1];
  }
  return out;
}

export function bananaLogDensity(x1: number, x2: number): number {
  return logNormal(x1, 0, 1) + logNormal(x2, bananaMean(x1), BANANA_SD);
}

/** P(x in [a1, b1) x [a2, b2)) under the banana: Simpson's rule in x1 (400 intervals). */
export function bananaBinProbability(a1: number, b1: number, a2: number, b2: number): number {
  const m = 400;
  const h = (b1 - a1) / m;
  let s = 0;
  for (let i = 0; i <= m; i++) {
    const x1 = a1 + i * h;
    const f = Math.exp(logNormal(x1, 0, 1)) * (normalCdf((b2 - bananaMean(x1)) / BANANA_SD) - normalCdf((a2 - bananaMean(x1)) / BANANA_SD));
    s += f * (i === 0 || i === m ? 1 : i % 2 === 1 ? 4 : 2);
  }
  return (s * h) / 3;
}

/** Counts of values in equal bins of [lo, hi) (values outside are dropped). */
export function histogram(values: ArrayLike<number>, lo: number, hi: number, bins: number): number[] {
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < values.length; i++) {
    const k = Math.floor(((values[i] - lo) / (hi - lo)) * bins);
    if (k >= 0 && k < bins) counts[k]++;
  }
  return counts;
}

export const mean = (a: ArrayLike<number>): number => Array.from(a).reduce((s, v) => s + v, 0) / a.length;
export const sd = (a: ArrayLike<number>): number => {
  const m = mean(a);
  return Math.sqrt(Array.from(a).reduce((s, v) => s + (v - m) ** 2, 0) / a.length);
};
