/**
 * The HistFactory model in float64: expected data, the log-density with all constants
 * (equal to pyhf's `twice_nll`), and its exact gradient and Hessian.
 *
 * Expected rate in main bin b (channels sorted, bins concatenated):
 * `lambda_b = sum_s (nom_sb + sum_j Delta_sbj(alpha_j)) * prod_m kappa_sbm(theta)`.
 * Each sample-bin term is `R = A * prod_p f_p` where A (nominal plus histosys shifts) and each
 * factor f_p depend on one parameter p, so
 * `dR/dp = a'_p F + A f'_p F_{-p}` and
 * `d2R/dp dq = a'_p f'_q F_{-q} + a'_q f'_p F_{-p} + A f'_p f'_q F_{-pq}` (p != q),
 * with the products-except computed without division (a normalisation may be exactly 0).
 *
 * Twice the negative log-likelihood:
 * `2NLL = sum_b 2 (lambda_b - n_b log lambda_b + lgamma(n_b + 1)) + constraints`, with
 * normal constraints `((aux - theta)/sigma)^2 + 2 log(sigma sqrt(2 pi))` and Poisson
 * constraints `2 (g tau - aux log(g tau) + lgamma(aux + 1))`.
 */
import { InputError } from '../errors.js';
import { logGamma } from '../math/special.js';
import type { Measurement, Workspace } from '../workspace/spec.js';
import { histosysDelta, type HistosysCode } from './histosys-interpolation.js';
import { normsysInterpolator, type NormsysCode, type NormsysInterpolator } from './normsys-interpolation.js';
import {
  buildParameterSets,
  modelChannels,
  modelSamples,
  staterrorLayouts,
  walkModifiers,
  type ModelChannel,
  type ParameterSet,
} from './parameters.js';

/** Interpolation codes per modifier type (pyhf's `modifier_settings`). */
export interface InterpolationCodes {
  readonly normsys: NormsysCode;
  readonly histosys: HistosysCode;
}

/** pyhf's defaults: normsys code4, histosys code4p. */
export const DEFAULT_INTERPOLATION: InterpolationCodes = { normsys: 'code4', histosys: 'code4p' };

export interface ModelOptions {
  /** Measurement by name or object; default the workspace's first. */
  readonly measurement?: string | Measurement;
  readonly interpolation?: Partial<InterpolationCodes>;
  /** Override the POI (default: the measurement's); `null` builds a model without a POI (for inspection). */
  readonly poi?: string | null;
  /**
   * Parameters (by name) whose constraint terms are dropped, making them free (a diffinfer
   * extension: pyhf always constrains histosys, normsys and lumi). Used by template models
   * for unconstrained nuisances.
   */
  readonly unconstrained?: readonly string[];
}

/** Observed or Asimov data: main bins (channels sorted) and auxiliary data (pyhf order). */
export interface ModelData {
  readonly main: Float64Array;
  readonly aux: Float64Array;
}

/** Value, gradient and (optionally) Hessian, row-major n x n. */
export interface Derivatives {
  value: number;
  gradient: Float64Array;
  hessian?: Float64Array;
}

/** Adjoint of the histosys templates of one sample and one histosys parameter, per main bin. */
export interface HistosysAdjoint {
  /** Index into `model.samples`. */
  readonly sample: number;
  /** Global parameter index of the histosys. */
  readonly parameter: number;
  /** d/d hi_data. */
  readonly hi: Float64Array;
  /** d/d lo_data. */
  readonly lo: Float64Array;
}

/**
 * A vector-Jacobian product with respect to the model's yields (the numbers of the workspace):
 * nominal sample data and histosys templates. normsys factors and shapesys widths are held
 * constant (they are not yields a histogram produces).
 */
export interface YieldAdjoints {
  /** d/d nominal data, per sample (`model.samples` order), per main bin (0 where the sample is absent). */
  readonly nominal: Float64Array[];
  /** d/d histosys templates, one entry per (sample, histosys parameter) present. */
  readonly histosys: HistosysAdjoint[];
}

/** One constraint term of the model, in auxiliary-data order. */
export interface ConstraintTerm {
  /** Global parameter index. */
  readonly parameter: number;
  /** normal: `N(aux | theta, width)`; poisson: `Pois(aux | theta * width)`. */
  readonly kind: 'normal' | 'poisson';
  /** sigma (normal) or the factor tau (poisson). */
  readonly width: number;
}

/** A multiplicative factor slot, evaluated once per call and shared by the bins using it. */
type FactorSlot =
  | { readonly kind: 'linear'; readonly param: number }
  | { readonly kind: 'normsys'; readonly param: number; readonly interp: NormsysInterpolator };

/** One sample in one main bin. */
interface Term {
  readonly sample: number;
  readonly nominal: number;
  /** Local parameters (global indices, distinct). */
  readonly params: Int32Array;
  /** Factor slot per local parameter, or -1. */
  readonly slots: Int32Array;
  /** Histosys (up, down) per local parameter, NaN when none. */
  readonly up: Float64Array;
  readonly down: Float64Array;
}

