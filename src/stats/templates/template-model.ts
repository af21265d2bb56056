/**
 * A HistFactory model built from count arrays (see {@link TemplateSpec}): the bridge between
 * soft histograms and the float64 engine. The counts become a workspace; the workspace is
 * compiled by {@link buildModel}, so values are exactly what `diffinfer fit/cls` compute on the
 * exported workspace; derivatives with respect to the counts come from
 * {@link HistFactoryModel.ratesVjp} and {@link TemplateModel.countsGradient}.
 *
 * Parameters: a shape or rate nuisance constrained by N(m, s) in its own units is the model
 * parameter `z = alpha / s` with the constraint N(m / s | z, 1) and templates (factors) at the
 * +-1 sigma points `alpha = +-s` (see forms.ts: pyhf's form, and the user's model exactly for
 * s = 1, m = 0); a free one is `alpha` itself with its constraint dropped
 * (`ModelOptions.unconstrained`); normalisations are the factors themselves (a constrained one
 * and lumi: a lumi-type factor with its own name, auxdata and sigma).
 *
 * Yields that depend on the counts: nominal and histosys templates (learned slots, or given);
 * the staterror width `sigma_b = sqrt(S_b) / N_b` (S the sum of squared uncertainties, N of the
 * nominal yields over the samples carrying it in bin b); the shapesys factor
 * `tau_b = nom_b^2 / unc_b^2`, which is the Poisson constraint's rate and its auxiliary datum.
 * Learned uncertainties are `unc^2 = sumw2`.
 *
 * Export ({@link TemplateModel.exportWorkspace}, see export.ts): the same likelihood in pyhf's
 * form — exact rewrites where they exist (a constrained normalisation becomes `lumi` or an
 * exactly linear histosys, a free rate a normfactor), listed approximations where pyhf has no
 * form (a free shape nuisance: every histosys is unit-Gaussian constrained in pyhf), and bins
 * whose templates would give a negative rate merged into a neighbour (bins.ts).
 */
import { InputError } from '../errors.js';
import { histosysDelta, type HistosysCode } from '../model/histosys-interpolation.js';
import { buildModel, type HistFactoryModel, type ModelData, type YieldAdjoints } from '../model/model.js';
import type { NormsysCode } from '../model/normsys-interpolation.js';
import { validateWorkspace } from '../workspace/validate.js';
import type { Modifier, ParameterConfig, Sample, Workspace } from '../workspace/spec.js';
import { mergeDegenerateBins, sumGroups } from './bins.js';
import { pyhfExport, type TemplateExport } from './export.js';
import {
  applyCoefficients,
  constraintOf,
  minimumOn,
  nuisanceScale,
  rateFactors,
  shapeCoefficients,
  userBounds,
  userInit,
  type TemplateCoefficients,
} from './forms.js';
import {
  learnedUncertainties,
  normaliseTemplateSpec,
  templateLayout,
  type CountRole,
  type LayoutEntry,
  type NuisanceKind,
  type TemplateNuisance,
  type TemplateParameterSpec,
  type TemplateSpec,
  type TemplateSpecInput,
} from './spec.js';

/** A template model compiled at given counts. */
export interface CompiledTemplate {
  readonly counts: Float64Array;
  readonly model: HistFactoryModel;
  /** The nominal parameters (inits) with the POI at `poiValue`. */
  nominalParameters(poiValue: number): Float64Array;
  /** Asimov data at the nominal parameters with the POI at `poiValue`, auxiliary data the model's (constraint means; shapesys: tau). */
  asimovData(poiValue: number): ModelData;
}

/** Adjoints of a scalar with respect to a compiled model's numbers, to be mapped to counts. */
export interface TemplateAdjoints {
  readonly yields?: YieldAdjoints;
  /** d/d constraint widths [nAux] (sigma, or tau for Poisson terms; staterror widths and shapesys factors depend on counts). */
  readonly constraintWidths?: ArrayLike<number>;
  /**
   * d/d auxiliary data [nAux], for data whose auxiliary part is the model's own (`asimovData`):
   * a shapesys's auxiliary datum is its tau, a function of the counts (the other auxiliary
   * data are constants).
   */
  readonly auxData?: ArrayLike<number>;
}

/** Per-bin parameter types (vectors in the compiled model). */
type PerBinType = 'shapefactor' | 'staterror' | 'shapesys';

/** An uncertainty source: `ext[index + b]` holds the uncertainty (given data) or its square (a learned sumw2 slot). */
interface UncertaintySource {
  readonly index: number;
  readonly squared: boolean;
}

/** Where the yields of one sample in one channel live in the extended counts (counts, then the given yields). */
interface SampleSource {
  readonly channel: number;
  readonly sample: number;
  readonly bins: number;
  readonly nominal: number;
  /** Per histosys name: its up and down templates as given (user units). */
  readonly histosys: ReadonlyMap<string, { readonly up: number; readonly down: number }>;
  /** Per staterror/shapesys name. */
  readonly uncertainty: ReadonlyMap<string, UncertaintySource>;
}

/** How one (model sample, histosys parameter) reads its templates, per main bin (-1 where absent). */
interface HistosysSource {
  readonly nom: Int32Array;
  readonly up: Int32Array;
  readonly down: Int32Array;
  /** The model's templates as combinations of the user's nominal, up and down yields. */
  readonly hi: TemplateCoefficients;
  readonly lo: TemplateCoefficients;
}

/** One component of a staterror or shapesys set: the (nominal, uncertainty) pairs it is made of. */
interface Component {
  readonly nominal: Int32Array;
  readonly unc: Int32Array;
  readonly squared: Uint8Array;
}

