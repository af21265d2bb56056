/**
 * The pyhf form of a template model's workspace (see {@link TemplateModel.exportWorkspace}).
 *
 * The model's own workspace (template-model.ts) already is pyhf's form for constrained shape
 * and rate nuisances (standardised parameters, templates at +-1 sigma, `auxdata` for a shifted
 * mean, no `sigmas`). What pyhf cannot read is rewritten:
 *
 * | in the model                         | in the export                                          | exact? |
 * |--------------------------------------|--------------------------------------------------------|--------|
 * | constrained normalisation (the first)| `lumi` (the only Gaussian-constrained factor pyhf has)  | yes, renamed |
 * | further constrained normalisations   | histosys `nom (mean +- sigma)`: linear in z (symmetric) | yes, on samples without other histosys |
 * |                                      | else normsys `1 +- sigma / mean` on `mean x` templates | no: kappa(z) vs 1 + sigma z / mean |
 * | free rate, equal factors             | normfactor `kappa(alpha)` in [kappa(lo), kappa(hi)]   | yes (monotone reparameterisation) |
 * | free rate, other                     | normsys at +-K_rate units                             | no |
 * | free shape                           | histosys at +-K units (K: FREE_WIDTH_CANDIDATES)      | no: constraint (alpha / K)^2, code4p's asymmetric part spread over +-K |
 * | free nuisance held fixed             | written into the templates (its value at init)        | yes |
 *
 * A rewrite that changes a sample's nominal keeps each staterror's relative widths (its
 * absolute uncertainties are rescaled with the nominal sums they are relative to) and each
 * shapesys factor `tau = (nom / unc)^2` (its uncertainties are rescaled with the nominal).
 * Every rewrite applies to the parameter's samples in all channels.
 */
import { hypotest, type HypotestResult } from '../inference/asymptotics.js';
import { histosysDelta } from '../model/histosys-interpolation.js';
import { buildModel, observedData, type HistFactoryModel, type ModelData } from '../model/model.js';
import { normsysInterpolator } from '../model/normsys-interpolation.js';
import type { Workspace } from '../workspace/spec.js';
import { applyCoefficients, constraintOf, minimumOn, shapeCoefficients, userBounds, userInit } from './forms.js';
import type { TemplateNuisance } from './spec.js';
import type { TemplateModel } from './template-model.js';

/**
 * The widths K, in its own units, that a free shape nuisance may get in an exported pyhf
 * workspace: its templates are written at alpha = +-K, a unit Gaussian in alpha / K. The export
 * takes the K whose workspace changes the asymptotic CLs at mu = 1 (observed and expected band)
 * and twice the NLL at the free and mu = 1 fits least, on the workspace's observations.
 */
export const FREE_WIDTH_CANDIDATES: readonly number[] = [1, 1.5, 2, 3, 5, 7, 10, 20, 50, 100, 300, 1000];

/** What {@link TemplateModel.exportWorkspace} returns. */
export interface TemplateExport {
  /** A pyhf workspace (schema 1.0.0) that `pyhf.Workspace(spec).model()` reads. */
  readonly workspace: Workspace;
  /** What pyhf cannot express exactly, with the size of the effect. Empty: the same likelihood. */
  readonly approximations: readonly string[];
  /** Exact rewrites (renamed, reparameterised, fixed nuisances written in, merged bins). */
  readonly notes: readonly string[];
  /** Parameters whose name changed, e.g. `{ b: 'lumi' }`. */
  readonly renamed: Readonly<Record<string, string>>;
  /** Per exported bin: the template bins it sums. */
  readonly bins: readonly (readonly number[])[];
  /** The template model and counts whose compiled model equals the export (after merging bins). */
  readonly templateModel: TemplateModel;
  readonly counts: Float64Array;
}

interface MModifier {
  name: string;
  type: string;
  data: null | number[] | { hi: number; lo: number } | { hi_data: number[]; lo_data: number[] };
}
interface MSample {
  name: string;
  data: number[];
  modifiers: MModifier[];
}
interface MParameter {
  name: string;
  inits?: number[];
  bounds?: Array<[number, number]>;
  fixed?: boolean;
  auxdata?: number[];
  sigmas?: number[];
}

const fmt = (x: number) => (x === 0 ? '0' : Math.abs(x) >= 1e-3 && Math.abs(x) < 1e5 ? String(+x.toPrecision(3)) : x.toExponential(2));