/**
 * Scratch for one term `R = A * prod_i f_i` at given parameters: histosys slopes (a1, a2),
 * factor values and slopes (fl, f1, f2), prefix/suffix products and the products-except-one
 * (computed without division: a normalisation may be exactly 0). Shared by every derivative
 * pass so they agree term by term.
 */
class TermLoader {
  readonly fl: Float64Array;
  readonly f1: Float64Array;
  readonly f2: Float64Array;
  readonly a1: Float64Array;
  readonly a2: Float64Array;
  readonly prefix: Float64Array;
  readonly suffix: Float64Array;
  readonly exceptOne: Float64Array;
  private readonly tmp = new Float64Array(3);
  private readonly out = { A: 0, F: 1 };

  constructor(
    maxLocal: number,
    private readonly code: HistosysCode,
    private readonly fv: Float64Array,
    private readonly fd1: Float64Array,
    private readonly fd2: Float64Array,
  ) {
    this.fl = new Float64Array(maxLocal);
    this.f1 = new Float64Array(maxLocal);
    this.f2 = new Float64Array(maxLocal);
    this.a1 = new Float64Array(maxLocal);
    this.a2 = new Float64Array(maxLocal);
    this.prefix = new Float64Array(maxLocal + 1);
    this.suffix = new Float64Array(maxLocal + 1);
    this.exceptOne = new Float64Array(maxLocal);
  }

  /** Loads term `t` at `pars` (the model's factor slots must be evaluated at `pars`); returns A and F. */
  load(t: Term, pars: ArrayLike<number>): { readonly A: number; readonly F: number } {
    const { fl, f1, f2, a1, a2, prefix, suffix, exceptOne, tmp } = this;
    const m = t.params.length;
    let A = t.nominal;
    for (let i = 0; i < m; i++) {
      if (!Number.isNaN(t.up[i])) {
        histosysDelta(this.code, pars[t.params[i]], t.up[i], t.down[i], tmp);
        A += tmp[0];
        a1[i] = tmp[1];
        a2[i] = tmp[2];
      } else {
        a1[i] = 0;
        a2[i] = 0;
      }
      const k = t.slots[i];
      if (k >= 0) {
        fl[i] = this.fv[k];
        f1[i] = this.fd1[k];
        f2[i] = this.fd2[k];
      } else {
        fl[i] = 1;
        f1[i] = 0;
        f2[i] = 0;
      }
    }
    prefix[0] = 1;
    for (let i = 0; i < m; i++) prefix[i + 1] = prefix[i] * fl[i];
    suffix[m] = 1;
    for (let i = m - 1; i >= 0; i--) suffix[i] = suffix[i + 1] * fl[i];
    for (let i = 0; i < m; i++) exceptOne[i] = prefix[i] * suffix[i + 1];
    this.out.A = A;
    this.out.F = prefix[m];
    return this.out;
  }
}

/** A compiled HistFactory model. Build with {@link buildModel}. */
export class HistFactoryModel {
  readonly channels: readonly ModelChannel[];
  readonly samples: readonly string[];
  readonly parameterSets: readonly ParameterSet[];
  readonly parameterNames: readonly string[];
  readonly nPars: number;
  readonly nMainBins: number;
  readonly poiName: string;
  /** Index of the POI, or -1 for a model built with `poi: null`. */
  readonly poiIndex: number;
  readonly measurementName: string;
  readonly interpolation: InterpolationCodes;
  /** The auxiliary data of the measurement (pyhf's `config.auxdata`). */
  readonly auxdata: Float64Array;
  /** Parameter indices of constrained components, in aux-data order. */
  private readonly auxParam: Int32Array;
  private readonly auxKind: Uint8Array; // 1 normal, 2 poisson
  private readonly auxWidth: Float64Array; // sigma or factor tau
  private readonly slots: FactorSlot[];
  private readonly bins: Term[][];
  private readonly binParams: Int32Array[];
  // scratch
  private readonly fv: Float64Array;
  private readonly fd1: Float64Array;
  private readonly fd2: Float64Array;
  private readonly tmp3 = new Float64Array(3);
  private readonly maxLocal: number;