/**
 * A template model. Construct once from the spec (the full form or the single-channel
 * shorthand); {@link compile} it at each set of counts.
 *
 * @example
 * ```ts
 * const tm = new TemplateModel({ bins: 2, samples: [{ name: 'sig', signal: true }, { name: 'bkg', shapes: ['r'] }],
 *   nuisances: [{ name: 'r', kind: 'shape' }] });
 * const counts = Float64Array.from([5, 1,  50, 60,  55, 58,  45, 62]); // sig, bkg, bkg up, bkg down
 * const c = tm.compile(counts);
 * c.model.twiceNll(c.nominalParameters(1), c.asimovData(1));
 *
 * // a learned signal region and a control region of given yields sharing a free normalisation
 * const two = new TemplateModel({
 *   channels: [
 *     { name: 'SR', bins: 2, samples: [
 *       { name: 'sig', data: 'learned', modifiers: [{ type: 'normfactor', name: 'mu' }] },
 *       { name: 'bkg', data: 'learned', modifiers: [{ type: 'normfactor', name: 'k' }, { type: 'shapesys', name: 'mc' }] }] },
 *     { name: 'CR', bins: 1, samples: [{ name: 'bkg', data: [400], modifiers: [{ type: 'normfactor', name: 'k' }] }] },
 *   ],
 *   poi: { name: 'mu', bounds: [0, 10] },
 * });
 * two.layout.map((e) => `${e.channel}/${e.sample}.${e.role}`); // ['SR/sig.nominal', 'SR/bkg.nominal', 'SR/bkg.sumw2']
 * cramerRaoWidth(two, [5, 8, 50, 40, 2.5, 2]).gradient; // d sigma_mu / d counts, tau = nom^2 / sumw2 chained in
 * ```
 */
export class TemplateModel {
  /** The spec in its full form ({@link normaliseTemplateSpec}). */
  readonly spec: TemplateSpec;
  readonly layout: readonly LayoutEntry[];
  /** Length of the flat counts vector: the sum of the layout entries' bins. */
  readonly size: number;
  readonly poiName: string;
  /** The interpolation codes of the model (pyhf's defaults unless the spec names others). */
  readonly codes: { readonly histosys: HistosysCode; readonly normsys: NormsysCode };
  /** The name of the lumi parameter, when a sample carries a lumi modifier. */
  readonly lumiName: string | undefined;
  private readonly nuisances: Map<string, TemplateNuisance>;
  /** Per-bin parameters (shapefactor, staterror, shapesys) by name, with their config. */
  private readonly perBin: Map<string, { readonly type: PerBinType; readonly config?: TemplateParameterSpec }>;
  private readonly entryIndex: Map<string, number>;
  /** The given yields, after the counts in the extended vector. */
  private readonly given: Float64Array;
  private readonly sources: SampleSource[];
  /** The model compiled once (at unit yields); {@link compile} swaps in the yields. */
  private readonly base: HistFactoryModel;
  /** [model sample x main bin]: index of the nominal yield in the extended counts, -1 where absent. */
  private readonly nominalIndex: Int32Array;
  /** Per (model sample x nPars + histosys parameter). */
  private readonly histosysSource: Map<number, HistosysSource>;
  private readonly staterrors: Map<string, Component[]>;
  private readonly shapesys: Map<string, Component[]>;
  /** Per auxiliary datum: the staterror or shapesys component its width (or tau) is, or undefined. */
  private readonly auxComponent: Array<{ readonly type: 'staterror' | 'shapesys'; readonly component: Component } | undefined>;

  constructor(input: TemplateSpecInput) {
    const spec = normaliseTemplateSpec(input);
    this.spec = spec;
    this.poiName = spec.poi.name;
    this.codes = { histosys: spec.interpolation?.histosys ?? 'code4p', normsys: spec.interpolation?.normsys ?? 'code4' };
    const checked = checkSpec(spec);
    this.nuisances = checked.nuisances;
    this.perBin = checked.perBin;
    this.lumiName = checked.lumiName;
    checkRateFactors(spec, this.nuisances, this.codes.normsys);
    this.layout = templateLayout(spec);
    this.size = this.layout.reduce((n, e) => n + e.bins, 0);
    this.entryIndex = new Map(this.layout.map((e, i) => [entryKey(e.channel, e.sample, e.role, e.role === 'up' || e.role === 'down' ? e.modifier : undefined), i]));

    // the extended counts: the flat counts, then every given yield
    const given: number[] = [];
    const constant = (values: readonly number[]) => {
      const at = this.size + given.length;
      given.push(...values);
      return at;
    };
    this.sources = [];
    spec.channels.forEach((ch, ci) => {
      ch.samples.forEach((s, si) => {
        const nominal = s.data === 'learned' ? this.slot(ch.name, s.name, 'nominal') : constant(s.data);
        const histosys = new Map<string, { up: number; down: number }>();
        const uncertainty = new Map<string, UncertaintySource>();
        const learned = learnedUncertainties(s);
        const shared = learned.staterror ?? learned.shapesys;
        for (const m of s.modifiers) {
          if (m.type === 'histosys') {
            histosys.set(m.name, m.data ? { up: constant(m.data.hi_data), down: constant(m.data.lo_data) } : { up: this.slot(ch.name, s.name, 'up', m.name), down: this.slot(ch.name, s.name, 'down', m.name) });
          } else if (m.type === 'staterror' || m.type === 'shapesys') {
            uncertainty.set(m.name, m.data ? { index: constant(m.data), squared: false } : { index: this.slot(ch.name, s.name, 'sumw2', undefined, shared), squared: true });
          }
        }
        this.sources.push({ channel: ci, sample: si, bins: ch.bins, nominal, histosys, uncertainty });
      });
    });
    this.given = Float64Array.from(given);

    const ones = new Float64Array(this.size + this.given.length).fill(1);
    this.base = buildModel(this.rawWorkspace(ones), { interpolation: spec.interpolation, unconstrained: this.unconstrainedNames() });
    const model = this.base;
    const nMain = model.nMainBins;
    const channelOffset = spec.channels.map((ch) => model.channels.find((c) => c.name === ch.name)!.offset);
    this.nominalIndex = new Int32Array(model.samples.length * nMain).fill(-1);
    this.histosysSource = new Map();
    for (const src of this.sources) {
      const ch = spec.channels[src.channel];
      const s = ch.samples[src.sample];
      const mi = model.samples.indexOf(s.name);
      const off = channelOffset[src.channel];
      for (let b = 0; b < src.bins; b++) this.nominalIndex[mi * nMain + off + b] = src.nominal + b;
      for (const [n, t] of src.histosys) {
        const key = mi * model.nPars + model.parameterIndex(n);
        let h = this.histosysSource.get(key);
        if (!h) {
          const { hi, lo } = shapeCoefficients(this.codes.histosys, nuisanceScale(this.nuisances.get(n)!));
          h = { nom: new Int32Array(nMain).fill(-1), up: new Int32Array(nMain).fill(-1), down: new Int32Array(nMain).fill(-1), hi, lo };
          this.histosysSource.set(key, h);
        }
        for (let b = 0; b < src.bins; b++) {
          h.nom[off + b] = src.nominal + b;
          h.up[off + b] = t.up + b;
          h.down[off + b] = t.down + b;
        }
      }
    }
    // staterror components: the bins of the channels carrying it (model channel order); shapesys: its channel's bins
    this.staterrors = new Map();
    this.shapesys = new Map();
    for (const [name, p] of this.perBin) {
      if (p.type === 'shapefactor') continue;
      const comps: Component[] = [];
      for (const mc of model.channels) {
        const carriers = this.sources.filter((src) => src.channel === mc.specIndex && src.uncertainty.has(name));
        if (carriers.length === 0) continue;
        for (let b = 0; b < mc.nBins; b++) {
          comps.push({
            nominal: Int32Array.from(carriers, (src) => src.nominal + b),
            unc: Int32Array.from(carriers, (src) => src.uncertainty.get(name)!.index + b),
            squared: Uint8Array.from(carriers, (src) => (src.uncertainty.get(name)!.squared ? 1 : 0)),
          });
        }
      }
      (p.type === 'staterror' ? this.staterrors : this.shapesys).set(name, comps);
    }
    this.auxComponent = model.constraintTerms().map((term) => {
      const set = model.parameterSets.find((p) => term.parameter >= p.offset && term.parameter < p.offset + p.size)!;
      if (set.type !== 'staterror' && set.type !== 'shapesys') return undefined;
      const comps = (set.type === 'staterror' ? this.staterrors : this.shapesys).get(set.name);
      return comps ? { type: set.type, component: comps[term.parameter - set.offset] } : undefined;
    });
  }

