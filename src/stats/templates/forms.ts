/**
 * How a template model's nuisances become HistFactory parameters (internal to src/stats/templates).
 *
 * A shape or rate nuisance is given in its own units alpha (the user's templates or factors sit
 * at alpha = +-1) with a constraint N(m, s) or none. The model's parameter is the standardised
 * `z = alpha / s` (s = 1 for a free nuisance), constrained by N(m / s | z, 1) — pyhf's only form
 * of a constrained histosys or normsys — with templates at the +-1 sigma points
 *
 *     hi' = nom + Delta(+s),   lo' = nom + Delta(-s)        (shapes)
 *     hi' = kappa(+s),         lo' = kappa(-s)              (rates)
 *
 * where Delta and kappa are the interpolation code's own functions of the user's templates
 * (code4p and code0 extrapolate linearly beyond |alpha| = 1, code4 and code1 exponentially).
 * For s = 1 this is the user's model exactly; for s != 1 it is the HistFactory convention that
 * templates are the +-1 sigma variations. The slope at the nominal point is unchanged
 * (`(Delta(s) - Delta(-s)) / 2 = s S` for every s, S the code's slope at 0), so the Fisher
 * information at the nominal point is the same as the user's model in alpha.
 */
import { histosysDelta, type HistosysCode } from '../model/histosys-interpolation.js';
import { normsysInterpolator, type NormsysCode } from '../model/normsys-interpolation.js';
import type { NuisanceConstraint, TemplateNuisance } from './spec.js';

/** Coefficients of one template as `c[0] nom + c[1] up + c[2] down`. */
export type TemplateCoefficients = readonly [number, number, number];

const DEFAULT_SHAPE: NuisanceConstraint = { kind: 'normal', mean: 0, sigma: 1 };

/** The constraint of a nuisance: its own, or N(0, 1) for shape and rate and free for normalisations. */
export function constraintOf(n: TemplateNuisance): NuisanceConstraint {
  return n.constraint ?? (n.kind === 'normalisation' ? { kind: 'free' } : DEFAULT_SHAPE);
}

/**
 * The scale s of a shape or rate nuisance (its model parameter is alpha / s): the constraint's
 * width, or 1 when free. Normalisations: 1 (the parameter is the factor itself).
 */
export function nuisanceScale(n: TemplateNuisance): number {
  const c = constraintOf(n);
  return n.kind !== 'normalisation' && c.kind === 'normal' ? c.sigma : 1;
}

/**
 * Bounds in the nuisance's own units: its own, else mean +- 5 sigma (constrained shape and rate:
 * pyhf's [-5, 5] in z), [-5, 5] (free shape and rate), [max(0, mean - 10 sigma), mean + 10 sigma]
 * (constrained normalisation) or [0, 10] (free normalisation).
 */
export function userBounds(n: TemplateNuisance): readonly [number, number] {
  if (n.bounds) return n.bounds;
  const c = constraintOf(n);
  if (n.kind === 'normalisation') return c.kind === 'normal' ? [Math.max(0, c.mean - 10 * c.sigma), c.mean + 10 * c.sigma] : [0, 10];
  return c.kind === 'normal' ? [c.mean - 5 * c.sigma, c.mean + 5 * c.sigma] : [-5, 5];
}

/** Init in the nuisance's own units: its own, else the constraint mean, 0 (free shape, rate) or 1 (free normalisation). */
export function userInit(n: TemplateNuisance): number {
  if (n.init !== undefined) return n.init;
  const c = constraintOf(n);
  if (c.kind === 'normal') return c.mean;
  return n.kind === 'normalisation' ? 1 : 0;
}

/**
 * The coefficients of the templates at alpha = +-scale: `hi' = nom + Delta(+scale)` and
 * `lo' = nom + Delta(-scale)`, with Delta the code's shift from the user's templates (linear in
 * `D+ = up - nom` and `D- = nom - down`). Scale 1 gives the user's templates exactly.
 */
export function shapeCoefficients(code: HistosysCode, scale: number): { readonly hi: TemplateCoefficients; readonly lo: TemplateCoefficients } {
  if (scale === 1) return { hi: [0, 1, 0], lo: [0, 0, 1] };
  const out = new Float64Array(3);
  const at = (a: number): TemplateCoefficients => {
    const wUp = histosysDelta(code, a, 1, 0, out)[0];
    const wDown = histosysDelta(code, a, 0, 1, out)[0];
    return [1 - wUp + wDown, wUp, -wDown];
  };
  return { hi: at(scale), lo: at(-scale) };
}

/** `c[0] nom + c[1] up + c[2] down`. */
export function applyCoefficients(c: TemplateCoefficients, nom: number, up: number, down: number): number {
  return c[0] * nom + c[1] * up + c[2] * down;
}

/** The rate factors at alpha = +-scale of a normsys with factors hi, lo at +-1: `[kappa(+scale), kappa(-scale)]`. */
export function rateFactors(code: NormsysCode, hi: number, lo: number, scale: number): readonly [number, number] {
  if (scale === 1) return [hi, lo];
  const k = normsysInterpolator(code, hi, lo);
  const out = new Float64Array(3);
  return [k.evaluate(scale, out)[0], k.evaluate(-scale, out)[0]];
}

/**
 * The minimum of `f` on [a, b]: a grid of 257 points, then golden-section refinement around the
 * lowest point (enough for the piecewise polynomials of the interpolation codes).
 */
export function minimumOn(f: (x: number) => number, a: number, b: number): { x: number; value: number } {
  const n = 256;
  let bestI = 0;
  let best = Infinity;
  for (let i = 0; i <= n; i++) {
    const v = f(a + ((b - a) * i) / n);
    if (v < best) {
      best = v;
      bestI = i;
    }
  }
  let lo = a + ((b - a) * Math.max(0, bestI - 1)) / n;
  let hi = a + ((b - a) * Math.min(n, bestI + 1)) / n;
  const g = (Math.sqrt(5) - 1) / 2;
  let x1 = hi - g * (hi - lo);
  let x2 = lo + g * (hi - lo);
  let f1 = f(x1);
  let f2 = f(x2);
  for (let it = 0; it < 60; it++) {
    if (f1 < f2) {
      hi = x2;
      x2 = x1;
      f2 = f1;
      x1 = hi - g * (hi - lo);
      f1 = f(x1);
    } else {
      lo = x1;
      x1 = x2;
      f1 = f2;
      x2 = lo + g * (hi - lo);
      f2 = f(x2);
    }
  }
  const x = f1 < f2 ? x1 : x2;
  const v = Math.min(f1, f2);
  return v < best ? { x, value: v } : { x: a + ((b - a) * bestI) / n, value: best };
}