  /** @internal use {@link buildModel}. */
  constructor(init: {
    channels: ModelChannel[];
    samples: string[];
    parameterSets: ParameterSet[];
    poiName: string;
    measurementName: string;
    interpolation: InterpolationCodes;
    slots: FactorSlot[];
    bins: Term[][];
  }) {
    this.channels = init.channels;
    this.samples = init.samples;
    this.parameterSets = init.parameterSets;
    this.nPars = init.parameterSets.reduce((n, p) => n + p.size, 0);
    this.parameterNames = init.parameterSets.flatMap((p) =>
      p.isScalar ? [p.name] : Array.from({ length: p.size }, (_, i) => `${p.name}[${i}]`),
    );
    this.nMainBins = init.channels.reduce((n, c) => n + c.nBins, 0);
    this.poiName = init.poiName;
    const poi = init.parameterSets.find((p) => p.name === init.poiName);
    this.poiIndex = poi ? poi.offset : -1;
    this.measurementName = init.measurementName;
    this.interpolation = init.interpolation;
    this.slots = init.slots;
    this.bins = init.bins;
    this.binParams = init.bins.map((terms) => Int32Array.from(new Set(terms.flatMap((t) => [...t.params]))).sort());
    const auxParam: number[] = [];
    const auxKind: number[] = [];
    const auxWidth: number[] = [];
    const aux: number[] = [];
    for (const p of init.parameterSets) {
      const c = p.constraint;
      if (c.kind === 'none') continue;
      for (let i = 0; i < p.size; i++) {
        auxParam.push(p.offset + i);
        auxKind.push(c.kind === 'normal' ? 1 : 2);
        auxWidth.push(c.kind === 'normal' ? c.sigmas[i] : c.factors[i]);
        aux.push(c.auxdata[i]);
      }
    }
    this.auxParam = Int32Array.from(auxParam);
    this.auxKind = Uint8Array.from(auxKind);
    this.auxWidth = Float64Array.from(auxWidth);
    this.auxdata = Float64Array.from(aux);
    this.fv = new Float64Array(init.slots.length);
    this.fd1 = new Float64Array(init.slots.length);
    this.fd2 = new Float64Array(init.slots.length);
    this.maxLocal = Math.max(1, ...this.bins.flatMap((ts) => ts.map((t) => t.params.length)));
  }

  private termLoader(): TermLoader {
    return new TermLoader(this.maxLocal, this.interpolation.histosys, this.fv, this.fd1, this.fd2);
  }

  /**
   * A model with the same structure (channels, samples, modifiers, parameters, interpolation)
   * and new yields — the fast path for models rebuilt at every training step, O(terms) instead
   * of a workspace walk. `nominal(sample, bin)` gives the nominal yield of `samples[sample]` in
   * main bin `bin` (called only where the sample is present); `histosys(sample, parameter, bin)`
   * its histosys templates; `staterrorSigmas` new relative widths per staterror parameter set
   * (a component with width 0 is fixed, with width 1, as pyhf does); `shapesysFactors` new
   * factors tau per shapesys parameter set, which are also its auxiliary data (pyhf's
   * `tau = (nom / unc)^2` for both; a component with tau 0 is fixed, with factor 1, as pyhf
   * does for a bin without nominal or uncertainty). Components fixed in this model stay fixed.
   *
   * @example
   * ```ts
   * const m2 = model.withYields({ nominal: (s, b) => 2 * old[s][b], histosys: (s, p, b) => ({ hi: 2 * hi[s][b], lo: 2 * lo[s][b] }) });
   * ```
   */
  withYields(yields: {
    nominal: (sample: number, bin: number) => number;
    histosys: (sample: number, parameter: number, bin: number) => { readonly hi: number; readonly lo: number };
    staterrorSigmas?: ReadonlyMap<string, ArrayLike<number>>;
    shapesysFactors?: ReadonlyMap<string, ArrayLike<number>>;
  }): HistFactoryModel {
    const bins = this.bins.map((terms, b) =>
      terms.map((t) => {
        const nominal = yields.nominal(t.sample, b);
        const up = new Float64Array(t.up.length);
        const down = new Float64Array(t.down.length);
        for (let i = 0; i < t.params.length; i++) {
          if (Number.isNaN(t.up[i])) {
            up[i] = NaN;
            down[i] = NaN;
          } else {
            const h = yields.histosys(t.sample, t.params[i], b);
            up[i] = h.hi - nominal;
            down[i] = nominal - h.lo;
          }
        }
        return { sample: t.sample, nominal, params: t.params, slots: t.slots, up, down };
      }),
    );
    const sigmas = yields.staterrorSigmas;
    const factors = yields.shapesysFactors;
    const parameterSets = this.parameterSets.map((p) => {
      const next = p.type === 'staterror' ? sigmas?.get(p.name) : p.type === 'shapesys' ? factors?.get(p.name) : undefined;
      if (!next || p.constraint.kind === 'none') return p;
      if (next.length !== p.size) throw new InputError('argument', `${p.type} "${p.name}"`, `has ${p.size} components, got ${next.length} ${p.type === 'staterror' ? 'widths' : 'factors'}`);
      const fixed = Array.from(next, (x, i) => p.fixed[i] || !(x > 0));
      const values = Array.from(next, (x) => (x > 0 ? x : 1));
      if (p.constraint.kind === 'normal') return { ...p, fixed, constraint: { ...p.constraint, sigmas: values } };
      return { ...p, fixed, constraint: { kind: 'poisson' as const, auxdata: values, factors: values } };
    });
    return new HistFactoryModel({
      channels: [...this.channels],
      samples: [...this.samples],
      parameterSets,
      poiName: this.poiName,
      measurementName: this.measurementName,
      interpolation: this.interpolation,
      slots: this.slots,
      bins,
    });
  }

  /** The constraint terms in auxiliary-data order. */
  constraintTerms(): ConstraintTerm[] {
    return Array.from(this.auxParam, (parameter, i) => ({
      parameter,
      kind: this.auxKind[i] === 1 ? ('normal' as const) : ('poisson' as const),
      width: this.auxWidth[i],
    }));
  }

