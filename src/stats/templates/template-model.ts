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
 * (`ModelOptions.unconstrained`); normalisations are the factors themselves.
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
import { zodToInputError } from '../workspace/zod-errors.js';
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
import { templateLayout, templateSpecSchema, type LayoutEntry, type TemplateNuisance, type TemplateSpec } from './spec.js';

/** A template model compiled at given counts. */
export interface CompiledTemplate {
  readonly counts: Float64Array;
  readonly model: HistFactoryModel;
  /** The nominal parameters (inits) with the POI at `poiValue`. */
  nominalParameters(poiValue: number): Float64Array;
  /** Asimov data at the nominal parameters with the POI at `poiValue`, auxiliary data at the constraint means. */
  asimovData(poiValue: number): ModelData;
}

/** Adjoints of a scalar with respect to a compiled model's numbers, to be mapped to counts. */
export interface TemplateAdjoints {
  readonly yields?: YieldAdjoints;
  /** d/d constraint widths [nAux] (only the staterror widths depend on counts). */
  readonly constraintWidths?: ArrayLike<number>;
}

/** How one (sample, shape nuisance) pair of the compiled model reads its templates from the counts. */
interface HistosysSource {
  readonly nom: number;
  readonly up: number;
  readonly down: number;
  /** The model's templates as combinations of the user's nominal, up and down counts. */
  readonly hi: TemplateCoefficients;
  readonly lo: TemplateCoefficients;
}

/**
 * A template model. Construct once from the spec; {@link compile} it at each set of counts.
 *
 * @example
 * ```ts
 * const tm = new TemplateModel({ bins: 2, samples: [{ name: 'sig', signal: true }, { name: 'bkg', shapes: ['r'] }],
 *   nuisances: [{ name: 'r', kind: 'shape' }] });
 * const counts = Float64Array.from([5, 1,  50, 60,  55, 58,  45, 62]); // sig, bkg, bkg up, bkg down
 * const c = tm.compile(counts);
 * c.model.twiceNll(c.nominalParameters(1), c.asimovData(1));
 * ```
 */
export class TemplateModel {
  readonly spec: TemplateSpec;
  readonly layout: readonly LayoutEntry[];
  /** Length of the flat counts vector: layout entries x bins. */
  readonly size: number;
  readonly poiName: string;
  readonly channel: string;
  /** The interpolation codes of the model (pyhf's defaults unless the spec names others). */
  readonly codes: { readonly histosys: HistosysCode; readonly normsys: NormsysCode };
  private readonly nuisances: Map<string, TemplateNuisance>;
  private readonly entryIndex: Map<string, number>;
  /** The model compiled once (at unit counts); {@link compile} swaps in the yields. */
  private readonly base: HistFactoryModel;
  /** Per model sample: offset of its nominal counts. */
  private readonly nominalOffset: number[];
  /** Per (model sample x nPars + histosys parameter): where its templates come from. */
  private readonly histosysSource: Map<number, HistosysSource>;

  constructor(spec: TemplateSpec) {
    const parsed = templateSpecSchema.safeParse(spec);
    if (!parsed.success) throw zodToInputError(parsed.error, spec, 'argument', 'template spec');
    this.spec = spec;
    this.poiName = spec.poi?.name ?? 'mu';
    this.channel = spec.channel ?? 'SR';
    this.nuisances = new Map();
    checkSpec(spec, this.poiName, this.nuisances);
    this.codes = { histosys: spec.interpolation?.histosys ?? 'code4p', normsys: spec.interpolation?.normsys ?? 'code4' };
    checkRateFactors(spec, this.nuisances, this.codes.normsys);
    this.layout = templateLayout(spec);
    this.size = this.layout.length * spec.bins;
    this.entryIndex = new Map(this.layout.map((e, i) => [entryKey(e.sample, e.role, e.nuisance), i]));
    const ones = new Float64Array(this.size).fill(1);
    this.base = buildModel(this.rawWorkspace(ones, new Array<number>(spec.bins).fill(0)), {
      interpolation: spec.interpolation,
      unconstrained: this.unconstrainedNames(),
    });
    this.nominalOffset = this.base.samples.map((name) => this.offsetOf(name, 'nominal'));
    this.histosysSource = new Map();
    this.base.samples.forEach((name, si) => {
      for (const n of this.spec.samples.find((x) => x.name === name)?.shapes ?? []) {
        const { hi, lo } = shapeCoefficients(this.codes.histosys, nuisanceScale(this.nuisances.get(n)!));
        this.histosysSource.set(si * this.base.nPars + this.base.parameterIndex(n), {
          nom: this.offsetOf(name, 'nominal'),
          up: this.offsetOf(name, 'up', n),
          down: this.offsetOf(name, 'down', n),
          hi,
          lo,
        });
      }
    });
  }

