/**
 * The unbinned floor of the INFERNO benchmarks (Table 2, "Analytical likelihood"): the
 * Cramér-Rao width of `s` from the extended likelihood of the events themselves,
 * `L = Pois(n | s + b) prod_i p(x_i)`, whose Fisher information at the nominal point is
 *
 * `I_jk = ∫ (d_j nu)(d_k nu) / nu dx`,  `nu(x) = s f_s(x) + b f_b(x | r, lambda)`,
 *
 * with `d_s nu = f_s`, `d_r nu = b f_b (x0 - r) / 5`, `d_lambda nu = b f_b (1/lambda - x2)`,
 * `d_b nu = f_b`, plus `1 / sigma^2` for each Gaussian constraint. The integral is a Monte Carlo
 * sum over simulated signal and background events, `∫ g nu dx = s E_s[g] + b E_b[g]` with
 * `g = (d_j nu)(d_k nu) / nu^2`; `sigma_s = sqrt([I^-1]_ss)` over the parameters the benchmark
 * leaves free. This reproduces the paper's row within its Monte Carlo error (the authors used
 * 1e5 events per process).
 */
import type { Dataset } from '../../src/models/data.js';
import { InputError } from '../../src/stats/errors.js';
import { solveSymmetricPositiveDefinite } from '../../src/stats/optimize/linalg.js';
import { INFERNO_BACKGROUND_VARIANCE, INFERNO_NOMINAL, infernoLogDensities, simulateInferno } from '../simulators/inferno.js';
import { INFERNO_BENCHMARK_NUISANCES, INFERNO_BENCHMARKS, type InfernoBenchmark } from './benchmarks.js';

/** Options of {@link infernoAnalyticWidths}. */
export interface AnalyticWidthOptions {
  /** Events simulated per process; default 1e6. */
  readonly events?: number;
  /** Seed of the simulation; default 'inferno-analytic'. */
  readonly seed?: number | string;
  /** Use these events instead (nominal signal and background). */
  readonly datasets?: { readonly signal: Dataset; readonly background: Dataset };
}

/**
 * The unbinned Fisher information [4, 4] (row-major) of (s, r, lambda, b) at the nominal point,
 * without constraints, from nominal signal and background events.
 *
 * @example
 * ```ts
 * const I = infernoUnbinnedFisher({ signal, background });
 * 1 / Math.sqrt(I[0]); // benchmark 0's floor, about 14.71
 * ```
 */
export function infernoUnbinnedFisher(datasets: { readonly signal: Dataset; readonly background: Dataset }): Float64Array {
  const { s, b, r, lambda } = INFERNO_NOMINAL;
  const v0 = INFERNO_BACKGROUND_VARIANCE[0];
  const I = new Float64Array(16);
  const g = new Float64Array(4);
  for (const [weight, d, name] of [[s, datasets.signal, 'signal'], [b, datasets.background, 'background']] as const) {
    if (d.dim !== 3) throw new InputError('argument', `infernoUnbinnedFisher datasets.${name}`, `has dim ${d.dim}, the INFERNO problem has 3`);
    const acc = new Float64Array(16);
    for (let i = 0; i < d.n; i++) {
      const x0 = d.x[3 * i];
      const x2 = d.x[3 * i + 2];
      const ld = infernoLogDensities(x0, d.x[3 * i + 1], x2, r, lambda);
      // divide by nu in a stable way: f_s / nu = 1 / (s + b e^{ln f_b - ln f_s}), f_b / nu likewise
      const fsOverNu = 1 / (s + b * Math.exp(ld.background - ld.signal));
      const fbOverNu = 1 / (b + s * Math.exp(ld.signal - ld.background));
      g[0] = fsOverNu;
      g[1] = (b * fbOverNu * (x0 - r)) / v0;
      g[2] = b * fbOverNu * (1 / lambda - x2);
      g[3] = fbOverNu;
      for (let j = 0; j < 4; j++) for (let k = 0; k < 4; k++) acc[j * 4 + k] += g[j] * g[k];
    }
    for (let j = 0; j < 16; j++) I[j] += (weight * acc[j]) / d.n;
  }
  return I;
}

/**
 * The unbinned (analytical-likelihood) width of `s` per benchmark 0-4, by Monte Carlo
 * integration (see the module comment).
 *
 * @example
 * ```ts
 * infernoAnalyticWidths({ events: 1_000_000 }); // about [14.71, 15.51, 15.64, 15.61, 16.88]
 * ```
 */
export function infernoAnalyticWidths(options: AnalyticWidthOptions = {}): number[] {
  const events = options.events ?? 1_000_000;
  const seed = options.seed ?? 'inferno-analytic';
  const datasets = options.datasets ?? {
    signal: simulateInferno({ process: 'signal', n: events, seed }),
    background: simulateInferno({ process: 'background', n: events, seed }),
  };
  const I = infernoUnbinnedFisher(datasets);
  return INFERNO_BENCHMARKS.map((benchmark: InfernoBenchmark) => {
    const t = INFERNO_BENCHMARK_NUISANCES[benchmark];
    const treatments = [t.r, t.lambda, t.b];
    const keep = [0];
    const prior = [0];
    treatments.forEach((tr, j) => {
      if (tr === 'fixed') return;
      keep.push(j + 1);
      prior.push(tr === 'free' ? 0 : 1 / (tr.sigma * tr.sigma));
    });
    const m = keep.length;
    const J = new Float64Array(m * m);
    for (let a = 0; a < m; a++) for (let c = 0; c < m; c++) J[a * m + c] = I[keep[a] * 4 + keep[c]] + (a === c ? prior[a] : 0);
    const e = new Float64Array(m);
    e[0] = 1;
    return Math.sqrt(solveSymmetricPositiveDefinite(J, m, e)[0]);
  });
}
