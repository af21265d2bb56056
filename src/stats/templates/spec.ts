/**
 * The specification of a template model: a HistFactory model (pyhf's channels, samples and
 * seven modifier types) in which any yield may be *learned* — a slot of one flat counts vector
 * filled from the histograms of a summary — instead of given.
 *
 * ```
 * channels[c] = { name, bins, samples: [{ name, data: 'learned' | number[], modifiers: [
 *   normfactor | shapefactor | lumi | normsys {hi, lo} | histosys {data?} | staterror {data?} | shapesys {data?} ] }] }
 * ```
 *
 * - `normfactor` named as the POI scales a signal; any other normfactor is a normalisation,
 *   free, or Gaussian-constrained via `nuisances[]` (`N(mean, sigma)` of the factor itself).
 * - `lumi` is the one luminosity parameter, constrained by `lumi: { auxdata, sigma }` (pyhf's
 *   measurement config; exported under pyhf's fixed name "lumi").
 * - `normsys` (rate factors hi, lo at +-1) and `histosys` (up/down templates, learned slots when
 *   `data` is left out) are nuisances in their own units alpha, N(0, 1) unless `nuisances[]`
 *   says otherwise: N(m, s) or free. The compiled model's parameter is the standardised
 *   `z = alpha / s` with templates at the +-1 sigma points (forms.ts).
 * - `staterror` (MC statistical uncertainty) and `shapesys` (an uncorrelated per-bin shape
 *   uncertainty, Poisson-constrained): `data` the absolute uncertainty per bin as pyhf has it,
 *   or, left out, a learned `sumw2` slot whose square root is the uncertainty. The staterror
 *   width of a bin is `sqrt(sum_s unc_sb^2) / sum_s nom_sb` over the samples carrying it, the
 *   shapesys factor `tau_b = nom_b^2 / unc_b^2` — both functions of the counts.
 * - `shapefactor`: free per-bin factors (bounds and init from `nuisances[]`).
 *
 * The single-channel form of the INFERNO and neos code (`{ bins, samples: [{ name, signal,
 * shapes, rates, normalisations, staterror }], nuisances }`, every yield learned) is accepted
 * as a shorthand: {@link normaliseTemplateSpec} turns it into the form above.
 *
 * The counts enter as one flat Float64Array in the order of {@link templateLayout}.
 */
import { z } from 'zod';
import { InputError } from '../errors.js';
import type { HistosysCode } from '../model/histosys-interpolation.js';
import type { NormsysCode } from '../model/normsys-interpolation.js';
import { zodToInputError } from '../workspace/zod-errors.js';

/** How a nuisance is constrained. */
export type NuisanceConstraint = { readonly kind: 'free' } | { readonly kind: 'normal'; readonly mean: number; readonly sigma: number };

/** What a nuisance does to the samples that name it. */
export type NuisanceKind = 'shape' | 'rate' | 'normalisation';

/** The configuration of one parameter of a template model, in its own units. */
export interface TemplateParameterSpec {
  readonly name: string;
  /**
   * Shape (histosys) and rate (normsys) nuisances: default N(0, 1); normalisations
   * (normfactor): default free. Not for lumi (see `TemplateSpec.lumi`), shapefactor,
   * staterror and shapesys.
   */
  readonly constraint?: NuisanceConstraint;
  /**
   * Default: mean +- 5 sigma (constrained shape and rate: pyhf's [-5, 5] of the standardised
   * parameter), [-5, 5] (free shape and rate), [0, 10] (free normalisation) or
   * [max(0, mean - 10 sigma), mean + 10 sigma] (constrained normalisation); pyhf's defaults for
   * shapefactor ([0, 10]), staterror and shapesys ([1e-10, 10]), for every component.
   */
  readonly bounds?: readonly [number, number];
  /** Default: the constraint mean, else 0 (shape and rate) or 1 (normalisations and per-bin factors). */
  readonly init?: number;
  /** Hold the parameter (every component) at its init. */
  readonly fixed?: boolean;
}