  /**
   * Expected main rates `lambda` [nMainBins] and, when asked, their Jacobian
   * `J[b * nPars + i] = d lambda_b / d theta_i` (row-major [nMainBins, nPars]).
   *
   * @example
   * ```ts
   * const { lambda, jacobian } = model.rates(model.suggestedInit(), true);
   * ```
   */
  rates(pars: ArrayLike<number>, wantJacobian: boolean): { lambda: Float64Array; jacobian?: Float64Array } {
    this.checkPars(pars);
    this.evaluateSlots(pars);
    const n = this.nPars;
    const lambda = new Float64Array(this.nMainBins);
    const jacobian = wantJacobian ? new Float64Array(this.nMainBins * n) : undefined;
    const L = this.termLoader();
    for (let b = 0; b < this.bins.length; b++) {
      let lam = 0;
      for (const t of this.bins[b]) {
        const { A, F } = L.load(t, pars);
        lam += A * F;
        if (!jacobian) continue;
        for (let i = 0; i < t.params.length; i++) jacobian[b * n + t.params[i]] += L.a1[i] * F + A * L.f1[i] * L.exceptOne[i];
      }
      lambda[b] = lam;
    }
    return { lambda, jacobian };
  }

  /**
   * Reverse mode through {@link rates} with respect to the yields: given adjoints
   * `lambdaBar` [nMainBins] of lambda and (optionally) `jacobianBar` [nMainBins * nPars] of its
   * Jacobian, returns `sum_b lambdaBar_b d lambda_b / dy + sum_bi jacobianBar_bi d J_bi / dy`
   * for every yield y (nominal data, histosys hi/lo templates).
   *
   * Maths, per term `R = A F` with `A = nom + sum_i Delta_i`, `Delta_i = w+_i(a) D+_i + w-_i(a) D-_i`
   * linear in `D+ = hi - nom`, `D- = nom - lo`: `dR/dp_i = A'_i F + A f'_i F_{-i}`, so
   * `Abar = lambdaBar F + sum_i Jbar_i f'_i F_{-i}`, `A'bar_i = Jbar_i F`, and
   * `nom: Abar (1 - sum w+ + sum w-) + sum_i A'bar_i (w-'_i - w+'_i)`,
   * `hi_i: Abar w+_i + A'bar_i w+'_i`, `lo_i: -(Abar w-_i + A'bar_i w-'_i)`.
   * Cost: O(terms x local parameters), like one {@link rates} call.
   */
  ratesVjp(pars: ArrayLike<number>, lambdaBar: ArrayLike<number>, jacobianBar?: ArrayLike<number>): YieldAdjoints {
    this.checkPars(pars);
    this.evaluateSlots(pars);
    const n = this.nPars;
    const nb = this.nMainBins;
    const nominal = this.samples.map(() => new Float64Array(nb));
    const histosys = new Map<number, HistosysAdjoint>();
    const code = this.interpolation.histosys;
    const wp = new Float64Array(3);
    const wm = new Float64Array(3);
    const L = this.termLoader();
    for (let b = 0; b < nb; b++) {
      const lb = lambdaBar[b];
      for (const t of this.bins[b]) {
        const { F } = L.load(t, pars);
        const m = t.params.length;
        let Abar = lb * F;
        if (jacobianBar) for (let i = 0; i < m; i++) Abar += jacobianBar[b * n + t.params[i]] * L.f1[i] * L.exceptOne[i];
        let nomBar = Abar;
        for (let i = 0; i < m; i++) {
          if (Number.isNaN(t.up[i])) continue;
          const p = t.params[i];
          histosysDelta(code, pars[p], 1, 0, wp);
          histosysDelta(code, pars[p], 0, 1, wm);
          const a1Bar = jacobianBar ? jacobianBar[b * n + p] * F : 0;
          nomBar += Abar * (wm[0] - wp[0]) + a1Bar * (wm[1] - wp[1]);
          const key = t.sample * n + p;
          let h = histosys.get(key);
          if (!h) {
            h = { sample: t.sample, parameter: p, hi: new Float64Array(nb), lo: new Float64Array(nb) };
            histosys.set(key, h);
          }
          h.hi[b] += Abar * wp[0] + a1Bar * wp[1];
          h.lo[b] -= Abar * wm[0] + a1Bar * wm[1];
        }
        nominal[t.sample][b] += nomBar;
      }
    }
    return { nominal, histosys: [...histosys.values()] };
  }

  /** Number of auxiliary data. */
  get nAux(): number {
    return this.auxdata.length;
  }

  /** pyhf's `suggested_init()`. */
  suggestedInit(): Float64Array {
    return Float64Array.from(this.parameterSets.flatMap((p) => p.inits));
  }

  /** pyhf's `suggested_bounds()`, as lower and upper arrays. */
  suggestedBounds(): { lower: Float64Array; upper: Float64Array } {
    const b = this.parameterSets.flatMap((p) => p.bounds);
    return { lower: Float64Array.from(b, (x) => x[0]), upper: Float64Array.from(b, (x) => x[1]) };
  }

