/**
 * A HistFactory model built from count arrays (see {@link TemplateSpec}): the bridge between
 * soft histograms and the float64 engine. The counts become a pyhf workspace; the workspace is
 * compiled by {@link buildModel}, so values are exactly what `diffinfer fit/cls` compute on the
 * exported workspace; derivatives with respect to the counts come from
 * {@link HistFactoryModel.ratesVjp} and {@link TemplateModel.countsGradient}.
 *
 * Export: a free shape or rate nuisance has no pyhf form (pyhf constrains histosys and normsys
 * with a unit Gaussian); the exported workspace gives it `sigmas: [1e6]` (a curvature of 2e-12
 * per unit, negligible) and {@link TemplateModel.exportWorkspace} lists these approximations.
 * Inside diffinfer the constraint is dropped exactly (`ModelOptions.unconstrained`).
 */
import { InputError } from '../errors.js';
import { buildModel, type HistFactoryModel, type ModelData, type YieldAdjoints } from '../model/model.js';
import { zodToInputError } from '../workspace/zod-errors.js';
import type { Modifier, ParameterConfig, Sample, Workspace } from '../workspace/spec.js';
import { templateLayout, templateSpecSchema, type LayoutEntry, type NuisanceConstraint, type TemplateNuisance, type TemplateSpec } from './spec.js';

/** The width written for a free shape or rate nuisance in an exported pyhf workspace. */
export const FREE_SIGMA_IN_PYHF = 1e6;

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