/** A nuisance parameter of the single-channel shorthand: its kind is given. */
export interface TemplateNuisance extends TemplateParameterSpec {
  readonly kind: NuisanceKind;
}

/** A sample's yields: `'learned'` (a slot of the flat counts) or given per bin. */
export type Yields = 'learned' | readonly number[];

/** A modifier of a template sample: pyhf's seven types, with learned slots where data are left out. */
export type TemplateModifier =
  | { readonly type: 'normfactor'; readonly name: string }
  | { readonly type: 'shapefactor'; readonly name: string }
  | { readonly type: 'lumi'; readonly name: string }
  | { readonly type: 'normsys'; readonly name: string; readonly hi: number; readonly lo: number }
  | { readonly type: 'histosys'; readonly name: string; readonly data?: { readonly hi_data: readonly number[]; readonly lo_data: readonly number[] } }
  | { readonly type: 'staterror'; readonly name: string; readonly data?: readonly number[] }
  | { readonly type: 'shapesys'; readonly name: string; readonly data?: readonly number[] };

/** A sample of a channel. */
export interface TemplateSampleSpec {
  readonly name: string;
  readonly data: Yields;
  readonly modifiers: readonly TemplateModifier[];
}

/** A channel: `bins` bins shared by its samples. */
export interface TemplateChannelSpec {
  readonly name: string;
  readonly bins: number;
  readonly samples: readonly TemplateSampleSpec[];
}

/** The constraint and range of the lumi parameter (pyhf's measurement config of "lumi"). */
export interface TemplateLumiSpec {
  readonly auxdata: number;
  readonly sigma: number;
  /** Default [max(0, auxdata - 10 sigma), auxdata + 10 sigma] (written into the export). */
  readonly bounds?: readonly [number, number];
  /** Default auxdata. */
  readonly init?: number;
}

/** A template model (see the module comment). */
export interface TemplateSpec {
  readonly channels: readonly TemplateChannelSpec[];
  readonly poi: { readonly name: string; readonly bounds?: readonly [number, number]; readonly init?: number };
  readonly nuisances?: readonly TemplateParameterSpec[];
  readonly lumi?: TemplateLumiSpec;
  readonly interpolation?: { readonly histosys?: HistosysCode; readonly normsys?: NormsysCode };
}

/** A sample of the single-channel shorthand; all its yields are learned. */
export interface TemplateSample {
  readonly name: string;
  /** Scaled by the POI. */
  readonly signal?: boolean;
  /** Shape nuisances with up/down templates for this sample. */
  readonly shapes?: readonly string[];
  /** Rate nuisances: factors at +1 (hi) and -1 (lo). */
  readonly rates?: Readonly<Record<string, { readonly hi: number; readonly lo: number }>>;
  /** Normalisation nuisances multiplying this sample. */
  readonly normalisations?: readonly string[];
  /** Monte Carlo statistical uncertainty from a sum-of-squared-weights template (staterror "staterror_<channel>"). */
  readonly staterror?: boolean;
}

/** The single-channel shorthand of the INFERNO and neos code (see {@link normaliseTemplateSpec}). */
export interface SingleChannelTemplateSpec {
  /** Number of bins B of every template. */
  readonly bins: number;
  /** Channel name; default "SR". */
  readonly channel?: string;
  readonly poi?: { readonly name?: string; readonly bounds?: readonly [number, number]; readonly init?: number };
  readonly samples: readonly TemplateSample[];
  readonly nuisances?: readonly TemplateNuisance[];
  readonly interpolation?: { readonly histosys?: HistosysCode; readonly normsys?: NormsysCode };
}

/** What `new TemplateModel(...)` takes: the full form or the single-channel shorthand. */
export type TemplateSpecInput = TemplateSpec | SingleChannelTemplateSpec;