  /** pyhf's `suggested_fixed()`. */
  suggestedFixed(): boolean[] {
    return this.parameterSets.flatMap((p) => p.fixed);
  }

  /** The parameter set called `name`, or undefined. */
  parameterSet(name: string): ParameterSet | undefined {
    return this.parameterSets.find((p) => p.name === name);
  }

  /** Index of a parameter component by pyhf name (`mu`, `gamma[2]`), or -1. */
  parameterIndex(name: string): number {
    return this.parameterNames.indexOf(name);
  }

  private evaluateSlots(pars: ArrayLike<number>): void {
    const { slots, fv, fd1, fd2, tmp3 } = this;
    for (let k = 0; k < slots.length; k++) {
      const s = slots[k];
      if (s.kind === 'linear') {
        fv[k] = pars[s.param];
        fd1[k] = 1;
        fd2[k] = 0;
      } else {
        s.interp.evaluate(pars[s.param], tmp3);
        fv[k] = tmp3[0];
        fd1[k] = tmp3[1];
        fd2[k] = tmp3[2];
      }
    }
  }

  private termValue(t: Term, pars: ArrayLike<number>): number {
    let a = t.nominal;
    let f = 1;
    const code = this.interpolation.histosys;
    for (let i = 0; i < t.params.length; i++) {
      if (!Number.isNaN(t.up[i])) a += histosysDelta(code, pars[t.params[i]], t.up[i], t.down[i], this.tmp3)[0];
      const k = t.slots[i];
      if (k >= 0) f *= this.fv[k];
    }
    return a * f;
  }

  /** Expected main data (lambda), channels sorted, length nMainBins. */
  expectedActualData(pars: ArrayLike<number>): Float64Array {
    this.checkPars(pars);
    this.evaluateSlots(pars);
    const out = new Float64Array(this.nMainBins);
    for (let b = 0; b < this.bins.length; b++) {
      let s = 0;
      for (const t of this.bins[b]) s += this.termValue(t, pars);
      out[b] = s;
    }
    return out;
  }

  /** Expected main data per sample (sorted sample names), as pyhf's `main_model.expected_data(pars, return_by_sample=True)`. */
  expectedDataBySample(pars: ArrayLike<number>): Record<string, Float64Array> {
    this.checkPars(pars);
    this.evaluateSlots(pars);
    const out: Record<string, Float64Array> = {};
    for (const s of this.samples) out[s] = new Float64Array(this.nMainBins);
    for (let b = 0; b < this.bins.length; b++) {
      for (const t of this.bins[b]) out[this.samples[t.sample]][b] += this.termValue(t, pars);
    }
    return out;
  }

  /** Expected auxiliary data: theta for normal constraints, theta * tau for Poisson ones. */
  expectedAuxData(pars: ArrayLike<number>): Float64Array {
    this.checkPars(pars);
    const out = new Float64Array(this.auxParam.length);
    for (let i = 0; i < out.length; i++) {
      const p = pars[this.auxParam[i]];
      out[i] = this.auxKind[i] === 1 ? p : p * this.auxWidth[i];
    }
    return out;
  }

  /** Expected data (main then aux), as pyhf's `model.expected_data(pars)`. */
  expectedData(pars: ArrayLike<number>): ModelData {
    return { main: this.expectedActualData(pars), aux: this.expectedAuxData(pars) };
  }

  /** The log of the main (Poisson) term. */
  mainLogPdf(pars: ArrayLike<number>, data: ModelData): number {
    const lam = this.expectedActualData(pars);
    let s = 0;
    for (let b = 0; b < lam.length; b++) s += poissonLogPdf(data.main[b], lam[b]);
    return s;
  }

  /** The log of the constraint terms (all constants kept). */
  constraintLogPdf(pars: ArrayLike<number>, data: ModelData): number {
    this.checkPars(pars);
    let s = 0;
    for (let i = 0; i < this.auxParam.length; i++) {
      const p = pars[this.auxParam[i]];
      const w = this.auxWidth[i];
      const a = data.aux[i];
      if (this.auxKind[i] === 1) {
        const z = (a - p) / w;
        s += -0.5 * z * z - Math.log(w) - 0.5 * Math.log(2 * Math.PI);
      } else {
        s += poissonLogPdf(a, p * w);
      }
    }
    return s;
  }

  /** log L = main + constraint (pyhf's `model.logpdf`). */
  logPdf(pars: ArrayLike<number>, data: ModelData): number {
    return this.mainLogPdf(pars, data) + this.constraintLogPdf(pars, data);
  }

  /** -2 log L (pyhf's `twice_nll`). */
  twiceNll(pars: ArrayLike<number>, data: ModelData): number {
    return -2 * this.logPdf(pars, data);
  }

  /**
   * 2NLL with its exact gradient and (if `wantHessian`) Hessian at `pars`.
   *
   * @example
   * ```ts
   * const d = model.twiceNllDerivatives(model.suggestedInit(), data, true);
   * d.gradient.length === model.nPars; // true
   * ```
   */
  twiceNllDerivatives(pars: ArrayLike<number>, data: ModelData, wantHessian: boolean): Derivatives {
    return this.objective(data).evaluate(pars, wantHessian);
  }