  /** The offset of a learned slot, for the constructor (it must exist). */
  private slot(channel: string, sample: string, role: CountRole, modifier?: string, sumw2Name?: string): number {
    const i = this.entryIndex.get(entryKey(channel, sample, role, role === 'sumw2' ? undefined : modifier));
    if (i === undefined) throw new Error(`template layout has no ${role} slot for ${channel}/${sample}${modifier ?? sumw2Name ? ` (${modifier ?? sumw2Name})` : ''}`);
    return this.layout[i].offset;
  }

  /**
   * The offset of a learned count array in the flat vector, or -1:
   * `offsetOf(channel, sample, role, histosys?)`, or the shorthand's `offsetOf(sample, role,
   * histosys?)` for a sample that is in one channel only.
   *
   * @example
   * ```ts
   * tm.offsetOf('SR', 'bkg', 'up', 'jes'); // where bkg's jes up template starts
   * tm.offsetOf('bkg', 'nominal');          // the same sample's nominal, when bkg is in one channel
   * ```
   */
  offsetOf(...args: [channel: string, sample: string, role: CountRole, modifier?: string] | [sample: string, role: CountRole, modifier?: string]): number {
    const isRole = (x: unknown) => x === 'nominal' || x === 'up' || x === 'down' || x === 'sumw2';
    let channel: string | undefined;
    let sample: string;
    let role: CountRole;
    let modifier: string | undefined;
    if (args.length === 4 || (args.length === 3 && isRole(args[2]))) [channel, sample, role, modifier] = args as [string, string, CountRole, string?];
    else [sample, role, modifier] = args as [string, CountRole, string?];
    const key = (c: string) => entryKey(c, sample, role, role === 'up' || role === 'down' ? modifier : undefined);
    if (channel === undefined) {
      const channels = this.spec.channels.filter((c) => c.samples.some((s) => s.name === sample));
      if (channels.length !== 1) return -1;
      channel = channels[0].name;
    }
    const i = this.entryIndex.get(key(channel));
    return i === undefined ? -1 : this.layout[i].offset;
  }

  /** Names of the nuisances whose constraint is dropped (free shape and rate nuisances). */
  unconstrainedNames(): string[] {
    return [...this.nuisances.values()].filter((n) => n.kind !== 'normalisation' && constraintOf(n).kind === 'free').map((n) => n.name);
  }

  /** The shape, rate and normalisation nuisances (lumi included) with their kinds, in spec order. */
  nuisanceList(): TemplateNuisance[] {
    return [...this.nuisances.values()];
  }

  /** The names of the per-bin parameters of a type (shapefactor, staterror, shapesys). */
  perBinNames(type: PerBinType): string[] {
    return [...this.perBin].filter(([, p]) => p.type === type).map(([n]) => n);
  }

  /**
   * The scale s of a nuisance: the model's parameter is `alpha / s` for a shape or rate
   * nuisance constrained by N(m, s) in its own units alpha (1 when free, and for normalisations).
   *
   * @example
   * ```ts
   * const tm = new TemplateModel(infernoTemplateSpec(3, 10)); // r ~ N(0, 2) in template units
   * tm.nuisanceScale('r'); // 2: the model's parameter "r" is alpha_r / 2
   * ```
   */
  nuisanceScale(name: string): number {
    const n = this.nuisances.get(name);
    if (!n) throw new InputError('argument', `nuisance "${name}"`, `not in the template spec (nuisances: ${[...this.nuisances.keys()].join(', ') || 'none'})`);
    return nuisanceScale(n);
  }

  /** The flat counts followed by the given yields. */
  private extend(counts: Float64Array): Float64Array {
    const ext = new Float64Array(this.size + this.given.length);
    ext.set(counts);
    ext.set(this.given, this.size);
    return ext;
  }

  /**
   * Why bin `bin` of channel `channel` (default: the only channel) cannot be used at `counts`,
   * or undefined: no expected events in it, or a sample whose rate goes negative for one of its
   * shape nuisances within +-1 sigma (free: +-1 unit). An empty nominal with a non-empty
   * variation does that: code4p then extrapolates to a negative rate on one side of the
   * nominal point. {@link mergeDegenerateBins} merges such bins.
   *
   * @example
   * ```ts
   * tm.rateProblem(counts, 3); // 'sample "bkg" has nominal 0.000, "r" up 3.000 and down 0.000: its rate is -0.183 at r = -0.414'
   * ```
   */
  rateProblem(counts: ArrayLike<number>, bin: number, channel?: string): string | undefined {
    const ci = channel === undefined ? (this.spec.channels.length === 1 ? 0 : -1) : this.spec.channels.findIndex((c) => c.name === channel);
    if (ci < 0) throw new InputError('argument', 'rateProblem channel', channel === undefined ? `the model has ${this.spec.channels.length} channels; name one` : `"${channel}" is not a channel of the template model`);
    return this.rateProblemAt(this.extend(this.checkCounts(counts)), ci, bin);
  }