  /** The offset of a count array in the flat vector, or -1. */
  offsetOf(sample: string, role: LayoutEntry['role'], nuisance?: string): number {
    const i = this.entryIndex.get(entryKey(sample, role, nuisance));
    return i === undefined ? -1 : this.layout[i].offset;
  }

  /** Names of the nuisances whose constraint is dropped (free shape and rate nuisances). */
  unconstrainedNames(): string[] {
    return [...this.nuisances.values()].filter((n) => n.kind !== 'normalisation' && constraintOf(n).kind === 'free').map((n) => n.name);
  }

  /** The nuisances of the spec, in spec order. */
  nuisanceList(): TemplateNuisance[] {
    return [...this.nuisances.values()];
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

  /**
   * Why bin `bin` of `counts` (laid out with `bins` bins per array) cannot be used, or
   * undefined: no expected events in it, or a sample whose rate goes negative for one of its
   * shape nuisances within +-1 sigma (free: +-1 unit). An empty nominal with a non-empty
   * variation does that: code4p then extrapolates to a negative rate on one side of the
   * nominal point. {@link mergeDegenerateBins} merges such bins.
   *
   * @example
   * ```ts
   * tm.rateProblem(counts, tm.spec.bins, 3); // 'sample "bkg" has nominal 0.000, "r" up 3.000 and down 0.000: its rate is -0.183 at r = -0.414'
   * ```
   */
  rateProblem(counts: ArrayLike<number>, bins: number, bin: number): string | undefined {
    const at = (sample: string, role: LayoutEntry['role'], nuisance?: string) => counts[this.entryIndex.get(entryKey(sample, role, nuisance))! * bins + bin];
    let total = 0;
    for (const s of this.spec.samples) total += at(s.name, 'nominal');
    if (!(total > 0)) return 'no sample has expected events in it';
    const code = this.codes.histosys;
    const out = new Float64Array(3);
    for (const s of this.spec.samples) {
      for (const n of s.shapes ?? []) {
        const nom = at(s.name, 'nominal');
        const up = at(s.name, 'up', n);
        const down = at(s.name, 'down', n);
        // the model's templates at +-1 sigma (a free nuisance's export templates at +-K are checked by the export)
        const scale = nuisanceScale(this.nuisances.get(n)!);
        const c = shapeCoefficients(code, scale);
        const hi = applyCoefficients(c.hi, nom, up, down);
        const lo = applyCoefficients(c.lo, nom, up, down);
        const m = minimumOn((z) => nom + histosysDelta(code, z, hi - nom, nom - lo, out)[0], -1, 1);
        if (m.value < -1e-9 * (Math.abs(nom) + Math.abs(up) + Math.abs(down))) {
          return `sample "${s.name}" has nominal ${nom.toPrecision(4)}, "${n}" up ${up.toPrecision(4)} and down ${down.toPrecision(4)}: its rate is ${m.value.toPrecision(3)} at ${n} = ${(m.x * scale).toPrecision(3)}`;
        }
      }
    }
    return undefined;
  }

  private checkCounts(counts: ArrayLike<number>): Float64Array {
    if (counts.length !== this.size) {
      throw new InputError('argument', 'counts', `has ${counts.length} values, the template layout needs ${this.size} (${this.layout.length} arrays of ${this.spec.bins} bins)`);
    }
    const c = Float64Array.from(counts);
    const B = this.spec.bins;
    for (let i = 0; i < c.length; i++) {
      if (!(c[i] >= 0) || !Number.isFinite(c[i])) {
        const e = this.layout[Math.floor(i / B)];
        throw new InputError('argument', `counts of sample "${e.sample}" ${e.role}${e.nuisance ? ` "${e.nuisance}"` : ''} bin ${i % B}`, `must be finite and non-negative, got ${c[i]}`);
      }
    }
    return c;
  }

  /**
   * The model's own workspace at counts `c` with the given observations: shapes and rates in
   * the standardised parameters of forms.ts, free ones with the user's templates (their
   * constraints are dropped by `buildModel`'s `unconstrained`), constrained normalisations as
   * lumi-type factors under their own names (diffinfer's engine takes any name; the pyhf form
   * of export.ts renames).
   */
  private rawWorkspace(c: Float64Array, observations: ArrayLike<number>): Workspace {
    const B = this.spec.bins;
    const slice = (off: number) => Array.from(c.subarray(off, off + B));
    const samples: Sample[] = this.spec.samples.map((s) => {
      const modifiers: Modifier[] = [];
      const nom = this.offsetOf(s.name, 'nominal');
      if (s.signal) modifiers.push({ name: this.poiName, type: 'normfactor', data: null });
      for (const n of s.shapes ?? []) {
        const up = this.offsetOf(s.name, 'up', n);
        const down = this.offsetOf(s.name, 'down', n);
        const { hi, lo } = shapeCoefficients(this.codes.histosys, nuisanceScale(this.nuisances.get(n)!));
        const at = (k: TemplateCoefficients) => Array.from({ length: B }, (_, b) => applyCoefficients(k, c[nom + b], c[up + b], c[down + b]));
        modifiers.push({ name: n, type: 'histosys', data: { hi_data: at(hi), lo_data: at(lo) } });
      }
      for (const [n, r] of Object.entries(s.rates ?? {})) {
        const [hi, lo] = rateFactors(this.codes.normsys, r.hi, r.lo, nuisanceScale(this.nuisances.get(n)!));
        modifiers.push({ name: n, type: 'normsys', data: { hi, lo } });
      }
      for (const n of s.normalisations ?? []) {
        const free = constraintOf(this.nuisances.get(n)!).kind === 'free';
        modifiers.push({ name: n, type: free ? 'normfactor' : 'lumi', data: null });
      }
      if (s.staterror) modifiers.push({ name: `staterror_${this.channel}`, type: 'staterror', data: slice(this.offsetOf(s.name, 'sumw2')).map(Math.sqrt) });
      return { name: s.name, data: slice(nom), modifiers };
    });
    const parameters: ParameterConfig[] = [];
    const poi = this.spec.poi;
    if (poi?.bounds || poi?.init !== undefined) {
      parameters.push({ name: this.poiName, ...(poi.bounds ? { bounds: [[poi.bounds[0], poi.bounds[1]]] } : {}), ...(poi.init !== undefined ? { inits: [poi.init] } : {}) });
    }
    for (const n of this.nuisances.values()) {
      const con = constraintOf(n);
      const scale = nuisanceScale(n);
      const [lo, hi] = userBounds(n);
      const cfg: ParameterConfig = {
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
      };
      parameters.push(cfg);
    }
    return {
      channels: [{ name: this.channel, samples }],
      observations: [{ name: this.channel, data: Array.from(observations) }],
      measurements: [{ name: 'templates', config: { poi: this.poiName, parameters } }],
      version: '1.0.0',
    };
  }

  /**
   * The model's own workspace at `counts` with Asimov observations at the nominal parameters
   * (POI `asimovPoi`): what {@link compile} compiles, before the pyhf form of the export.
   *
   * @internal used by the export
   */
  modelWorkspace(counts: ArrayLike<number>, observations?: ArrayLike<number>, asimovPoi = 0): Workspace {
    const compiled = this.compile(counts);
    const obs = observations ?? compiled.asimovData(asimovPoi).main;
    if (obs.length !== this.spec.bins) throw new InputError('argument', 'observations', `has ${obs.length} bins, the templates have ${this.spec.bins}`);
    return this.rawWorkspace(compiled.counts, obs);
  }

  /**
   * Compiles the model at `counts` (flat, in layout order).
   *
   * @throws InputError when the counts have the wrong length or a negative or non-finite value.
   */
  compile(counts: ArrayLike<number>): CompiledTemplate {
    const c = this.checkCounts(counts);
    const B = this.spec.bins;
    const nPars = this.base.nPars;
    const carriers = this.spec.samples.filter((x) => x.staterror).map((x) => x.name);
    const staterrorSigmas = new Map<string, Float64Array>();
    if (carriers.length > 0) {
      const sigmas = new Float64Array(B);
      for (let b = 0; b < B; b++) {
        let S = 0;
        let N = 0;
        for (const name of carriers) {
          S += c[this.offsetOf(name, 'sumw2') + b];
          N += c[this.offsetOf(name, 'nominal') + b];
        }
        sigmas[b] = N > 0 ? Math.sqrt(S) / N : 0;
      }
      staterrorSigmas.set(`staterror_${this.channel}`, sigmas);
    }
    const model = this.base.withYields({
      nominal: (sample, bin) => c[this.nominalOffset[sample] + bin],
      histosys: (sample, parameter, bin) => {
        const h = this.histosysSource.get(sample * nPars + parameter)!;
        const nom = c[h.nom + bin];
        const up = c[h.up + bin];
        const down = c[h.down + bin];
        return { hi: applyCoefficients(h.hi, nom, up, down), lo: applyCoefficients(h.lo, nom, up, down) };
      },
      staterrorSigmas,
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
   * `options.observations` (default: Asimov data at the nominal parameters with the POI at
   * `asimovPoi`, default 0).
   *
   * - Bins whose templates give a negative rate within +-1 sigma of a shape nuisance (an empty
   *   nominal with a non-empty variation, see {@link rateProblem}) are first merged into their
   *   neighbour with more expected events (`bins` lists the template bins of each exported bin;
   *   `mergeBins: false` refuses instead). The export then equals `templateModel.compile(counts)`
   *   of the result, exactly where no approximation is listed.
   * - Constrained shapes and rates are the model's own standardised parameters (no rewrite).
   * - The first constrained normalisation (one on a sample with shape nuisances, if any) is
   *   pyhf's `lumi` (`renamed`); further ones are exactly linear histosys `nom (mean + sigma z)`
   *   on samples without other histosys, else normsys `1 +- sigma / mean` (an approximation).
   * - A free rate on one sample (or on samples with equal factors) is a normfactor
   *   `kappa(alpha)` (exact reparameterisation); a fixed free nuisance is written into the
   *   templates (exact).
   * - A free shape nuisance has no pyhf form: its templates are written at alpha = +-K (a unit
   *   Gaussian in alpha / K), K among {@link FREE_WIDTH_CANDIDATES} the width whose workspace
   *   changes CLs at mu = 1 and the fits' twice NLL least; listed in `approximations` with
   *   the measured effect.
   *
   * @throws InputError for counts of the wrong length or sign, or bins that cannot be merged.
   * @example
   * ```ts
   * const { workspace, approximations, renamed } = tm.exportWorkspace(counts, { asimovPoi: 1 });
   * writeFileSync('ws.json', JSON.stringify(workspace)); // pyhf.Workspace(spec).model() reads it
   * ```
   */
  exportWorkspace(counts: ArrayLike<number>, options: { observations?: ArrayLike<number>; asimovPoi?: number; mergeBins?: boolean } = {}): TemplateExport {
    const c = this.checkCounts(counts);
    if (options.observations && options.observations.length !== this.spec.bins) {
      throw new InputError('argument', 'observations', `has ${options.observations.length} bins, the templates have ${this.spec.bins}`);
    }
    const merged = mergeDegenerateBins(this, c, { refuse: options.mergeBins === false });
    const tm = merged.templateModel;
    const obs = options.observations ? sumGroups(options.observations, merged.groups) : undefined;
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
   * Staterror: `sigma_b = sqrt(S_b) / N_b`, `S_b` the sum of sumw2 and `N_b` of nominal counts
   * over the samples carrying it, so `dsigma_b/dsumw2_sb = 1 / (2 sqrt(S_b) N_b)` and
   * `dsigma_b/dnom_sb = -sigma_b / N_b` (bins with `S_b = 0` are fixed parameters: no gradient).
   */
  countsGradient(compiled: CompiledTemplate, adjoints: TemplateAdjoints, into?: Float64Array): Float64Array {
    const g = into ?? new Float64Array(this.size);
    const B = this.spec.bins;
    const { model, counts } = compiled;
    if (adjoints.yields) {
      adjoints.yields.nominal.forEach((arr, si) => {
        const off = this.offsetOf(model.samples[si], 'nominal');
        for (let b = 0; b < B; b++) g[off + b] += arr[b];
      });
      for (const h of adjoints.yields.histosys) {
        // the model's templates are c[0] nom + c[1] up + c[2] down (forms.ts)
        const src = this.histosysSource.get(h.sample * model.nPars + h.parameter)!;
        for (let b = 0; b < B; b++) {
          g[src.nom + b] += h.hi[b] * src.hi[0] + h.lo[b] * src.lo[0];
          g[src.up + b] += h.hi[b] * src.hi[1] + h.lo[b] * src.lo[1];
          g[src.down + b] += h.hi[b] * src.hi[2] + h.lo[b] * src.lo[2];
        }
      }
    }
    const widths = adjoints.constraintWidths;
    const stat = model.parameterSet(`staterror_${this.channel}`);
    if (widths && stat) {
      const carriers = this.spec.samples.filter((s) => s.staterror).map((s) => s.name);
      model.constraintTerms().forEach((term, i) => {
        const bin = term.parameter - stat.offset;
        if (bin < 0 || bin >= stat.size || widths[i] === 0) return;
        let S = 0;
        let N = 0;
        for (const s of carriers) {
          S += counts[this.offsetOf(s, 'sumw2') + bin];
          N += counts[this.offsetOf(s, 'nominal') + bin];
        }
        if (!(S > 0) || !(N > 0)) return;
        const sigma = Math.sqrt(S) / N;
        for (const s of carriers) {
          g[this.offsetOf(s, 'sumw2') + bin] += widths[i] / (2 * Math.sqrt(S) * N);
          g[this.offsetOf(s, 'nominal') + bin] -= (widths[i] * sigma) / N;
        }
      });
    }
    return g;
  }
}

function entryKey(sample: string, role: string, nuisance?: string): string {
  return `${sample}\u0000${role}\u0000${nuisance ?? ''}`;
}

/** The rate factors at the +-1 sigma points must stay positive (a normsys factor is). */
function checkRateFactors(spec: TemplateSpec, nuisances: Map<string, TemplateNuisance>, code: NormsysCode): void {
  spec.samples.forEach((s, i) => {
    for (const [n, r] of Object.entries(s.rates ?? {})) {
      const scale = nuisanceScale(nuisances.get(n)!);
      const [hi, lo] = rateFactors(code, r.hi, r.lo, scale);
      if (!(hi > 0) || !(lo > 0) || !Number.isFinite(hi) || !Number.isFinite(lo)) {
        throw new InputError('argument', `template spec samples[${i}] ("${s.name}").rates.${n}`, `factors ${r.hi}, ${r.lo} give ${hi}, ${lo} at the +-1 sigma points (${n} = +-${scale}); they must stay finite and positive`);
      }
    }
  });
}

/** Cross-reference checks the schema cannot express. */
function checkSpec(spec: TemplateSpec, poiName: string, nuisances: Map<string, TemplateNuisance>): void {
  const where = (path: string) => `template spec ${path}`;
  (spec.nuisances ?? []).forEach((n, i) => {
    if (nuisances.has(n.name) || n.name === poiName) throw new InputError('argument', where(`nuisances[${i}]`), `name "${n.name}" is used twice (POI "${poiName}")`);
    if (n.name === `staterror_${spec.channel ?? 'SR'}`) throw new InputError('argument', where(`nuisances[${i}]`), `name "${n.name}" is reserved for the MC statistical uncertainty`);
    const c = constraintOf(n);
    if (n.kind === 'normalisation' && c.kind === 'normal' && !(c.mean > 0)) {
      throw new InputError('argument', where(`nuisances[${i}] ("${n.name}").constraint.mean`), `a normalisation's mean must be positive, got ${c.mean}`);
    }
    const b = userBounds(n);
    if (!(b[0] < b[1])) throw new InputError('argument', where(`nuisances[${i}] ("${n.name}").bounds`), `[${b[0]}, ${b[1]}] is empty`);
    const init = userInit(n);
    if (!(init >= b[0] && init <= b[1])) throw new InputError('argument', where(`nuisances[${i}] ("${n.name}").init`), `${init} is outside the bounds [${b[0]}, ${b[1]}]`);
    nuisances.set(n.name, n);
  });
  const names = new Set<string>();
  const used = new Set<string>();
  let signals = 0;
  spec.samples.forEach((s, i) => {
    if (names.has(s.name)) throw new InputError('argument', where(`samples[${i}]`), `sample name "${s.name}" is used twice`);
    names.add(s.name);
    if (s.signal) signals++;
    const refs: Array<[string, readonly string[]]> = [
      ['shape', s.shapes ?? []],
      ['rate', Object.keys(s.rates ?? {})],
      ['normalisation', s.normalisations ?? []],
    ];
    for (const [kind, list] of refs) {
      const key = kind === 'shape' ? 'shapes' : kind === 'rate' ? 'rates' : 'normalisations';
      if (new Set(list).size !== list.length) throw new InputError('argument', where(`samples[${i}] ("${s.name}").${key}`), 'names a nuisance twice');
      for (const n of list) {
        const def = nuisances.get(n);
        if (!def) throw new InputError('argument', where(`samples[${i}] ("${s.name}").${key}`), `"${n}" is not in nuisances`);
        if (def.kind !== kind) throw new InputError('argument', where(`samples[${i}] ("${s.name}").${key}`), `"${n}" is a ${def.kind} nuisance, not a ${kind} nuisance`);
        used.add(n);
      }
    }
  });
  if (signals === 0) throw new InputError('argument', where('samples'), `no sample is a signal (scaled by "${poiName}")`);
  for (const n of nuisances.keys()) {
    if (!used.has(n)) throw new InputError('argument', where('nuisances'), `"${n}" is not used by any sample`);
  }
}