  /**
   * A 2NLL objective bound to data, with constants precomputed; `evaluate` returns the value,
   * the gradient and optionally the Hessian. This is what the fitter calls.
   */
  objective(data: ModelData): { evaluate(pars: ArrayLike<number>, wantHessian: boolean): Derivatives } {
    this.checkData(data);
    const n = this.nPars;
    const nb = this.nMainBins;
    const main = data.main;
    const aux = data.aux;
    // 2NLL = constant + sum of deviance terms; the constant holds 2 S(n) of every Poisson
    // term and the normalisations of the Gaussians.
    let constant = 0;
    for (let b = 0; b < nb; b++) constant += 2 * stirlingRemainder(main[b]);
    for (let i = 0; i < this.auxParam.length; i++) {
      if (this.auxKind[i] === 1) constant += 2 * Math.log(this.auxWidth[i]) + Math.log(2 * Math.PI);
      else constant += 2 * stirlingRemainder(aux[i]);
    }
    const dlam = new Float64Array(n);
    const L = this.termLoader();
    const { fl, f1, f2, a1, a2, prefix, suffix, exceptOne } = L;
    return {
      evaluate: (pars, wantHessian) => {
        this.checkPars(pars);
        this.evaluateSlots(pars);
        const grad = new Float64Array(n);
        const hess = wantHessian ? new Float64Array(n * n) : undefined;
        let value = constant;
        for (let b = 0; b < nb; b++) {
          const terms = this.bins[b];
          const bp = this.binParams[b];
          for (let i = 0; i < bp.length; i++) dlam[bp[i]] = 0;
          // first pass: lambda and dlambda
          let lam = 0;
          for (const t of terms) {
            const { A, F } = L.load(t, pars);
            lam += A * F;
            for (let i = 0; i < t.params.length; i++) dlam[t.params[i]] += a1[i] * F + A * f1[i] * exceptOne[i];
          }
          const nobs = main[b];
          value += nobs === 0 ? 2 * lam : 2 * nobs * poissonDeviancePerCount((lam - nobs) / nobs);
          const w = 2 - (nobs === 0 ? 0 : (2 * nobs) / lam);
          for (let i = 0; i < bp.length; i++) grad[bp[i]] += w * dlam[bp[i]];
          if (!hess) continue;
          const v = nobs === 0 ? 0 : (2 * nobs) / (lam * lam);
          if (v !== 0) {
            for (let i = 0; i < bp.length; i++) {
              const pi = bp[i];
              const vi = v * dlam[pi];
              if (vi === 0) continue;
              const row = pi * n;
              for (let j = 0; j < bp.length; j++) hess[row + bp[j]] += vi * dlam[bp[j]];
            }
          }
          if (w === 0) continue;
          // second pass: w_b * d2R/dp dq per term
          for (const t of terms) {
            const m = t.params.length;
            const { A, F } = L.load(t, pars);
            for (let i = 0; i < m; i++) {
              const pi = t.params[i];
              // diagonal
              hess[pi * n + pi] += w * (a2[i] * F + 2 * a1[i] * f1[i] * exceptOne[i] + A * f2[i] * exceptOne[i]);
              // off-diagonal, j > i: product of fl over k != i, j
              let mid = 1; // product of fl over i < k < j
              for (let j = i + 1; j < m; j++) {
                const exceptTwo = prefix[i] * mid * suffix[j + 1];
                mid *= fl[j];
                const d = a1[i] * f1[j] * exceptOne[j] + a1[j] * f1[i] * exceptOne[i] + A * f1[i] * f1[j] * exceptTwo;
                if (d === 0) continue;
                const pj = t.params[j];
                hess[pi * n + pj] += w * d;
                hess[pj * n + pi] += w * d;
              }
            }
          }
        }
        // constraints
        for (let i = 0; i < this.auxParam.length; i++) {
          const p = this.auxParam[i];
          const th = pars[p];
          const wdt = this.auxWidth[i];
          const a = aux[i];
          if (this.auxKind[i] === 1) {
            const r = (th - a) / wdt;
            value += r * r;
            grad[p] += (2 * r) / wdt;
            if (hess) hess[p * n + p] += 2 / (wdt * wdt);
          } else {
            const lam = th * wdt;
            value += a === 0 ? 2 * lam : 2 * a * poissonDeviancePerCount((lam - a) / a);
            grad[p] += 2 * wdt - (a === 0 ? 0 : (2 * a) / th);
            if (hess) hess[p * n + p] += a === 0 ? 0 : (2 * a) / (th * th);
          }
        }
        return { value, gradient: grad, hessian: hess };
      },
    };
  }

  /**
   * Describes the main bins where the likelihood is zero at `pars`: observed events but a
   * non-positive expected rate. Returns '' when there are none.
   */
  impossibleBins(pars: ArrayLike<number>, data: ModelData): string {
    const lam = this.expectedActualData(pars);
    const bad: string[] = [];
    for (const ch of this.channels) {
      for (let b = 0; b < ch.nBins; b++) {
        const i = ch.offset + b;
        if (data.main[i] > 0 && !(lam[i] > 0)) bad.push(`channel "${ch.name}" bin ${b} (observed ${data.main[i]}, expected ${lam[i]})`);
      }
    }
    return bad.length ? `zero expected rate where events were observed: ${bad.slice(0, 3).join('; ')}${bad.length > 3 ? `; and ${bad.length - 3} more` : ''}` : '';
  }