  /** {@link rateProblem} on extended counts. @internal */
  rateProblemAt(ext: Float64Array, ci: number, bin: number): string | undefined {
    const sources = this.sources.filter((s) => s.channel === ci);
    let total = 0;
    for (const s of sources) total += ext[s.nominal + bin];
    if (!(total > 0)) return 'no sample has expected events in it';
    const code = this.codes.histosys;
    const out = new Float64Array(3);
    for (const src of sources) {
      for (const [n, t] of src.histosys) {
        const nom = ext[src.nominal + bin];
        const up = ext[t.up + bin];
        const down = ext[t.down + bin];
        // the model's templates at +-1 sigma (a free nuisance's export templates at +-K are checked by the export)
        const scale = nuisanceScale(this.nuisances.get(n)!);
        const c = shapeCoefficients(code, scale);
        const hi = applyCoefficients(c.hi, nom, up, down);
        const lo = applyCoefficients(c.lo, nom, up, down);
        const m = minimumOn((z) => nom + histosysDelta(code, z, hi - nom, nom - lo, out)[0], -1, 1);
        if (m.value < -1e-9 * (Math.abs(nom) + Math.abs(up) + Math.abs(down))) {
          const name = this.spec.channels[ci].samples[src.sample].name;
          return `sample "${name}" has nominal ${nom.toPrecision(4)}, "${n}" up ${up.toPrecision(4)} and down ${down.toPrecision(4)}: its rate is ${m.value.toPrecision(3)} at ${n} = ${(m.x * scale).toPrecision(3)}`;
        }
      }
    }
    return undefined;
  }

  /** Sum of the nominal yields of channel `ci` in bin `bin` (extended counts). @internal */
  nominalTotalAt(ext: Float64Array, ci: number, bin: number): number {
    let total = 0;
    for (const s of this.sources) if (s.channel === ci) total += ext[s.nominal + bin];
    return total;
  }

  /** The extended counts of `counts` (validated). @internal used by bins.ts */
  extendedCounts(counts: ArrayLike<number>): Float64Array {
    return this.extend(this.checkCounts(counts));
  }

  private checkCounts(counts: ArrayLike<number>): Float64Array {
    const one = this.spec.channels.length === 1;
    if (counts.length !== this.size) {
      const B = this.spec.channels[0].bins;
      throw new InputError(
        'argument',
        'counts',
        `has ${counts.length} values, the template layout needs ${this.size} (${this.layout.length} arrays ${one ? `of ${B} bins` : `of ${this.spec.channels.map((c) => `${c.bins} (${c.name})`).join(', ')} bins`})`,
      );
    }
    const c = Float64Array.from(counts);
    let k = 0;
    for (let i = 0; i < c.length; i++) {
      while (i >= this.layout[k].offset + this.layout[k].bins) k++;
      if (!(c[i] >= 0) || !Number.isFinite(c[i])) {
        const e = this.layout[k];
        throw new InputError(
          'argument',
          `counts of ${one ? '' : `channel "${e.channel}" `}sample "${e.sample}" ${e.role}${e.role === 'up' || e.role === 'down' ? ` "${e.modifier}"` : ''} bin ${i - e.offset}`,
          `must be finite and non-negative, got ${c[i]}`,
        );
      }
    }
    return c;
  }

  /**
   * The model's own workspace at extended counts `ext` with the given observations (per
   * channel; default zeros): shapes and rates in the standardised parameters of forms.ts, free
   * ones with the user's templates (their constraints are dropped by `buildModel`'s
   * `unconstrained`), constrained normalisations and lumi as lumi-type factors under their own
   * names (diffinfer's engine takes any name; the pyhf form of export.ts renames).
   */
  private rawWorkspace(ext: Float64Array, observations?: ReadonlyMap<string, ArrayLike<number>>): Workspace {
    const slice = (off: number, B: number) => Array.from(ext.subarray(off, off + B));
    const channels = this.spec.channels.map((ch, ci) => {
      const B = ch.bins;
      const samples: Sample[] = ch.samples.map((s, si) => {
        const src = this.sources.find((x) => x.channel === ci && x.sample === si)!;
        const nom = src.nominal;
        const modifiers: Modifier[] = [];
        for (const m of s.modifiers) {
          switch (m.type) {
            case 'normfactor': {
              const n = this.nuisances.get(m.name);
              const free = !n || constraintOf(n).kind === 'free';
              modifiers.push({ name: m.name, type: free ? 'normfactor' : 'lumi', data: null });
              break;
            }
            case 'lumi':
              modifiers.push({ name: m.name, type: 'lumi', data: null });
              break;
            case 'shapefactor':
              modifiers.push({ name: m.name, type: 'shapefactor', data: null });
              break;
            case 'normsys': {
              const [hi, lo] = rateFactors(this.codes.normsys, m.hi, m.lo, nuisanceScale(this.nuisances.get(m.name)!));
              modifiers.push({ name: m.name, type: 'normsys', data: { hi, lo } });
              break;
            }
            case 'histosys': {
              const t = src.histosys.get(m.name)!;
              const { hi, lo } = shapeCoefficients(this.codes.histosys, nuisanceScale(this.nuisances.get(m.name)!));
              const at = (k: TemplateCoefficients) => Array.from({ length: B }, (_, b) => applyCoefficients(k, ext[nom + b], ext[t.up + b], ext[t.down + b]));
              modifiers.push({ name: m.name, type: 'histosys', data: { hi_data: at(hi), lo_data: at(lo) } });
              break;
            }
            case 'staterror':
            case 'shapesys': {
              const u = src.uncertainty.get(m.name)!;
              const data = u.squared ? slice(u.index, B).map(Math.sqrt) : slice(u.index, B);
              modifiers.push({ name: m.name, type: m.type, data });
              break;
            }
          }
        }
        return { name: s.name, data: slice(nom, B), modifiers };
      });
      return { name: ch.name, samples };
    });
    const parameters: ParameterConfig[] = [];
    const poi = this.spec.poi;
    if (poi.bounds || poi.init !== undefined) {
      parameters.push({ name: this.poiName, ...(poi.bounds ? { bounds: [[poi.bounds[0], poi.bounds[1]]] } : {}), ...(poi.init !== undefined ? { inits: [poi.init] } : {}) });
    }
    for (const n of this.nuisances.values()) {
      const con = constraintOf(n);
      const scale = nuisanceScale(n);
      const [lo, hi] = userBounds(n);
      parameters.push({
        name: n.name,
        bounds: [[lo / scale, hi / scale]],
        inits: [userInit(n) / scale],
        ...(n.fixed ? { fixed: true } : {}),
        ...(con.kind === 'normal'
          ? n.kind === 'normalisation'
            ? { auxdata: [con.mean], sigmas: [con.sigma] }
            : con.mean !== 0
              ? { auxdata: [con.mean / scale] }
              : {}
          : {}),
      });
    }
    for (const [name, p] of this.perBin) {
      const c = p.config;
      if (!c || (c.bounds === undefined && c.init === undefined && c.fixed === undefined)) continue;
      const size = this.perBinSize(name, p.type);
      parameters.push({
        name,
        ...(c.bounds ? { bounds: Array.from({ length: size }, () => [c.bounds![0], c.bounds![1]] as [number, number]) } : {}),
        ...(c.init !== undefined ? { inits: new Array<number>(size).fill(c.init) } : {}),
        ...(c.fixed !== undefined ? { fixed: c.fixed } : {}),
      });
    }
    return {
      channels,
      observations: this.spec.channels.map((ch) => ({ name: ch.name, data: Array.from(observations?.get(ch.name) ?? new Array<number>(ch.bins).fill(0)) })),
      measurements: [{ name: 'templates', config: { poi: this.poiName, parameters } }],
      version: '1.0.0',
    };
  }