const name = z.string().min(1);
const bounds = z.tuple([z.number(), z.number()]);
const count = z.number().nonnegative().finite();
const constraint = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('free') }),
  z.object({ kind: z.literal('normal'), mean: z.number().finite(), sigma: z.number().positive().finite() }),
]);
const interpolation = z.object({ histosys: z.enum(['code0', 'code4p']).optional(), normsys: z.enum(['code1', 'code4']).optional() }).optional();
const parameter = { name, constraint: constraint.optional(), bounds: bounds.optional(), init: z.number().finite().optional(), fixed: z.boolean().optional() };

/** zod schema of the single-channel shorthand (structure; cross-references are checked by {@link normaliseTemplateSpec}). */
export const singleChannelTemplateSpecSchema = z.object({
  bins: z.number().int().min(1),
  channel: name.optional(),
  poi: z.object({ name: name.optional(), bounds: bounds.optional(), init: z.number().optional() }).optional(),
  samples: z
    .array(
      z.object({
        name,
        signal: z.boolean().optional(),
        shapes: z.array(name).optional(),
        rates: z.record(name, z.object({ hi: z.number().positive(), lo: z.number().positive() })).optional(),
        normalisations: z.array(name).optional(),
        staterror: z.boolean().optional(),
      }),
    )
    .min(1),
  nuisances: z.array(z.object({ ...parameter, kind: z.enum(['shape', 'rate', 'normalisation']) })).optional(),
  interpolation,
});

const modifier = z.discriminatedUnion('type', [
  z.object({ type: z.literal('normfactor'), name }),
  z.object({ type: z.literal('shapefactor'), name }),
  z.object({ type: z.literal('lumi'), name }),
  z.object({ type: z.literal('normsys'), name, hi: z.number().positive().finite(), lo: z.number().positive().finite() }),
  z.object({ type: z.literal('histosys'), name, data: z.object({ hi_data: z.array(count), lo_data: z.array(count) }).optional() }),
  z.object({ type: z.literal('staterror'), name, data: z.array(count).optional() }),
  z.object({ type: z.literal('shapesys'), name, data: z.array(count).optional() }),
]);

/** zod schema of {@link TemplateSpec} (structure; cross-references are checked by `TemplateModel`). */
export const templateSpecSchema = z.object({
  channels: z
    .array(
      z.object({
        name,
        bins: z.number().int().min(1),
        samples: z.array(z.object({ name, data: z.union([z.literal('learned'), z.array(count)]), modifiers: z.array(modifier) })).min(1),
      }),
    )
    .min(1),
  poi: z.object({ name, bounds: bounds.optional(), init: z.number().finite().optional() }),
  nuisances: z.array(z.object(parameter)).optional(),
  lumi: z.object({ auxdata: z.number().positive().finite(), sigma: z.number().positive().finite(), bounds: bounds.optional(), init: z.number().finite().optional() }).optional(),
  interpolation,
});

/** Whether `spec` is the single-channel shorthand. */
export function isSingleChannelSpec(spec: TemplateSpecInput): spec is SingleChannelTemplateSpec {
  return typeof spec === 'object' && spec !== null && !('channels' in spec);
}

/** The default channel name of the shorthand. */
const DEFAULT_CHANNEL = 'SR';

/**
 * The full form of a template spec: the full form itself (validated), or the single-channel
 * shorthand rewritten — one channel (`channel`, default "SR") whose samples' yields are all
 * learned, with per sample in this order a normfactor of the POI (`signal`), a histosys per
 * shape (no data: learned up/down), a normsys per rate, a normfactor per normalisation (its
 * constraint stays in `nuisances`) and a staterror "staterror_<channel>" (learned sumw2).
 * The nuisances lose their `kind` (the modifiers say it).
 *
 * @throws InputError naming the place when the spec is malformed.
 * @example
 * ```ts
 * normaliseTemplateSpec({ bins: 2, samples: [{ name: 's', signal: true }, { name: 'b', shapes: ['r'] }], nuisances: [{ name: 'r', kind: 'shape' }] });
 * // { channels: [{ name: 'SR', bins: 2, samples: [{ name: 's', data: 'learned', modifiers: [{ type: 'normfactor', name: 'mu' }] },
 * //   { name: 'b', data: 'learned', modifiers: [{ type: 'histosys', name: 'r' }] }] }], poi: { name: 'mu' }, nuisances: [{ name: 'r' }] }
 * ```
 */