  /** Builds ModelData from main observations (channels sorted) and this model's auxdata. */
  data(main: ArrayLike<number>, aux: ArrayLike<number> = this.auxdata): ModelData {
    const d = { main: Float64Array.from(main), aux: Float64Array.from(aux) };
    this.checkData(d);
    return d;
  }

  private checkPars(pars: ArrayLike<number>): void {
    if (pars.length !== this.nPars) {
      throw new InputError('argument', 'pars', `has ${pars.length} values, the model has ${this.nPars} parameters`);
    }
  }

  private checkData(data: ModelData): void {
    if (data.main.length !== this.nMainBins) {
      throw new InputError('argument', 'data', `has ${data.main.length} main bins, the model has ${this.nMainBins}`);
    }
    if (data.aux.length !== this.auxParam.length) {
      throw new InputError('argument', 'data', `has ${data.aux.length} auxiliary data, the model has ${this.auxParam.length}`);
    }
  }
}

/**
 * `D(d) = d - log(1 + d)`, the Poisson deviance per count at relative deviation
 * `d = (lambda - n) / n`; a series for small |d| avoids cancellation.
 */
export function poissonDeviancePerCount(d: number): number {
  if (Math.abs(d) < 1e-2) {
    // d^2/2 - d^3/3 + d^4/4 - ... to d^9
    let term = d * d;
    let sum = 0;
    for (let k = 2; k <= 9; k++) {
      sum += (k % 2 === 0 ? 1 : -1) * (term / k);
      term *= d;
    }
    return sum;
  }
  return d - Math.log1p(d);
}

/**
 * The Stirling remainder `S(n) = lgamma(n + 1) - n log(n) + n` (about `log(2 pi n) / 2`),
 * computed without the cancellation of its terms for large n.
 */
export function stirlingRemainder(n: number): number {
  if (n === 0) return 0;
  if (n < 30) return logGamma(n + 1) - n * Math.log(n) + n;
  const r = 1 / n;
  const r2 = r * r;
  return 0.5 * Math.log(2 * Math.PI * n) + r * (1 / 12 - r2 * (1 / 360 - r2 * (1 / 1260 - r2 / 1680)));
}

/**
 * Poisson log-probability with continuous n: `n log(lam) - lam - lgamma(n + 1)`, `0 log 0 = 0`,
 * evaluated as `-(n D((lam - n)/n) + S(n))` so that huge counts (shapesys constraints with
 * tau ~ 1e12) keep their precision near the minimum.
 */
export function poissonLogPdf(n: number, lam: number): number {
  if (n === 0) return -lam;
  return -(n * poissonDeviancePerCount((lam - n) / n) + stirlingRemainder(n));
}

/**
 * Compiles a workspace into a {@link HistFactoryModel} (pyhf's `workspace.model()`).
 *
 * @example
 * ```ts
 * const model = buildModel(parseWorkspace(json));
 * const data = observedData(ws, model);
 * model.twiceNll(model.suggestedInit(), data);
 * ```
 */
