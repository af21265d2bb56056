/**
 * Parameter sets of a HistFactory model, named and ordered exactly as pyhf does.
 *
 * Order: grouped by modifier type (histosys, lumi, normfactor, normsys, shapefactor,
 * shapesys, staterror); within a type, by first appearance when walking channels (sorted),
 * samples (sorted) and each sample's modifiers sorted by (name, type). A name shared by a
 * histosys and a normsys is one parameter, placed with the first type. Defaults per type:
 *
 * | type        | components       | init | bounds       | constraint                              |
 * |-------------|------------------|------|--------------|-----------------------------------------|
 * | normsys     | 1                | 0    | [-5, 5]      | N(0 \| a, 1)                            |
 * | histosys    | 1                | 0    | [-5, 5]      | N(0 \| a, 1)                            |
 * | normfactor  | 1                | 1    | [0, 10]      | none                                    |
 * | shapefactor | channel bins     | 1    | [0, 10]      | none                                    |
 * | lumi        | 1                | aux  | from config  | N(aux \| l, sigma) from the measurement |
 * | staterror   | bins it covers   | 1    | [1e-10, 10]  | N(1 \| g, sigma_b)                      |
 * | shapesys    | channel bins     | 1    | [1e-10, 10]  | Pois(tau \| g tau), tau = (nom/unc)^2   |
 */
import { InputError } from '../errors.js';
import type { Channel, Measurement, Modifier, ModifierType, ParameterConfig, Workspace } from '../workspace/spec.js';
import { MODIFIER_TYPES } from '../workspace/spec.js';

/** How a parameter set is constrained by auxiliary measurements. */
export type Constraint =
  | { readonly kind: 'none' }
  | { readonly kind: 'normal'; readonly auxdata: readonly number[]; readonly sigmas: readonly number[] }
  | { readonly kind: 'poisson'; readonly auxdata: readonly number[]; readonly factors: readonly number[] };

/** One named parameter set (a scalar or a per-bin vector). */
export interface ParameterSet {
  readonly name: string;
  /** The modifier type that placed it in pyhf's order. */
  readonly type: ModifierType;
  /** Scalar parameters are named `name`; vectors `name[i]`. */
  readonly isScalar: boolean;
  /** Index of the first component in the parameter vector. */
  readonly offset: number;
  readonly size: number;
  readonly inits: readonly number[];
  readonly bounds: ReadonlyArray<readonly [number, number]>;
  readonly fixed: readonly boolean[];
  readonly constraint: Constraint;
}

/** A channel of the model, in pyhf's (sorted) order, with its slice of the main data. */
export interface ModelChannel {
  readonly name: string;
  readonly nBins: number;
  readonly offset: number;
  /** Index into the workspace's `channels` array. */
  readonly specIndex: number;
}

interface Requirement {
  type: ModifierType;
  size: number;
  inits: number[];
  bounds: Array<[number, number]>;
  fixed: boolean[];
  constraint: 'none' | 'normal' | 'poisson';
  auxdata?: number[];
  sigmas?: number[];
  factors?: number[];
  where: string;
}

/** A visit of a modifier during pyhf's walk over channels and samples. */
export interface ModifierVisit {
  readonly channel: ModelChannel;
  readonly channelSpec: Channel;
  readonly sampleName: string;
  readonly sampleIndex: number;
  readonly modifierIndex: number;
  readonly modifier: Modifier;
  readonly nominal: readonly number[];
}

/** Channels sorted by name with their main-data offsets. */
export function modelChannels(ws: Workspace): ModelChannel[] {
  const order = ws.channels.map((c, i) => ({ name: c.name, i })).sort((a, b) => cmp(a.name, b.name));
  let offset = 0;
  return order.map(({ name, i }) => {
    const nBins = ws.channels[i].samples[0].data.length;
    const ch = { name, nBins, offset, specIndex: i };
    offset += nBins;
    return ch;
  });
}

/** Sorted, de-duplicated sample names over all channels (pyhf's `config.samples`). */
export function modelSamples(ws: Workspace): string[] {
  return [...new Set(ws.channels.flatMap((c) => c.samples.map((s) => s.name)))].sort(cmp);
}