/** Sorted distinct points spread over [lo, hi], with the template points -1, 0, 1 (where the codes change form). */
function grid(lo: number, hi: number, n = 400): number[] {
  const xs = Array.from({ length: n + 1 }, (_, i) => lo + ((hi - lo) * i) / n);
  for (const x of [-1, 1, 0]) if (x > lo && x < hi) xs.push(x);
  return [...new Set(xs)].sort((a, b) => a - b);
}

/**
 * Rewrites the model's workspace `ws` (at `counts`) into pyhf's form.
 *
 * @internal called by {@link TemplateModel.exportWorkspace}
 */
export function pyhfForm(
  tm: TemplateModel,
  counts: Float64Array,
  ws: Workspace,
  freeWidth: number,
): Pick<TemplateExport, 'workspace' | 'approximations' | 'notes' | 'renamed'> & { readonly freeShapes: FreeShapeForm } {
  const out = structuredClone(ws) as unknown as { channels: Array<{ name: string; samples: MSample[] }>; measurements: Array<{ config: { parameters: MParameter[] } }> };
  // every (channel, sample) of the workspace with its spec sample (the model's workspace keeps the spec's order)
  const entries = out.channels.flatMap((ch, ci) => ch.samples.map((s, si) => ({ channel: ci, s, spec: tm.spec.channels[ci].samples[si] })));
  const samples = entries.map((e) => e.s);
  const params = out.measurements[0].config.parameters;
  const codes = tm.codes;
  const approximations: string[] = [];
  const notes: string[] = [];
  const renamed: Record<string, string> = {};
  const nominalBefore = new Map(samples.map((s) => [s, [...s.data]]));
  const nominalTotal = out.channels.map((ch) => Array.from({ length: ch.samples[0].data.length }, (_, b) => ch.samples.reduce((sum, s) => sum + s.data[b], 0)));
  const freeShapes: FreeShape = { names: [], rates: [], events: 0, fraction: 0, edge: 0, negative: false };
  const param = (name: string) => params.find((p) => p.name === name)!;
  const dropParam = (name: string) => params.splice(params.indexOf(param(name)), 1);
  const withModifier = (name: string, type: string) => samples.filter((s) => s.modifiers.some((m) => m.name === name && m.type === type));
  const entryOf = (s: MSample) => entries.find((e) => e.s === s)!;
  const sampleLabel = (s: MSample) => (out.channels.length > 1 ? `"${s.name}" in "${out.channels[entryOf(s).channel].name}"` : `"${s.name}"`);
  const modifier = (s: MSample, name: string, type: string) => s.modifiers.find((m) => m.name === name && m.type === type)!;
  const histosysOf = (s: MSample) => s.modifiers.filter((m) => m.type === 'histosys').map((m) => m.data as { hi_data: number[]; lo_data: number[] });
  const tmp = new Float64Array(3);
  const delta = (a: number, nom: number, hi: number, lo: number) => histosysDelta(codes.histosys, a, hi - nom, nom - lo, tmp)[0];
  const setBounds = (p: MParameter, lo: number, hi: number, init: number) => {
    p.bounds = [[lo, hi]];
    p.inits = [init];
  };

  // 1. free shape nuisances
  for (const n of tm.nuisanceList()) {
    if (n.kind !== 'shape' || constraintOf(n).kind !== 'free') continue;
    const users = withModifier(n.name, 'histosys');
    if (n.fixed) {
      const init = userInit(n);
      for (const s of users) {
        const h = modifier(s, n.name, 'histosys').data as { hi_data: number[]; lo_data: number[] };
        s.modifiers.splice(s.modifiers.indexOf(modifier(s, n.name, 'histosys')), 1);
        if (init === 0) continue;
        const shift = s.data.map((nom, b) => delta(init, nom, h.hi_data[b], h.lo_data[b]));
        s.data = s.data.map((x, b) => x + shift[b]);
        for (const other of histosysOf(s)) {
          other.hi_data = other.hi_data.map((x, b) => x + shift[b]);
          other.lo_data = other.lo_data.map((x, b) => x + shift[b]);
        }
      }
      dropParam(n.name);
      notes.push(`free shape nuisance "${n.name}" is held fixed at ${init}: ${init === 0 ? 'it has no effect there and is left out' : 'written into the nominal and the other templates'} (exact)`);
      continue;
    }
    const K = freeWidth;
    const { hi: cHi, lo: cLo } = shapeCoefficients(codes.histosys, K);
    const [lb, ub] = userBounds(n);
    freeShapes.names.push(n.name);
    for (const s of users) {
      const m = modifier(s, n.name, 'histosys');
      const h = m.data as { hi_data: number[]; lo_data: number[] };
      const hiK = s.data.map((nom, b) => applyCoefficients(cHi, nom, h.hi_data[b], h.lo_data[b]));
      const loK = s.data.map((nom, b) => applyCoefficients(cLo, nom, h.hi_data[b], h.lo_data[b]));
      const total0 = nominalTotal[entryOf(s).channel];
      for (let b = 0; b < s.data.length; b++) {
        const nom = s.data[b];
        const total = total0[b];
        for (const a of grid(-1, 1, 200)) {
          const d = Math.abs(delta(a / K, nom, hiK[b], loK[b]) - delta(a, nom, h.hi_data[b], h.lo_data[b]));
          if (d > freeShapes.events) freeShapes.events = d;
          if (total > 0 && d / total > freeShapes.fraction) freeShapes.fraction = d / total;
        }
        const low = minimumOn((a) => nom + delta(a / K, nom, hiK[b], loK[b]), -1, 1).value;
        if (low < -1e-9 * (Math.abs(nom) + Math.abs(h.hi_data[b]) + Math.abs(h.lo_data[b]))) freeShapes.negative = true;
      }
      m.data = { hi_data: hiK, lo_data: loK };
    }
    setBounds(param(n.name), lb / K, ub / K, userInit(n) / K);
    freeShapes.edge = Math.max(freeShapes.edge, Math.max(Math.abs(lb), Math.abs(ub)) / K);
  }

  // 2. free rate nuisances
  for (const n of tm.nuisanceList()) {
    if (n.kind !== 'rate' || constraintOf(n).kind !== 'free') continue;
    const users = withModifier(n.name, 'normsys');
    const factors = users.map((s) => {
      const m = entryOf(s).spec.modifiers.find((x) => x.type === 'normsys' && x.name === n.name) as { hi: number; lo: number };
      return { hi: m.hi, lo: m.lo };
    });
    const kappa = (f: { hi: number; lo: number }) => {
      const k = normsysInterpolator(codes.normsys, f.hi, f.lo);
      return (a: number) => k.evaluate(a, tmp)[0];
    };
    const [lb, ub] = userBounds(n);
    const init = userInit(n);
    if (n.fixed) {
      users.forEach((s, i) => {
        s.modifiers.splice(s.modifiers.indexOf(modifier(s, n.name, 'normsys')), 1);
        if (init === 0) return;
        const k = kappa(factors[i])(init);
        s.data = s.data.map((x) => x * k);
        for (const h of histosysOf(s)) {
          h.hi_data = h.hi_data.map((x) => x * k);
          h.lo_data = h.lo_data.map((x) => x * k);
        }
      });
      dropParam(n.name);
      notes.push(`free rate nuisance "${n.name}" is held fixed at ${init}: ${init === 0 ? 'it has no effect there and is left out' : 'its factor is written into the templates'} (exact)`);
      continue;
    }
    const same = factors.every((f) => f.hi === factors[0].hi && f.lo === factors[0].lo);
    const k0 = kappa(factors[0]);
    const values = grid(lb, ub).map(k0);
    const increasing = values.every((v, i) => i === 0 || v > values[i - 1]);
    const decreasing = values.every((v, i) => i === 0 || v < values[i - 1]);
    if (same && (increasing || decreasing)) {
      for (const s of users) {
        const m = modifier(s, n.name, 'normsys');
        m.type = 'normfactor';
        m.data = null;
      }
      const p = param(n.name);
      setBounds(p, Math.min(k0(lb), k0(ub)), Math.max(k0(lb), k0(ub)), k0(init));
      notes.push(`free rate nuisance "${n.name}" is written as a normfactor "${n.name}" = kappa(alpha), the ${codes.normsys} factor of hi ${factors[0].hi}, lo ${factors[0].lo} (exact: a monotone reparameterisation of a free parameter)`);
      continue;
    }
    // no exact form: normsys at +-K_rate units, K_rate small enough for code4's polynomial to follow the exponential
    const logs = factors.flatMap((f) => [Math.abs(Math.log(f.hi)), Math.abs(Math.log(f.lo))]);
    const Kr = Math.max(1, Math.min(freeWidth, 1 / Math.max(...logs)));
    freeShapes.rates.push(n.name);
    let worstRel = 0;
    users.forEach((s, i) => {
      const k = kappa(factors[i]);
      const hi = k(Kr);
      const lo = k(-Kr);
      const kr = kappa({ hi, lo });
      for (const a of grid(lb, ub)) worstRel = Math.max(worstRel, Math.abs(kr(a / Kr) - k(a)) / k(a));
      modifier(s, n.name, 'normsys').data = { hi, lo };
    });
    setBounds(param(n.name), lb / Kr, ub / Kr, init / Kr);
    const edge = Math.max(Math.abs(lb), Math.abs(ub)) / Kr;
    approximations.push(
      `free rate nuisance "${n.name}" has no pyhf form (its samples have different factors or a factor that is not monotone; pyhf constrains every normsys): ` +
        `written as "${n.name}" = alpha / ${fmt(Kr)} with factors at alpha = +-${fmt(Kr)}: twice the NLL gains log(2 pi) + (alpha / ${fmt(Kr)})^2 (${fmt(edge * edge)} at its bounds) and the factors differ by up to ${fmt(100 * worstRel)}% within the bounds`,
    );
  }

  // 3. constrained normalisations: one is pyhf's lumi, the others histosys (exact) or normsys
  const constrained = tm.nuisanceList().filter((n) => n.kind === 'normalisation' && constraintOf(n).kind === 'normal');
  if (constrained.length > 0) {
    const names = new Set([tm.poiName, ...tm.nuisanceList().map((n) => n.name), ...(['shapefactor', 'staterror', 'shapesys'] as const).flatMap((t) => tm.perBinNames(t))]);
    const carriesHistosys = (n: TemplateNuisance) => withModifier(n.name, 'lumi').some((s) => histosysOf(s).length > 0);
    let lumi: TemplateNuisance | undefined = constrained.find((n) => n.name === 'lumi');
    if (!lumi && !names.has('lumi')) lumi = constrained.find((n) => n.name === tm.lumiName) ?? constrained.find(carriesHistosys) ?? constrained[0];
    if (lumi && lumi.name !== 'lumi') {
      for (const s of withModifier(lumi.name, 'lumi')) modifier(s, lumi.name, 'lumi').name = 'lumi';
      param(lumi.name).name = 'lumi';
      renamed[lumi.name] = 'lumi';
      notes.push(`constrained normalisation "${lumi.name}" is pyhf's "lumi" parameter (pyhf's only Gaussian-constrained factor must be named "lumi"; exact)`);
    }
    for (const n of constrained) {
      if (n === lumi) continue;
      const c = constraintOf(n) as { kind: 'normal'; mean: number; sigma: number };
      const [lb, ub] = userBounds(n);
      const r = c.sigma / c.mean;
      const inexact: string[] = [];
      for (const s of withModifier(n.name, 'lumi')) {
        const m = modifier(s, n.name, 'lumi');
        const nom = [...s.data];
        const others = histosysOf(s);
        s.data = nom.map((x) => x * c.mean);
        if (others.length === 0 || !(r < 1)) {
          // rate nom (mean + sigma z): a symmetric histosys, linear in z for code4p and code0
          for (const h of others) {
            h.hi_data = h.hi_data.map((x) => x * c.mean);
            h.lo_data = h.lo_data.map((x) => x * c.mean);
          }
          m.type = 'histosys';
          m.data = { hi_data: nom.map((x) => x * (c.mean + c.sigma)), lo_data: nom.map((x) => x * (c.mean - c.sigma)) };
          if (others.length > 0) inexact.push(`${sampleLabel(s)} (histosys: its other shape shifts are not scaled by the normalisation)`);
        } else {
          for (const h of others) {
            h.hi_data = h.hi_data.map((x) => x * c.mean);
            h.lo_data = h.lo_data.map((x) => x * c.mean);
          }
          m.type = 'normsys';
          m.data = { hi: 1 + r, lo: 1 - r };
          inexact.push(sampleLabel(s));
        }
      }
      const p = param(n.name);
      delete p.auxdata;
      delete p.sigmas;
      setBounds(p, (lb - c.mean) / c.sigma, (ub - c.mean) / c.sigma, (userInit(n) - c.mean) / c.sigma);
      if (inexact.length === 0) {
        notes.push(
          `constrained normalisation "${n.name}" ~ N(${c.mean}, ${c.sigma}) is written as a histosys "${n.name}" = (factor - ${c.mean}) / ${c.sigma} with templates nominal x (${c.mean} +- ${c.sigma}) ` +
            `(exact: linear in the parameter; twice the NLL changes by the constant ${fmt(-2 * Math.log(c.sigma))}, the unit Gaussian's normalisation)`,
        );
      } else {
        const k = normsysInterpolator(codes.normsys, 1 + r, 1 - r);
        const zs = grid((lb - c.mean) / c.sigma, (ub - c.mean) / c.sigma);
        const off = (z: number) => Math.abs(k.evaluate(z, tmp)[0] - (1 + r * z));
        const within = (sigmas: number) => Math.max(0, ...zs.filter((z) => Math.abs(z) <= sigmas).map(off));
        const far = Math.max(0, ...zs.map(off));
        approximations.push(
          `constrained normalisation "${n.name}" ~ N(${c.mean}, ${c.sigma}) on samples with shape nuisances (${inexact.join(', ')}) has no exact pyhf form besides "lumi": ` +
            `written as "${n.name}" = (factor - ${c.mean}) / ${c.sigma}, a normsys 1 +- ${fmt(r)} on templates x ${c.mean}; its ${codes.normsys} factor differs from the linear 1 + ${fmt(r)} z by up to ${fmt(100 * within(1))}% of the mean within 1 sigma, ${fmt(100 * within(3))}% within 3 sigma (${fmt(100 * far)}% within the bounds)`,
        );
      }
    }
  }

  // 4. staterror: keep each bin's relative width sqrt(sum unc^2) / sum nominal over its carriers
  for (const stat of tm.perBinNames('staterror')) {
    out.channels.forEach((ch) => {
      const carriers = ch.samples.filter((s) => s.modifiers.some((m) => m.type === 'staterror' && m.name === stat));
      for (let b = 0; b < (ch.samples[0]?.data.length ?? 0); b++) {
        const before = carriers.reduce((sum, s) => sum + nominalBefore.get(s)![b], 0);
        const after = carriers.reduce((sum, s) => sum + s.data[b], 0);
        if (!(before > 0) || after === before) continue;
        for (const s of carriers) (modifier(s, stat, 'staterror').data as number[])[b] *= after / before;
      }
    });
  }
  // shapesys: keep tau = (nom / unc)^2 of each bin
  for (const s of samples) {
    for (const m of s.modifiers) {
      if (m.type !== 'shapesys') continue;
      const before = nominalBefore.get(s)!;
      const unc = m.data as number[];
      for (let b = 0; b < unc.length; b++) if (before[b] > 0 && s.data[b] !== before[b]) unc[b] *= s.data[b] / before[b];
    }
  }

  // 5. interpolation codes pyhf cannot read from a workspace
  if (codes.histosys !== 'code4p' || codes.normsys !== 'code4') {
    approximations.push(
      `the workspace does not carry interpolation codes: build the model with modifier_settings {"normsys": {"interpcode": "${codes.normsys}"}, "histosys": {"interpcode": "${codes.histosys}"}} in pyhf`,
    );
  }
  return { workspace: out as unknown as Workspace, approximations, notes, renamed, freeShapes };
}