export function normaliseTemplateSpec(spec: TemplateSpecInput): TemplateSpec {
  if (!isSingleChannelSpec(spec)) {
    const parsed = templateSpecSchema.safeParse(spec);
    if (!parsed.success) throw zodToInputError(parsed.error, spec, 'argument', 'template spec');
    return spec;
  }
  const parsed = singleChannelTemplateSpecSchema.safeParse(spec);
  if (!parsed.success) throw zodToInputError(parsed.error, spec, 'argument', 'template spec');
  const poiName = spec.poi?.name ?? 'mu';
  const channel = spec.channel ?? DEFAULT_CHANNEL;
  checkShorthand(spec, poiName, channel);
  const samples: TemplateSampleSpec[] = spec.samples.map((s) => {
    const modifiers: TemplateModifier[] = [];
    if (s.signal) modifiers.push({ type: 'normfactor', name: poiName });
    for (const n of s.shapes ?? []) modifiers.push({ type: 'histosys', name: n });
    for (const [n, r] of Object.entries(s.rates ?? {})) modifiers.push({ type: 'normsys', name: n, hi: r.hi, lo: r.lo });
    for (const n of s.normalisations ?? []) modifiers.push({ type: 'normfactor', name: n });
    if (s.staterror) modifiers.push({ type: 'staterror', name: `staterror_${channel}` });
    return { name: s.name, data: 'learned', modifiers };
  });
  const poi = spec.poi;
  return {
    channels: [{ name: channel, bins: spec.bins, samples }],
    poi: { name: poiName, ...(poi?.bounds ? { bounds: poi.bounds } : {}), ...(poi?.init !== undefined ? { init: poi.init } : {}) },
    ...(spec.nuisances
      ? {
          nuisances: spec.nuisances.map((n) => ({
            name: n.name,
            ...(n.constraint ? { constraint: n.constraint } : {}),
            ...(n.bounds ? { bounds: n.bounds } : {}),
            ...(n.init !== undefined ? { init: n.init } : {}),
            ...(n.fixed !== undefined ? { fixed: n.fixed } : {}),
          })),
        }
      : {}),
    ...(spec.interpolation ? { interpolation: spec.interpolation } : {}),
  };
}

/** Cross-reference checks of the shorthand, with its own paths. */
function checkShorthand(spec: SingleChannelTemplateSpec, poiName: string, channel: string): void {
  const where = (path: string) => `template spec ${path}`;
  const kinds = new Map<string, NuisanceKind>();
  (spec.nuisances ?? []).forEach((n, i) => {
    if (kinds.has(n.name) || n.name === poiName) throw new InputError('argument', where(`nuisances[${i}]`), `name "${n.name}" is used twice (POI "${poiName}")`);
    if (n.name === `staterror_${channel}`) throw new InputError('argument', where(`nuisances[${i}]`), `name "${n.name}" is reserved for the MC statistical uncertainty`);
    kinds.set(n.name, n.kind);
  });
  const names = new Set<string>();
  const used = new Set<string>();
  let signals = 0;
  spec.samples.forEach((s, i) => {
    if (names.has(s.name)) throw new InputError('argument', where(`samples[${i}]`), `sample name "${s.name}" is used twice`);
    names.add(s.name);
    if (s.signal) signals++;
    const refs: Array<[NuisanceKind, 'shapes' | 'rates' | 'normalisations', readonly string[]]> = [
      ['shape', 'shapes', s.shapes ?? []],
      ['rate', 'rates', Object.keys(s.rates ?? {})],
      ['normalisation', 'normalisations', s.normalisations ?? []],
    ];
    for (const [kind, key, list] of refs) {
      if (new Set(list).size !== list.length) throw new InputError('argument', where(`samples[${i}] ("${s.name}").${key}`), 'names a nuisance twice');
      for (const n of list) {
        const def = kinds.get(n);
        if (!def) throw new InputError('argument', where(`samples[${i}] ("${s.name}").${key}`), `"${n}" is not in nuisances`);
        if (def !== kind) throw new InputError('argument', where(`samples[${i}] ("${s.name}").${key}`), `"${n}" is a ${def} nuisance, not a ${kind} nuisance`);
        used.add(n);
      }
    }
  });
  if (signals === 0) throw new InputError('argument', where('samples'), `no sample is a signal (scaled by "${poiName}")`);
  for (const n of kinds.keys()) {
    if (!used.has(n)) throw new InputError('argument', where('nuisances'), `"${n}" is not used by any sample`);
  }
}