  /** Components of a per-bin parameter: its channel's bins (shapefactor, shapesys) or those of every channel carrying it (staterror). */
  private perBinSize(name: string, type: PerBinType): number {
    const channels = this.spec.channels.filter((c) => c.samples.some((s) => s.modifiers.some((m) => m.type === type && m.name === name)));
    return type === 'staterror' ? channels.reduce((n, c) => n + c.bins, 0) : channels[0].bins;
  }

  /** Observations per channel: a record, or one flat array over the channels in spec order. */
  private observationsByChannel(observations: ArrayLike<number> | Readonly<Record<string, ArrayLike<number>>>): Map<string, ArrayLike<number>> {
    const out = new Map<string, ArrayLike<number>>();
    if (typeof (observations as ArrayLike<number>).length === 'number') {
      const flat = observations as ArrayLike<number>;
      const total = this.spec.channels.reduce((n, c) => n + c.bins, 0);
      if (flat.length !== total) throw new InputError('argument', 'observations', `has ${flat.length} bins, the templates have ${total}`);
      let off = 0;
      for (const c of this.spec.channels) {
        out.set(c.name, Array.from({ length: c.bins }, (_, b) => flat[off + b]));
        off += c.bins;
      }
      return out;
    }
    const byName = observations as Readonly<Record<string, ArrayLike<number>>>;
    for (const c of this.spec.channels) {
      const o = byName[c.name];
      if (!o) throw new InputError('argument', `observations["${c.name}"]`, 'is missing');
      if (o.length !== c.bins) throw new InputError('argument', `observations["${c.name}"]`, `has ${o.length} bins, the channel has ${c.bins}`);
      out.set(c.name, Array.from(o));
    }
    for (const k of Object.keys(byName)) if (!out.has(k)) throw new InputError('argument', `observations["${k}"]`, 'is not a channel of the template model');
    return out;
  }

  /**
   * The model's own workspace at `counts` with the given observations (default: Asimov data at
   * the nominal parameters with the POI at `asimovPoi`): what {@link compile} compiles, before
   * the pyhf form of the export.
   *
   * @internal used by the export
   */
  modelWorkspace(counts: ArrayLike<number>, observations?: ArrayLike<number> | Readonly<Record<string, ArrayLike<number>>>, asimovPoi = 0): Workspace {
    const compiled = this.compile(counts);
    let obs: Map<string, ArrayLike<number>>;
    if (observations) obs = this.observationsByChannel(observations);
    else {
      const main = compiled.asimovData(asimovPoi).main;
      obs = new Map(compiled.model.channels.map((c) => [c.name, main.subarray(c.offset, c.offset + c.nBins)]));
    }
    return this.rawWorkspace(this.extend(compiled.counts), obs);
  }

  /**
   * Compiles the model at `counts` (flat, in layout order).
   *
   * @throws InputError when the counts have the wrong length or a negative or non-finite value.
   */
  compile(counts: ArrayLike<number>): CompiledTemplate {
    const c = this.checkCounts(counts);
    const ext = this.extend(c);
    const nPars = this.base.nPars;
    const nMain = this.base.nMainBins;
    const staterrorSigmas = new Map<string, Float64Array>();
    for (const [name, comps] of this.staterrors) {
      staterrorSigmas.set(
        name,
        Float64Array.from(comps, (k) => {
          const { S, N } = sums(ext, k);
          return N > 0 ? Math.sqrt(S) / N : 0;
        }),
      );
    }
    const shapesysFactors = new Map<string, Float64Array>();
    for (const [name, comps] of this.shapesys) {
      shapesysFactors.set(
        name,
        Float64Array.from(comps, (k) => {
          const nom = ext[k.nominal[0]];
          const u2 = uncertaintySquared(ext, k, 0);
          return nom > 0 && u2 > 0 ? (nom * nom) / u2 : 0;
        }),
      );
    }
    const nominalIndex = this.nominalIndex;
    const model = this.base.withYields({
      nominal: (sample, bin) => ext[nominalIndex[sample * nMain + bin]],
      histosys: (sample, parameter, bin) => {
        const h = this.histosysSource.get(sample * nPars + parameter)!;
        const nom = ext[h.nom[bin]];
        const up = ext[h.up[bin]];
        const down = ext[h.down[bin]];
        return { hi: applyCoefficients(h.hi, nom, up, down), lo: applyCoefficients(h.lo, nom, up, down) };
      },
      staterrorSigmas,
      shapesysFactors,
    });
    const nominalParameters = (poiValue: number) => {
      const p = model.suggestedInit();
      p[model.poiIndex] = poiValue;
      return p;
    };
    return {
      counts: c,
      model,
      nominalParameters,
      asimovData: (poiValue) => model.data(model.expectedActualData(nominalParameters(poiValue))),
    };
  }