/**
 * Walks the workspace in pyhf's order: channels sorted, samples sorted, modifiers sorted by
 * (name, type). Calls `visit` for every modifier present.
 */
export function walkModifiers(ws: Workspace, visit: (v: ModifierVisit) => void): void {
  const channels = modelChannels(ws);
  const samples = modelSamples(ws);
  for (const ch of channels) {
    const spec = ws.channels[ch.specIndex];
    for (const sname of samples) {
      const sampleIndex = spec.samples.findIndex((s) => s.name === sname);
      if (sampleIndex < 0) continue;
      const sample = spec.samples[sampleIndex];
      const mods = sample.modifiers
        .map((m, i) => ({ m, i }))
        .sort((a, b) => cmp(a.m.name, b.m.name) || cmp(a.m.type, b.m.type));
      for (const { m, i } of mods) {
        visit({
          channel: ch,
          channelSpec: spec,
          sampleName: sname,
          sampleIndex,
          modifierIndex: i,
          modifier: m,
          nominal: sample.data,
        });
      }
    }
  }
}

/** The place of a modifier in the workspace, for error messages. */
export function modifierPath(v: ModifierVisit): string {
  return `channels[${v.channel.specIndex}].samples[${v.sampleIndex}].modifiers[${v.modifierIndex}] (${v.modifier.type} "${v.modifier.name}")`;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Per staterror name: the global bins it covers, with sigma_b and a fixed flag per bin. */
export interface StaterrorLayout {
  readonly bins: readonly number[];
  readonly sigmas: readonly number[];
  readonly fixed: readonly boolean[];
}

/**
 * Computes the staterror layouts: for each name, the bins of the channels it appears in, and
 * `sigma_b = sqrt(sum_s unc_sb^2) / sum_s nom_sb` over the samples carrying it (pyhf fixes a
 * component whose sigma is 0, and gives it width 1).
 */
export function staterrorLayouts(ws: Workspace): Map<string, StaterrorLayout> {
  const channels = modelChannels(ws);
  const nBins = channels.reduce((n, c) => n + c.nBins, 0);
  type Acc = { channels: Map<string, Set<string>>; nom: Float64Array; unc2: Float64Array };
  const acc = new Map<string, Acc>();
  walkModifiers(ws, (v) => {
    if (v.modifier.type !== 'staterror') return;
    let a = acc.get(v.modifier.name);
    if (!a) {
      a = { channels: new Map(), nom: new Float64Array(nBins), unc2: new Float64Array(nBins) };
      acc.set(v.modifier.name, a);
    }
    const set = a.channels.get(v.sampleName) ?? new Set<string>();
    set.add(v.channel.name);
    a.channels.set(v.sampleName, set);
    for (let b = 0; b < v.channel.nBins; b++) {
      a.nom[v.channel.offset + b] += v.nominal[b];
      a.unc2[v.channel.offset + b] += v.modifier.data[b] ** 2;
    }
  });
  const out = new Map<string, StaterrorLayout>();
  for (const [name, a] of acc) {
    const sets = [...a.channels.entries()];
    const ref = [...sets[0][1]].sort().join(',');
    for (const [sample, set] of sets) {
      if ([...set].sort().join(',') !== ref) {
        throw new InputError(
          'model',
          `staterror "${name}"`,
          `sample "${sample}" carries it in channels [${[...set].sort().join(', ')}] but sample "${sets[0][0]}" in [${ref}]; every sample must carry a staterror in the same channels`,
        );
      }
    }
    const bins: number[] = [];
    const sigmas: number[] = [];
    const fixed: boolean[] = [];
    for (const ch of channels) {
      if (!sets[0][1].has(ch.name)) continue;
      for (let b = 0; b < ch.nBins; b++) {
        const g = ch.offset + b;
        const s = a.nom[g] > 0 ? Math.sqrt(a.unc2[g]) / a.nom[g] : 0;
        bins.push(g);
        fixed.push(s === 0);
        sigmas.push(s === 0 ? 1 : s);
      }
    }
    out.set(name, { bins, sigmas, fixed });
  }
  return out;
}

function requirementFor(v: ModifierVisit, staterrors: Map<string, StaterrorLayout>): Requirement {
  const where = modifierPath(v);
  const m = v.modifier;
  switch (m.type) {
    case 'normsys':
    case 'histosys':
      return { type: m.type, size: 1, inits: [0], bounds: [[-5, 5]], fixed: [false], constraint: 'normal', auxdata: [0], sigmas: [1], where };
    case 'normfactor':
      return { type: m.type, size: 1, inits: [1], bounds: [[0, 10]], fixed: [false], constraint: 'none', where };
    case 'shapefactor': {
      const n = v.channel.nBins;
      return { type: m.type, size: n, inits: ones(n), bounds: rep(n, [0, 10]), fixed: rep(n, false), constraint: 'none', where };
    }
    case 'lumi':
      return { type: m.type, size: 1, inits: [NaN], bounds: [[NaN, NaN]], fixed: [false], constraint: 'normal', where };
    case 'staterror': {
      const lay = staterrors.get(m.name)!;
      const n = lay.bins.length;
      return {
        type: m.type, size: n, inits: ones(n), bounds: rep(n, [1e-10, 10]), fixed: [...lay.fixed],
        constraint: 'normal', auxdata: ones(n), sigmas: [...lay.sigmas], where,
      };
    }
    case 'shapesys': {
      const n = v.channel.nBins;
      const factors: number[] = [];
      const fixed: boolean[] = [];
      for (let b = 0; b < n; b++) {
        const nom = v.nominal[b];
        const unc = m.data[b];
        const valid = nom > 0 && unc > 0;
        factors.push(valid ? (nom * nom) / (unc * unc) : 1);
        fixed.push(!valid);
      }
      return {
        type: m.type, size: n, inits: ones(n), bounds: rep(n, [1e-10, 10]), fixed,
        constraint: 'poisson', auxdata: [...factors], factors, where,
      };
    }
  }
}

function ones(n: number): number[] {
  return new Array<number>(n).fill(1);
}
function rep<T>(n: number, v: T): T[] {
  return Array.from({ length: n }, () => (Array.isArray(v) ? ([...v] as T) : v));
}

/** Whether two requirements for the same name can be merged into one parameter set (pyhf: all fields equal). */
function compatible(a: Requirement, b: Requirement): boolean {
  const same = (x?: readonly unknown[], y?: readonly unknown[]) => JSON.stringify(x) === JSON.stringify(y);
  return (
    a.size === b.size && a.constraint === b.constraint && same(a.inits, b.inits) && same(a.bounds, b.bounds) &&
    same(a.fixed, b.fixed) && same(a.auxdata, b.auxdata) && same(a.sigmas, b.sigmas) && same(a.factors, b.factors)
  );
}

/**
 * Builds the parameter sets of a model in pyhf's order, applying the measurement's
 * parameter configuration (inits, bounds, fixed, auxdata, sigmas, factors).
 *
 * @throws InputError when a configuration does not fit its parameter, or a name is reused
 *   with incompatible modifiers.
 */
export function buildParameterSets(ws: Workspace, measurement: Measurement): ParameterSet[] {
  const staterrors = staterrorLayouts(ws);
  const byType = new Map<ModifierType, Map<string, Requirement>>();
  for (const t of MODIFIER_TYPES) byType.set(t, new Map());
  const seen = new Map<string, Requirement>();
  walkModifiers(ws, (v) => {
    const req = requirementFor(v, staterrors);
    const prev = seen.get(v.modifier.name);
    if (prev) {
      if (!compatible(prev, req)) {
        throw new InputError(
          'model',
          req.where,
          `parameter "${v.modifier.name}" is also defined at ${prev.where} with a different ${prev.type === req.type ? 'shape' : `type (${prev.type})`}; use unique modifier names`,
        );
      }
      if (v.modifier.type === 'shapesys') {
        throw new InputError('model', req.where, `shapesys "${v.modifier.name}" is already used at ${prev.where}; a shapesys belongs to one sample`);
      }
    } else {
      seen.set(v.modifier.name, req);
    }
    // pyhf keeps one list per modifier type (first appearance of that type), then merges the
    // lists in type order: a name shared by types is placed with the first type in that order.
    const list = byType.get(req.type)!;
    if (!list.has(v.modifier.name)) list.set(v.modifier.name, req);
  });
  // staterror parameters: pyhf orders them by name (its builder keys are sorted).
  const st = byType.get('staterror')!;
  byType.set('staterror', new Map([...st.entries()].sort((a, b) => cmp(a[0], b[0]))));

  const configs = new Map<string, { cfg: ParameterConfig; index: number }>();
  measurement.config.parameters.forEach((cfg, index) => configs.set(cfg.name, { cfg, index }));
  const sets: ParameterSet[] = [];
  let offset = 0;
  const placed = new Set<string>();
  for (const t of MODIFIER_TYPES) {
    for (const [name, req] of byType.get(t)!) {
      if (placed.has(name)) continue;
      placed.add(name);
      const c = configs.get(name);
      const set = applyConfig(name, req, offset, c?.cfg, `measurement "${measurement.name}" config.parameters[${c?.index ?? -1}] ("${name}")`);
      sets.push(set);
      offset += set.size;
    }
  }
  // pyhf ignores configurations of parameters that no modifier defines (published workspaces
  // carry them, e.g. a background normalisation removed from the model); so do we.
  return sets;
}

function applyConfig(name: string, req: Requirement, offset: number, cfg: ParameterConfig | undefined, where: string): ParameterSet {
  const n = req.size;
  const pick = <T>(key: string, user: readonly T[] | undefined, dflt: T[] | undefined): T[] | undefined => {
    if (user === undefined) return dflt;
    if (user.length !== n) throw new InputError('model', where, `${key} has ${user.length} values, parameter "${name}" has ${n} component${n === 1 ? '' : 's'}`);
    return [...user];
  };
  const isLumi = req.type === 'lumi';
  if (isLumi && (cfg?.auxdata === undefined || cfg?.sigmas === undefined)) {
    throw new InputError('model', cfg ? where : `parameter "${name}"`, 'lumi needs auxdata and sigmas in the measurement\'s parameter config');
  }
  if (req.constraint === 'none' && (cfg?.auxdata || cfg?.sigmas || cfg?.factors)) {
    throw new InputError('model', where, `"${name}" is unconstrained (${req.type}) and takes no auxdata, sigmas or factors`);
  }
  if (req.constraint === 'normal' && cfg?.factors) throw new InputError('model', where, `"${name}" (${req.type}) takes no factors`);
  if (req.constraint === 'poisson' && cfg?.sigmas) throw new InputError('model', where, `"${name}" (${req.type}) takes no sigmas`);
  const auxdata = pick('auxdata', cfg?.auxdata, req.auxdata);
  const inits = pick('inits', cfg?.inits, isLumi ? [...auxdata!] : req.inits)!;
  const bounds = pick<readonly [number, number]>(
    'bounds',
    cfg?.bounds,
    isLumi ? [[0, 10 * auxdata![0]]] : req.bounds,
  )!.map((b) => [b[0], b[1]] as const);
  const fixed = cfg?.fixed === undefined ? req.fixed : new Array<boolean>(n).fill(cfg.fixed);
  let constraint: Constraint = { kind: 'none' };
  if (req.constraint === 'normal') {
    const sigmas = pick('sigmas', cfg?.sigmas, req.sigmas)!;
    if (sigmas.some((s) => !(s > 0))) throw new InputError('model', where, 'sigmas must be positive');
    constraint = { kind: 'normal', auxdata: auxdata!, sigmas };
  } else if (req.constraint === 'poisson') {
    constraint = { kind: 'poisson', auxdata: auxdata!, factors: pick('factors', cfg?.factors, req.factors)! };
  }
  for (let i = 0; i < n; i++) {
    const [lo, hi] = bounds[i];
    if (!(lo <= hi)) throw new InputError('model', where, `bounds[${i}] = [${lo}, ${hi}] is empty`);
  }
  const isScalar = req.type === 'normsys' || req.type === 'histosys' || req.type === 'normfactor' || req.type === 'lumi';
  return { name, type: req.type, isScalar, offset, size: n, inits, bounds, fixed: [...fixed], constraint };
}