export function buildModel(ws: Workspace, options: ModelOptions = {}): HistFactoryModel {
  const measurement = pickMeasurement(ws, options.measurement);
  const interpolation: InterpolationCodes = { ...DEFAULT_INTERPOLATION, ...options.interpolation };
  const channels = modelChannels(ws);
  const samples = modelSamples(ws);
  const parameterSets = releaseConstraints(buildParameterSets(ws, measurement), options.unconstrained ?? []);
  const setByName = new Map(parameterSets.map((p) => [p.name, p]));
  const poiName = options.poi === null ? '' : (options.poi ?? measurement.config.poi);
  const poi = setByName.get(poiName);
  if (options.poi === null) {
    // no POI: poiIndex is -1
  } else if (!poi) {
    throw new InputError('model', `measurement "${measurement.name}" config.poi`, `POI "${poiName}" is not a parameter of the model`);
  }
  if (poi && (!poi.isScalar || poi.size !== 1)) {
    throw new InputError('model', `measurement "${measurement.name}" config.poi`, `POI "${poiName}" (${poi.type}) has several components; the POI must be a scalar`);
  }
  const staterrors = staterrorLayouts(ws);
  const nMain = channels.reduce((n, c) => n + c.nBins, 0);
  const slots: FactorSlot[] = [];
  const slotKey = new Map<string, number>();
  const linearSlot = (param: number): number => {
    const key = `l:${param}`;
    let k = slotKey.get(key);
    if (k === undefined) {
      k = slots.length;
      slots.push({ kind: 'linear', param });
      slotKey.set(key, k);
    }
    return k;
  };
  // Per (global bin, sample index): local params map param -> {slot, up, down}
  type Local = { slot: number; up: number; down: number };
  const termLocals: Array<Map<number, Map<number, Local>>> = Array.from({ length: nMain }, () => new Map());
  const local = (b: number, s: number, p: number): Local => {
    let bySample = termLocals[b].get(s);
    if (!bySample) {
      bySample = new Map();
      termLocals[b].set(s, bySample);
    }
    let l = bySample.get(p);
    if (!l) {
      l = { slot: -1, up: NaN, down: NaN };
      bySample.set(p, l);
    }
    return l;
  };
  const nominal: Float64Array[] = Array.from({ length: samples.length }, () => new Float64Array(nMain));
  const present: boolean[][] = Array.from({ length: samples.length }, () => new Array<boolean>(nMain).fill(false));
  for (const ch of channels) {
    for (const s of ws.channels[ch.specIndex].samples) {
      const si = samples.indexOf(s.name);
      for (let b = 0; b < ch.nBins; b++) {
        nominal[si][ch.offset + b] = s.data[b];
        present[si][ch.offset + b] = true;
      }
    }
  }
  walkModifiers(ws, (v) => {
    const m = v.modifier;
    const set = setByName.get(m.name)!;
    const si = samples.indexOf(v.sampleName);
    const off = v.channel.offset;
    switch (m.type) {
      case 'normfactor':
      case 'lumi': {
        const k = linearSlot(set.offset);
        for (let b = 0; b < v.channel.nBins; b++) local(off + b, si, set.offset).slot = k;
        break;
      }
      case 'shapefactor':
      case 'shapesys':
        for (let b = 0; b < v.channel.nBins; b++) local(off + b, si, set.offset + b).slot = linearSlot(set.offset + b);
        break;
      case 'staterror': {
        const lay = staterrors.get(m.name)!;
        for (let b = 0; b < v.channel.nBins; b++) {
          const comp = lay.bins.indexOf(off + b);
          local(off + b, si, set.offset + comp).slot = linearSlot(set.offset + comp);
        }
        break;
      }
      case 'normsys': {
        const k = slots.length;
        slots.push({ kind: 'normsys', param: set.offset, interp: normsysInterpolator(interpolation.normsys, m.data.hi, m.data.lo) });
        for (let b = 0; b < v.channel.nBins; b++) local(off + b, si, set.offset).slot = k;
        break;
      }
      case 'histosys':
        for (let b = 0; b < v.channel.nBins; b++) {
          const l = local(off + b, si, set.offset);
          const nom = v.nominal[b];
          l.up = m.data.hi_data[b] - nom;
          l.down = nom - m.data.lo_data[b];
        }
        break;
    }
  });
  const bins: Term[][] = [];
  for (let b = 0; b < nMain; b++) {
    const terms: Term[] = [];
    for (let si = 0; si < samples.length; si++) {
      if (!present[si][b]) continue;
      const locals = [...(termLocals[b].get(si) ?? new Map<number, Local>()).entries()].sort((x, y) => x[0] - y[0]);
      terms.push({
        sample: si,
        nominal: nominal[si][b],
        params: Int32Array.from(locals.map(([p]) => p)),
        slots: Int32Array.from(locals.map(([, l]) => l.slot)),
        up: Float64Array.from(locals.map(([, l]) => l.up)),
        down: Float64Array.from(locals.map(([, l]) => l.down)),
      });
    }
    bins.push(terms);
  }
  return new HistFactoryModel({ channels, samples, parameterSets, poiName, measurementName: measurement.name, interpolation, slots, bins });
}

function releaseConstraints(sets: ParameterSet[], names: readonly string[]): ParameterSet[] {
  for (const name of names) {
    const set = sets.find((p) => p.name === name);
    if (!set) throw new InputError('argument', `unconstrained "${name}"`, `no parameter "${name}" in the model`);
    if (set.constraint.kind === 'none') throw new InputError('argument', `unconstrained "${name}"`, `"${name}" (${set.type}) is already unconstrained`);
  }
  return sets.map((p) => (names.includes(p.name) ? { ...p, constraint: { kind: 'none' } } : p));
}

function pickMeasurement(ws: Workspace, m: string | Measurement | undefined): Measurement {
  if (m === undefined) {
    if (ws.measurements.length === 0) throw new InputError('workspace', 'measurements', 'the workspace has no measurement');
    return ws.measurements[0];
  }
  if (typeof m !== 'string') return m;
  const found = ws.measurements.find((x) => x.name === m);
  if (!found) {
    throw new InputError('argument', '--measurement', `no measurement "${m}" (available: ${ws.measurements.map((x) => `"${x.name}"`).join(', ')})`);
  }
  return found;
}

/** The observed main data of a workspace in the model's channel order, with the model's auxdata. */
export function observedData(ws: Workspace, model: HistFactoryModel): ModelData {
  const main = new Float64Array(model.nMainBins);
  for (const ch of model.channels) {
    const obs = ws.observations.find((o) => o.name === ch.name);
    if (!obs) throw new InputError('workspace', 'observations', `no observation for channel "${ch.name}"`);
    main.set(obs.data, ch.offset);
  }
  return model.data(main);
}