/** The free shape nuisances of a pyhf form and how far their K-templates are from the model's. */
export interface FreeShapeForm {
  readonly names: readonly string[];
  /** Free rate nuisances written as normsys at +-min(K, 1 / max |log factor|). */
  readonly rates: readonly string[];
  /** The largest |rate change| of a sample for |alpha| <= 1, in events ... */
  readonly events: number;
  /** ... and as a fraction of the bin's expected events. */
  readonly fraction: number;
  /** The largest |alpha| / K at the bounds. */
  readonly edge: number;
  /** Whether a sample's rate is negative somewhere for |alpha| <= 1. */
  readonly negative: boolean;
}
type FreeShape = { -readonly [K in keyof FreeShapeForm]: FreeShapeForm[K] extends readonly string[] ? string[] : FreeShapeForm[K] };

/**
 * The parameter-free part of twice the NLL's Gaussian constraint terms, `sum 2 log(sigma sqrt(2 pi))`:
 * rewrites that standardise a parameter (a new unit Gaussian, or N(mean, sigma) of a factor
 * become N(0, 1) of its z) change it, and nothing else.
 */
export function constraintConstant(model: HistFactoryModel): number {
  return model.constraintTerms().reduce((sum, t) => sum + (t.kind === 'normal' ? 2 * Math.log(t.width * Math.sqrt(2 * Math.PI)) : 0), 0);
}