  /**
   * The model as a pyhf workspace that pyhf reads, meaning the same likelihood: observations
   * `options.observations` (per channel, or one flat array over the channels in spec order;
   * default: Asimov data at the nominal parameters with the POI at `asimovPoi`, default 0).
   *
   * - Bins whose templates give a negative rate within +-1 sigma of a shape nuisance (an empty
   *   nominal with a non-empty variation, see {@link rateProblem}) are first merged into their
   *   neighbour in the channel with more expected events (`bins` lists the template bins of
   *   each exported bin; `mergeBins: false` refuses instead). The export then equals
   *   `templateModel.compile(counts)` of the result, exactly where no approximation is listed.
   * - Constrained shapes and rates are the model's own standardised parameters (no rewrite).
   * - The lumi parameter, else the first constrained normalisation (one on a sample with shape
   *   nuisances, if any), is pyhf's `lumi` (`renamed`); further ones are exactly linear
   *   histosys `nom (mean + sigma z)` on samples without other histosys, else normsys
   *   `1 +- sigma / mean` (an approximation).
   * - A free rate on one sample (or on samples with equal factors) is a normfactor
   *   `kappa(alpha)` (exact reparameterisation); a fixed free nuisance is written into the
   *   templates (exact).
   * - A free shape nuisance has no pyhf form: its templates are written at alpha = +-K (a unit
   *   Gaussian in alpha / K), K among {@link FREE_WIDTH_CANDIDATES} the width whose workspace
   *   changes CLs at mu = 1 and the fits' twice NLL least; listed in `approximations` with
   *   the measured effect.
   * - A rewrite that changes a sample's nominal keeps its shapesys factors and each staterror's
   *   relative widths.
   *
   * @throws InputError for counts of the wrong length or sign, or bins that cannot be merged.
   * @example
   * ```ts
   * const { workspace, approximations, renamed } = tm.exportWorkspace(counts, { asimovPoi: 1 });
   * writeFileSync('ws.json', JSON.stringify(workspace)); // pyhf.Workspace(spec).model() reads it
   * ```
   */
  exportWorkspace(
    counts: ArrayLike<number>,
    options: { observations?: ArrayLike<number> | Readonly<Record<string, ArrayLike<number>>>; asimovPoi?: number; mergeBins?: boolean } = {},
  ): TemplateExport {
    const c = this.checkCounts(counts);
    const obsIn = options.observations ? this.observationsByChannel(options.observations) : undefined;
    const merged = mergeDegenerateBins(this, c, { refuse: options.mergeBins === false });
    const tm = merged.templateModel;
    const obs = obsIn ? Object.fromEntries(this.spec.channels.map((ch) => [ch.name, sumGroups(obsIn.get(ch.name)!, merged.channelGroups[ch.name])])) : undefined;
    const form = pyhfExport(tm, merged.counts, tm.modelWorkspace(merged.counts, obs, options.asimovPoi ?? 0));
    try {
      validateWorkspace(JSON.parse(JSON.stringify(form.workspace)));
    } catch (e) {
      // a bug of the export, not of the input
      throw new Error(`exportWorkspace wrote a workspace diffinfer's validator refuses: ${(e as Error).message}`);
    }
    return { ...form, notes: [...merged.notes, ...form.notes], bins: merged.groups, templateModel: tm, counts: merged.counts };
  }

  /**
   * Maps adjoints of a compiled model's numbers to the gradient with respect to the flat
   * counts, adding into `into` (allocated when omitted).
   *
   * - Yields: nominal and histosys templates (the model's templates are linear in the user's:
   *   forms.ts).
   * - Staterror: `sigma_b = sqrt(S_b) / N_b`, `S_b` the sum of squared uncertainties and `N_b`
   *   of nominal yields over the samples carrying it, so `dsigma_b/dsumw2_sb = 1 / (2 sqrt(S_b) N_b)`
   *   and `dsigma_b/dnom_sb = -sigma_b / N_b` (bins with `S_b = 0` or `N_b = 0` are fixed
   *   parameters of width 1: no gradient).
   * - Shapesys: `tau_b = nom_b^2 / u_b` with `u_b` the squared uncertainty, entering as the
   *   Poisson rate factor (`constraintWidths`) and as the auxiliary datum (`auxData`):
   *   `dtau/dnom = 2 nom / u`, `dtau/dsumw2 = -tau / u` (bins with nom or u = 0: fixed, no gradient).
   */
  countsGradient(compiled: CompiledTemplate, adjoints: TemplateAdjoints, into?: Float64Array): Float64Array {
    const g = into ?? new Float64Array(this.size);
    const size = this.size;
    const { model, counts } = compiled;
    const nMain = model.nMainBins;
    const add = (i: number, v: number) => {
      if (i < size) g[i] += v;
    };
    if (adjoints.yields) {
      adjoints.yields.nominal.forEach((arr, si) => {
        for (let b = 0; b < nMain; b++) {
          const i = this.nominalIndex[si * nMain + b];
          if (i >= 0 && arr[b] !== 0) add(i, arr[b]);
        }
      });
      for (const h of adjoints.yields.histosys) {
        // the model's templates are c[0] nom + c[1] up + c[2] down (forms.ts)
        const src = this.histosysSource.get(h.sample * model.nPars + h.parameter)!;
        for (let b = 0; b < nMain; b++) {
          if (src.nom[b] < 0) continue;
          add(src.nom[b], h.hi[b] * src.hi[0] + h.lo[b] * src.lo[0]);
          add(src.up[b], h.hi[b] * src.hi[1] + h.lo[b] * src.lo[1]);
          add(src.down[b], h.hi[b] * src.hi[2] + h.lo[b] * src.lo[2]);
        }
      }
    }
    const widths = adjoints.constraintWidths;
    const aux = adjoints.auxData;
    if (widths || aux) {
      const ext = this.extend(counts);
      this.auxComponent.forEach((slot, i) => {
        if (!slot) return;
        const k = slot.component;
        if (slot.type === 'staterror') {
          const w = widths?.[i] ?? 0;
          if (w === 0) return;
          const { S, N } = sums(ext, k);
          if (!(S > 0) || !(N > 0)) return;
          const sigma = Math.sqrt(S) / N;
          for (let j = 0; j < k.nominal.length; j++) {
            if (k.squared[j]) add(k.unc[j], w / (2 * Math.sqrt(S) * N));
            add(k.nominal[j], (-w * sigma) / N);
          }
        } else {
          const w = (widths?.[i] ?? 0) + (aux?.[i] ?? 0);
          if (w === 0) return;
          const nom = ext[k.nominal[0]];
          const u2 = uncertaintySquared(ext, k, 0);
          if (!(nom > 0) || !(u2 > 0)) return;
          add(k.nominal[0], (w * 2 * nom) / u2);
          if (k.squared[0]) add(k.unc[0], (-w * nom * nom) / (u2 * u2));
        }
      });
    }
    return g;
  }
}