const DEFAULT_SHAPE: NuisanceConstraint = { kind: 'normal', mean: 0, sigma: 1 };

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
  private readonly nuisances: Map<string, TemplateNuisance>;
  private readonly entryIndex: Map<string, number>;
  /** The model compiled once (at unit counts); {@link compile} swaps in the yields. */
  private readonly base: HistFactoryModel;
  /** Per model sample: offset of its nominal counts. */
  private readonly nominalOffset: number[];
  /** Per (model sample x nPars + histosys parameter): offsets of the up and down counts. */
  private readonly histosysOffset: Map<number, readonly [number, number]>;

  constructor(spec: TemplateSpec) {
    const parsed = templateSpecSchema.safeParse(spec);
    if (!parsed.success) throw zodToInputError(parsed.error, spec, 'argument', 'template spec');
    this.spec = spec;
    this.poiName = spec.poi?.name ?? 'mu';
    this.channel = spec.channel ?? 'SR';
    this.nuisances = new Map();
    checkSpec(spec, this.poiName, this.nuisances);
    this.layout = templateLayout(spec);
    this.size = this.layout.length * spec.bins;
    this.entryIndex = new Map(this.layout.map((e, i) => [entryKey(e.sample, e.role, e.nuisance), i]));
    const ones = new Float64Array(this.size).fill(1);
    this.base = buildModel(this.rawWorkspace(ones, new Array<number>(spec.bins).fill(0)), {
      interpolation: spec.interpolation,
      unconstrained: this.unconstrainedNames(),
    });
    this.nominalOffset = this.base.samples.map((name) => this.offsetOf(name, 'nominal'));
    this.histosysOffset = new Map();
    this.base.samples.forEach((name, si) => {
      for (const n of this.spec.samples.find((x) => x.name === name)?.shapes ?? []) {
        this.histosysOffset.set(si * this.base.nPars + this.base.parameterIndex(n), [this.offsetOf(name, 'up', n), this.offsetOf(name, 'down', n)]);
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

  /** The workspace (observations: zeros until {@link workspace} fills them). */
  private rawWorkspace(c: Float64Array, observations: ArrayLike<number>): Workspace {
    const B = this.spec.bins;
    const slice = (off: number) => Array.from(c.subarray(off, off + B));
    const samples: Sample[] = this.spec.samples.map((s) => {
      const modifiers: Modifier[] = [];
      if (s.signal) modifiers.push({ name: this.poiName, type: 'normfactor', data: null });
      for (const n of s.shapes ?? []) {
        modifiers.push({ name: n, type: 'histosys', data: { hi_data: slice(this.offsetOf(s.name, 'up', n)), lo_data: slice(this.offsetOf(s.name, 'down', n)) } });
      }
      for (const [n, r] of Object.entries(s.rates ?? {})) modifiers.push({ name: n, type: 'normsys', data: { hi: r.hi, lo: r.lo } });
      for (const n of s.normalisations ?? []) {
        const free = constraintOf(this.nuisances.get(n)!).kind === 'free';
        modifiers.push({ name: n, type: free ? 'normfactor' : 'lumi', data: null });
      }
      if (s.staterror) modifiers.push({ name: `staterror_${this.channel}`, type: 'staterror', data: slice(this.offsetOf(s.name, 'sumw2')).map(Math.sqrt) });
      return { name: s.name, data: slice(this.offsetOf(s.name, 'nominal')), modifiers };
    });
    const parameters: ParameterConfig[] = [];
    const poi = this.spec.poi;
    if (poi?.bounds || poi?.init !== undefined) {
      parameters.push({ name: this.poiName, ...(poi.bounds ? { bounds: [[poi.bounds[0], poi.bounds[1]]] } : {}), ...(poi.init !== undefined ? { inits: [poi.init] } : {}) });
    }
    for (const n of this.nuisances.values()) {
      const con = constraintOf(n);
      const bounds = n.bounds ?? defaultBounds(n);
      const init = n.init ?? (n.kind === 'normalisation' ? (con.kind === 'normal' ? con.mean : 1) : con.kind === 'normal' ? con.mean : 0);
      const cfg: ParameterConfig = {
        name: n.name,
        bounds: [[bounds[0], bounds[1]]],
        inits: [init],
        ...(n.fixed ? { fixed: true } : {}),
        ...(con.kind === 'normal'
          ? { auxdata: [con.mean], sigmas: [con.sigma] }
          : n.kind === 'normalisation'
            ? {}
            : { auxdata: [0], sigmas: [FREE_SIGMA_IN_PYHF] }),
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
        const [up, down] = this.histosysOffset.get(sample * nPars + parameter)!;
        return { hi: c[up + bin], lo: c[down + bin] };
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
   * The model as a pyhf workspace with the given observations (default: Asimov data at the
   * nominal parameters with the POI at `asimovPoi`, default 0), and the approximations the
   * pyhf form needed.
   */
  exportWorkspace(counts: ArrayLike<number>, options: { observations?: ArrayLike<number>; asimovPoi?: number } = {}): { workspace: Workspace; approximations: string[] } {
    const compiled = this.compile(counts);
    const obs = options.observations ?? compiled.asimovData(options.asimovPoi ?? 0).main;
    if (obs.length !== this.spec.bins) throw new InputError('argument', 'observations', `has ${obs.length} bins, the templates have ${this.spec.bins}`);
    const approximations = this.unconstrainedNames().map((n) => `free nuisance "${n}" is written with sigmas [${FREE_SIGMA_IN_PYHF}] (pyhf constrains every ${this.nuisances.get(n)!.kind === 'shape' ? 'histosys' : 'normsys'})`);
    const codes = this.spec.interpolation ?? {};
    if ((codes.histosys && codes.histosys !== 'code4p') || (codes.normsys && codes.normsys !== 'code4')) {
      approximations.push(
        `the workspace does not carry interpolation codes: build the model with modifier_settings {"normsys": {"interpcode": "${codes.normsys ?? 'code4'}"}, "histosys": {"interpcode": "${codes.histosys ?? 'code4p'}"}} in pyhf`,
      );
    }
    return { workspace: this.rawWorkspace(compiled.counts, obs), approximations };
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
        const sample = model.samples[h.sample];
        const nuisance = model.parameterNames[h.parameter];
        const up = this.offsetOf(sample, 'up', nuisance);
        const down = this.offsetOf(sample, 'down', nuisance);
        for (let b = 0; b < B; b++) {
          g[up + b] += h.hi[b];
          g[down + b] += h.lo[b];
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

function constraintOf(n: TemplateNuisance): NuisanceConstraint {
  return n.constraint ?? (n.kind === 'normalisation' ? { kind: 'free' } : DEFAULT_SHAPE);
}

function defaultBounds(n: TemplateNuisance): readonly [number, number] {
  if (n.kind !== 'normalisation') return [-5, 5];
  const c = constraintOf(n);
  return c.kind === 'normal' ? [Math.max(0, c.mean - 10 * c.sigma), c.mean + 10 * c.sigma] : [0, 10];
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
    const b = n.bounds ?? defaultBounds(n);
    if (!(b[0] < b[1])) throw new InputError('argument', where(`nuisances[${i}] ("${n.name}").bounds`), `[${b[0]}, ${b[1]}] is empty`);
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