/** What one count array of the layout holds. */
export type CountRole = 'nominal' | 'up' | 'down' | 'sumw2';

/** One count array (a slot) of the flat counts vector. */
export interface LayoutEntry {
  readonly channel: string;
  readonly sample: string;
  readonly role: CountRole;
  /** The histosys, for `up` and `down`; the staterror (else shapesys), for `sumw2`. */
  readonly modifier?: string;
  /** The shorthand's name of the histosys of `up` and `down` (equal to `modifier` there). */
  readonly nuisance?: string;
  /** Offset in the flat counts vector. */
  readonly offset: number;
  /** Length: the channel's bins. */
  readonly bins: number;
}

/** The learned staterror and shapesys of a sample: they share its one sumw2 slot. */
export function learnedUncertainties(s: TemplateSampleSpec): { readonly staterror?: string; readonly shapesys?: string } {
  const st = s.modifiers.find((m) => m.type === 'staterror' && !m.data);
  const sh = s.modifiers.find((m) => m.type === 'shapesys' && !m.data);
  return { ...(st ? { staterror: st.name } : {}), ...(sh ? { shapesys: sh.name } : {}) };
}

/**
 * The order of the count arrays in the flat counts vector: channel by channel (spec order),
 * sample by sample (spec order), the learned ones of: the nominal template, `up` and `down` per
 * histosys without data (in the sample's modifier order), then one `sumw2` when the sample
 * carries a staterror or a shapesys without data. A sample with both has one sumw2 slot, named
 * after the staterror: both uncertainties are the square root of the same sum of squared
 * weights.
 *
 * @example
 * ```ts
 * templateLayout({ bins: 3, samples: [{ name: 'sig', signal: true }, { name: 'bkg', shapes: ['r'] }],
 *   nuisances: [{ name: 'r', kind: 'shape' }] }).map((e) => `${e.channel}/${e.sample}.${e.role}`);
 * // ['SR/sig.nominal', 'SR/bkg.nominal', 'SR/bkg.up', 'SR/bkg.down']
 * ```
 */
export function templateLayout(spec: TemplateSpecInput): LayoutEntry[] {
  const full = normaliseTemplateSpec(spec);
  const out: LayoutEntry[] = [];
  let offset = 0;
  for (const c of full.channels) {
    for (const s of c.samples) {
      const push = (role: CountRole, modifier?: string) => {
        out.push({ channel: c.name, sample: s.name, role, ...(modifier !== undefined ? { modifier } : {}), ...(role === 'up' || role === 'down' ? { nuisance: modifier } : {}), offset, bins: c.bins });
        offset += c.bins;
      };
      if (s.data === 'learned') push('nominal');
      for (const m of s.modifiers) if (m.type === 'histosys' && !m.data) (push('up', m.name), push('down', m.name));
      const u = learnedUncertainties(s);
      if (u.staterror !== undefined || u.shapesys !== undefined) push('sumw2', u.staterror ?? u.shapesys);
    }
  }
  return out;
}