/** S (sum of squared uncertainties) and N (sum of nominal yields) of a component. */
function sums(ext: Float64Array, k: Component): { S: number; N: number } {
  let S = 0;
  let N = 0;
  for (let j = 0; j < k.nominal.length; j++) {
    S += uncertaintySquared(ext, k, j);
    N += ext[k.nominal[j]];
  }
  return { S, N };
}

function uncertaintySquared(ext: Float64Array, k: Component, j: number): number {
  const u = ext[k.unc[j]];
  return k.squared[j] ? u : u * u;
}

function entryKey(channel: string, sample: string, role: string, modifier?: string): string {
  return `${channel}\u0000${sample}\u0000${role}\u0000${modifier ?? ''}`;
}

/** `template spec channels[c] ("SR").samples[s] ("bkg")`. */
function samplePath(spec: TemplateSpec, ci: number, si: number): string {
  return `template spec channels[${ci}] ("${spec.channels[ci].name}").samples[${si}] ("${spec.channels[ci].samples[si].name}")`;
}

/** The rate factors at the +-1 sigma points must stay positive (a normsys factor is). */
function checkRateFactors(spec: TemplateSpec, nuisances: Map<string, TemplateNuisance>, code: NormsysCode): void {
  spec.channels.forEach((ch, ci) =>
    ch.samples.forEach((s, si) =>
      s.modifiers.forEach((m, mi) => {
        if (m.type !== 'normsys') return;
        const scale = nuisanceScale(nuisances.get(m.name)!);
        const [hi, lo] = rateFactors(code, m.hi, m.lo, scale);
        if (!(hi > 0) || !(lo > 0) || !Number.isFinite(hi) || !Number.isFinite(lo)) {
          throw new InputError('argument', `${samplePath(spec, ci, si)}.modifiers[${mi}] (normsys "${m.name}")`, `factors ${m.hi}, ${m.lo} give ${hi}, ${lo} at the +-1 sigma points (${m.name} = +-${scale}); they must stay finite and positive`);
        }
      }),
    ),
  );
}

/** What a parameter name is, by the modifiers that use it. */
type ParameterRole = 'poi' | NuisanceKind | 'lumi' | PerBinType;

/**
 * Cross-reference checks the schema cannot express; returns the nuisances (shape, rate,
 * normalisation, lumi) with their kinds and configs, and the per-bin parameters.
 */