/** What the choice of K looks at: the free and mu = 1 fits and the CLs at mu = 1. */
interface Reference {
  readonly free: number;
  readonly fixed: number;
  readonly cls: readonly number[];
}

function reference(model: HistFactoryModel, data: ModelData): Reference | undefined {
  let h: HypotestResult;
  try {
    h = hypotest(1, model, data);
  } catch {
    return undefined;
  }
  return { free: h.fits.freeFitToData.twiceNll, fixed: h.fits.fixedPoiFitToData.twiceNll, cls: [h.clsObs, ...h.clsExp] };
}

/**
 * The pyhf form of `ws` (the model's workspace at `counts`): {@link pyhfForm}, with the width K of
 * the free shape nuisances chosen among {@link FREE_WIDTH_CANDIDATES} as the one whose workspace
 * changes CLs at mu = 1 and the fits' twice NLL least (relative CLs change and absolute 2NLL
 * change after the constant log(2 pi) per new unit Gaussian), skipping widths whose templates
 * give a negative rate within |alpha| <= 1.
 *
 * @internal called by {@link TemplateModel.exportWorkspace}
 */
export function pyhfExport(tm: TemplateModel, counts: Float64Array, ws: Workspace): Pick<TemplateExport, 'workspace' | 'approximations' | 'notes' | 'renamed'> {
  const probe = pyhfForm(tm, counts, ws, 1);
  if (probe.freeShapes.names.length === 0 && probe.freeShapes.rates.length === 0) return probe;
  const compiled = tm.compile(counts);
  const exact = reference(compiled.model, observedData(ws, compiled.model));
  const offset0 = constraintConstant(compiled.model);
  let best: { form: ReturnType<typeof pyhfForm>; K: number; score: number; dCls: number; dFree: number; dFixed: number } | undefined;
  for (const K of FREE_WIDTH_CANDIDATES) {
    const form = pyhfForm(tm, counts, ws, K);
    if (form.freeShapes.negative) continue;
    let score = Infinity;
    let dCls = NaN;
    let dFree = NaN;
    let dFixed = NaN;
    if (exact) {
      const model = buildModel(form.workspace);
      const r = reference(model, observedData(form.workspace, model));
      if (r) {
        const offset = constraintConstant(model) - offset0;
        dCls = Math.max(...r.cls.map((c, i) => Math.abs(c / exact.cls[i] - 1)));
        dFree = Math.abs(r.free - offset - exact.free);
        dFixed = Math.abs(r.fixed - offset - exact.fixed);
        score = Math.max(dCls, dFree, dFixed);
      }
    } else {
      score = 1 / K; // no reference: the weakest constraint
    }
    if (!best || score < best.score) best = { form, K, score, dCls, dFree, dFixed };
  }
  const chosen = best ?? { form: probe, K: 1, score: NaN, dCls: NaN, dFree: NaN, dFixed: NaN };
  const f = chosen.form.freeShapes;
  const lines: string[] = [];
  if (f.names.length > 0) {
    const names = f.names.map((n) => `"${n}"`).join(', ');
    lines.push(
      `free shape nuisance${f.names.length > 1 ? 's' : ''} ${names} ha${f.names.length > 1 ? 've' : 's'} no pyhf form (pyhf constrains every histosys with a unit Gaussian): ` +
        `written as alpha / ${chosen.K} with templates at alpha = +-${chosen.K}, so twice the NLL gains log(2 pi) + (alpha / ${chosen.K})^2 (${fmt(f.edge * f.edge)} at the bounds)` +
        (tm.codes.histosys === 'code0' ? '' : ` and ${tm.codes.histosys}'s asymmetric part is spread over +-${chosen.K}: a sample's rate moves by up to ${fmt(f.events)} events (${fmt(100 * f.fraction)}% of the bin) for |alpha| <= 1`),
    );
  }
  lines.push(
    `the width K = ${chosen.K} of the free nuisances' unit Gaussians is the one of ${FREE_WIDTH_CANDIDATES.join(', ')} that changes the likelihood least here` +
      (Number.isFinite(chosen.dCls)
        ? `: on these observations CLs at mu = 1 (observed and expected band) changes by up to ${fmt(100 * chosen.dCls)}% and twice the NLL at the free and the mu = 1 fits by ${fmt(chosen.dFree)} and ${fmt(chosen.dFixed)} (after the constants of the new unit Gaussians)`
        : ' (no reference: the fits of the template model failed)'),
  );
  return { ...chosen.form, approximations: [...lines, ...chosen.form.approximations] };
}