function checkSpec(spec: TemplateSpec): {
  nuisances: Map<string, TemplateNuisance>;
  perBin: Map<string, { type: PerBinType; config?: TemplateParameterSpec }>;
  lumiName: string | undefined;
} {
  const poiName = spec.poi.name;
  const roles = new Map<string, { role: ParameterRole; types: Set<string>; where: string }>();
  const rank = (t: string): ParameterRole =>
    t === 'histosys' ? 'shape' : t === 'normsys' ? 'rate' : t === 'normfactor' ? 'normalisation' : (t as ParameterRole);
  const channelNames = new Set<string>();
  let poiCarried = false;
  const shapefactorBins = new Map<string, number>();
  const shapesysAt = new Map<string, string>();
  // staterror: per name, per sample name, the channels it is carried in
  const staterrorChannels = new Map<string, Map<string, Set<string>>>();
  spec.channels.forEach((ch, ci) => {
    const at = `template spec channels[${ci}] ("${ch.name}")`;
    if (channelNames.has(ch.name)) throw new InputError('argument', at, `channel name "${ch.name}" is used twice`);
    channelNames.add(ch.name);
    const sampleNames = new Set<string>();
    ch.samples.forEach((s, si) => {
      const sp = samplePath(spec, ci, si);
      if (sampleNames.has(s.name)) throw new InputError('argument', `${at}.samples[${si}]`, `sample name "${s.name}" is used twice in channel "${ch.name}"`);
      sampleNames.add(s.name);
      if (s.data !== 'learned' && s.data.length !== ch.bins) throw new InputError('argument', `${sp}.data`, `has ${s.data.length} bins, the channel has ${ch.bins}`);
      const seen = new Set<string>();
      let staterrors = 0;
      let learnedShapesys = 0;
      s.modifiers.forEach((m, mi) => {
        const mp = `${sp}.modifiers[${mi}] (${m.type} "${m.name}")`;
        const key = `${m.type}\u0000${m.name}`;
        if (seen.has(key)) throw new InputError('argument', mp, 'is given twice on this sample');
        seen.add(key);
        if ((m.type === 'histosys' || m.type === 'staterror' || m.type === 'shapesys') && m.data) {
          const arrays = m.type === 'histosys' ? [m.data.hi_data, m.data.lo_data] : [m.data];
          for (const a of arrays) if (a.length !== ch.bins) throw new InputError('argument', `${mp}.data`, `has ${a.length} bins, the channel has ${ch.bins}`);
        }
        if (m.type === 'staterror') staterrors++;
        if (m.type === 'shapesys' && !m.data) learnedShapesys++;
        const role: ParameterRole = m.type === 'normfactor' && m.name === poiName ? 'poi' : rank(m.type);
        if (m.type === 'normfactor' && m.name === poiName) poiCarried = true;
        const prev = roles.get(m.name);
        if (prev) {
          const shared = (prev.role === 'shape' || prev.role === 'rate') && (role === 'shape' || role === 'rate');
          if (prev.role !== role && !shared) {
            throw new InputError('argument', mp, `"${m.name}" is ${prev.role === 'poi' ? 'the POI' : `a ${[...prev.types].join('/')}`} at ${prev.where}; one parameter name, one modifier type (histosys and normsys may share a name)`);
          }
          if (shared && prev.role !== role) prev.role = 'shape';
          prev.types.add(m.type);
        } else {
          roles.set(m.name, { role, types: new Set([m.type]), where: mp });
        }
        if (m.type === 'shapefactor') {
          const b = shapefactorBins.get(m.name);
          if (b !== undefined && b !== ch.bins) throw new InputError('argument', mp, `shapefactor "${m.name}" has ${b} bins elsewhere; a shapefactor shared by channels needs the same bins`);
          shapefactorBins.set(m.name, ch.bins);
        }
        if (m.type === 'shapesys') {
          const other = shapesysAt.get(m.name);
          if (other) throw new InputError('argument', mp, `shapesys "${m.name}" is also used at ${other}; a shapesys belongs to one sample in one channel (pyhf)`);
          shapesysAt.set(m.name, mp);
        }
        if (m.type === 'staterror') {
          const bySample = staterrorChannels.get(m.name) ?? new Map<string, Set<string>>();
          const set = bySample.get(s.name) ?? new Set<string>();
          set.add(ch.name);
          bySample.set(s.name, set);
          staterrorChannels.set(m.name, bySample);
        }
      });
      if (staterrors > 1) throw new InputError('argument', sp, `carries ${staterrors} staterror modifiers; one per sample`);
      if (learnedShapesys > 1) throw new InputError('argument', sp, `carries ${learnedShapesys} shapesys modifiers without data; one learned shapesys per sample (they would share its sumw2 slot)`);
    });
  });
  if (!poiCarried) throw new InputError('argument', 'template spec poi', `no sample carries a normfactor "${poiName}" (the POI)`);
  for (const [name, bySample] of staterrorChannels) {
    const entries = [...bySample];
    const ref = [...entries[0][1]].sort().join(', ');
    for (const [sample, set] of entries) {
      const here = [...set].sort().join(', ');
      if (here !== ref) {
        throw new InputError('argument', `template spec staterror "${name}"`, `sample "${sample}" carries it in channels [${here}] but sample "${entries[0][0]}" in [${ref}]; every sample must carry a staterror in the same channels (pyhf)`);
      }
    }
  }
  // lumi: one parameter
  const lumiNames = [...roles].filter(([, r]) => r.role === 'lumi').map(([n]) => n);
  if (lumiNames.length > 1) throw new InputError('argument', 'template spec', `lumi modifiers are named ${lumiNames.map((n) => `"${n}"`).join(' and ')}; there is one lumi parameter`);
  const lumiName = lumiNames[0];
  if (lumiName !== undefined && !spec.lumi) throw new InputError('argument', 'template spec lumi', `is missing: lumi "${lumiName}" needs its constraint (auxdata and sigma)`);
  if (lumiName === undefined && spec.lumi) throw new InputError('argument', 'template spec lumi', 'is given, but no sample carries a lumi modifier');

  // configurations
  const configs = new Map<string, { cfg: TemplateParameterSpec; index: number }>();
  (spec.nuisances ?? []).forEach((cfg, i) => {
    const at = `template spec nuisances[${i}] ("${cfg.name}")`;
    if (configs.has(cfg.name) || cfg.name === poiName) throw new InputError('argument', `template spec nuisances[${i}]`, `name "${cfg.name}" is used twice (POI "${poiName}")`);
    const r = roles.get(cfg.name);
    if (!r) throw new InputError('argument', 'template spec nuisances', `"${cfg.name}" is not used by any sample`);
    if (r.role === 'lumi') throw new InputError('argument', at, `"${cfg.name}" is the lumi parameter: configure it in the spec's lumi`);
    if (cfg.constraint && (r.role === 'shapefactor' || r.role === 'staterror' || r.role === 'shapesys')) {
      throw new InputError('argument', `${at}.constraint`, `a ${r.role} has its own constraint${r.role === 'shapefactor' ? ' (none: free factors)' : ''}; give bounds, init or fixed only`);
    }
    configs.set(cfg.name, { cfg, index: i });
  });
  const nuisances = new Map<string, TemplateNuisance>();
  const perBin = new Map<string, { type: PerBinType; config?: TemplateParameterSpec }>();
  const addNuisance = (name: string, kind: NuisanceKind, cfg: TemplateParameterSpec | undefined, where: string) => {
    const n: TemplateNuisance =
      name === lumiName
        ? { name, kind, constraint: { kind: 'normal', mean: spec.lumi!.auxdata, sigma: spec.lumi!.sigma }, ...(spec.lumi!.bounds ? { bounds: spec.lumi!.bounds } : {}), ...(spec.lumi!.init !== undefined ? { init: spec.lumi!.init } : {}) }
        : { ...(cfg ?? { name }), kind };
    const c = constraintOf(n);
    if (kind === 'normalisation' && c.kind === 'normal' && !(c.mean > 0)) {
      throw new InputError('argument', `${where}.constraint.mean`, `a normalisation's mean must be positive, got ${c.mean}`);
    }
    const b = userBounds(n);
    if (!(b[0] < b[1])) throw new InputError('argument', `${where}.bounds`, `[${b[0]}, ${b[1]}] is empty`);
    const init = userInit(n);
    if (!(init >= b[0] && init <= b[1])) throw new InputError('argument', `${where}.init`, `${init} is outside the bounds [${b[0]}, ${b[1]}]`);
    const r = roles.get(name)!;
    if (r.types.has('histosys') && r.types.has('normsys') && c.kind === 'free') {
      throw new InputError('argument', where, `"${name}" is both a histosys and a normsys and free: pyhf has no form of it (every histosys and normsys is constrained there); constrain it or use two names`);
    }
    nuisances.set(name, n);
  };
  const placed = new Set<string>();
  const place = (name: string, cfg: TemplateParameterSpec | undefined, where: string) => {
    placed.add(name);
    const r = roles.get(name)!;
    if (r.role === 'poi') return;
    if (r.role === 'shapefactor' || r.role === 'staterror' || r.role === 'shapesys') {
      if (cfg?.bounds && !(cfg.bounds[0] < cfg.bounds[1])) throw new InputError('argument', `${where}.bounds`, `[${cfg.bounds[0]}, ${cfg.bounds[1]}] is empty`);
      if (cfg?.init !== undefined) {
        const b = cfg.bounds ?? (r.role === 'shapefactor' ? [0, 10] : [1e-10, 10]);
        if (!(cfg.init >= b[0] && cfg.init <= b[1])) throw new InputError('argument', `${where}.init`, `${cfg.init} is outside the bounds [${b[0]}, ${b[1]}]`);
      }
      perBin.set(name, { type: r.role, ...(cfg ? { config: cfg } : {}) });
      return;
    }
    addNuisance(name, r.role === 'lumi' ? 'normalisation' : r.role, cfg, where);
  };
  // configured parameters first (spec order), then the others in order of first appearance
  for (const [name, { cfg, index }] of configs) place(name, cfg, `template spec nuisances[${index}] ("${name}")`);
  for (const [name, r] of roles) if (!placed.has(name)) place(name, undefined, name === lumiName ? 'template spec lumi' : r.where);
  return { nuisances, perBin, lumiName };
}

