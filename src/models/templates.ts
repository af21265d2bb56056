/**
 * The template model of an analysis: the multi-channel template model of src/stats/templates
 * (issue 11's contract) with *every* yield learned — a slot of one flat counts vector — and each
 * sample carrying pyhf's modifiers:
 *
 * ```
 * channels[c].samples[s] = { name, modifiers: [normfactor | shapefactor | lumi | normsys | histosys | staterror | shapesys] }
 * slots: per channel, per sample: nominal, up/down per histosys (modifier order), sumw2 per staterror/shapesys
 * ```
 *
 * A sample carrying both a staterror and a shapesys has one `sumw2` slot (its `modifier` is the
 * staterror's name): both uncertainties are the square root of the same sum of squared weights.
 * Fixed channels and counts copied from a workspace are slots too, filled hard from their events
 * (analysis.ts): one plan for every yield.
 *
 * {@link analysisTemplates} compiles the spec to the `TemplateModel` and gives the slots (the
 * model's layout).
 */
import { InputError } from '../stats/errors.js';
import type { HistosysCode } from '../stats/model/histosys-interpolation.js';
import type { NormsysCode } from '../stats/model/normsys-interpolation.js';
import { TemplateModel, type NuisanceConstraint, type TemplateSpec } from '../stats/templates/index.js';

/** A modifier of a template sample, with pyhf's types and names (its data come from the events). */
export type TemplateModifier =
  | { readonly type: 'normfactor'; readonly name: string }
  | { readonly type: 'shapefactor'; readonly name: string }
  | { readonly type: 'lumi'; readonly name: string }
  | { readonly type: 'normsys'; readonly name: string; readonly hi: number; readonly lo: number }
  | { readonly type: 'histosys'; readonly name: string }
  | { readonly type: 'staterror'; readonly name: string }
  | { readonly type: 'shapesys'; readonly name: string };

/** The pyhf modifier types. */
export const MODIFIER_TYPES = ['normfactor', 'shapefactor', 'lumi', 'normsys', 'histosys', 'staterror', 'shapesys'] as const;

export type ModifierType = (typeof MODIFIER_TYPES)[number];

/** A sample of a channel; every yield of it is a slot. */
export interface TemplateSampleSpec {
  readonly name: string;
  readonly modifiers: readonly TemplateModifier[];
}

export interface TemplateChannelSpec {
  readonly name: string;
  readonly bins: number;
  readonly samples: readonly TemplateSampleSpec[];
}

/** A parameter's constraint, bounds, init and fixing (in its own units, see src/stats/templates/spec.ts). */
export interface TemplateParameter {
  readonly name: string;
  readonly constraint?: NuisanceConstraint;
  readonly bounds?: readonly [number, number];
  readonly init?: number;
  readonly fixed?: boolean;
}

/** The template spec of an analysis: the contract's, every yield learned. */
export interface AnalysisTemplateSpec {
  readonly channels: readonly TemplateChannelSpec[];
  readonly poi: { readonly name: string; readonly bounds?: readonly [number, number]; readonly init?: number };
  readonly parameters?: readonly TemplateParameter[];
  /** The lumi modifier's constraint N(auxdata, sigma). */
  readonly lumi?: { readonly auxdata: number; readonly sigma: number; readonly bounds?: readonly [number, number]; readonly init?: number };
  readonly interpolation?: { readonly histosys?: HistosysCode; readonly normsys?: NormsysCode };
}

/** What a slot holds. */
export type SlotRole = 'nominal' | 'up' | 'down' | 'sumw2';

/** One slot: `bins` counts at `offset` of the flat counts vector of the compiled model. */
export interface SlotEntry {
  readonly channel: string;
  readonly sample: string;
  readonly role: SlotRole;
  /** The histosys (up/down) or staterror/shapesys (sumw2) it belongs to. */
  readonly modifier?: string;
  readonly offset: number;
  readonly bins: number;
}

/** A compiled analysis template. */
export interface AnalysisTemplates {
  readonly spec: AnalysisTemplateSpec;
  readonly templateModel: TemplateModel;
  /** The model's layout: channel, sample, nominal, up/down per histosys, sumw2. */
  readonly slots: readonly SlotEntry[];
}

/**
 * The slots of a spec in the contract's order (offsets as if laid out one after the other).
 *
 * @example
 * ```ts
 * templateSlots({ channels: [{ name: 'SR', bins: 2, samples: [{ name: 'bkg', modifiers: [{ type: 'histosys', name: 'jes' }] }] }], poi: { name: 'mu' } })
 *   .map((s) => s.role); // ['nominal', 'up', 'down']
 * ```
 */
export function templateSlots(spec: AnalysisTemplateSpec): SlotEntry[] {
  const out: SlotEntry[] = [];
  let offset = 0;
  for (const c of spec.channels) {
    for (const s of c.samples) {
      const push = (role: SlotRole, modifier?: string) => {
        out.push({ channel: c.name, sample: s.name, role, ...(modifier ? { modifier } : {}), offset, bins: c.bins });
        offset += c.bins;
      };
      push('nominal');
      for (const m of s.modifiers) if (m.type === 'histosys') (push('up', m.name), push('down', m.name));
      const stat = s.modifiers.find((m) => m.type === 'staterror') ?? s.modifiers.find((m) => m.type === 'shapesys');
      if (stat) push('sumw2', stat.name);
    }
  }
  return out;
}

/** Cross-reference checks of a spec; `where` prefixes the path of an error. */
function checkSpec(spec: AnalysisTemplateSpec, where: string): void {
  const channelNames = new Set<string>();
  const types = new Map<string, string>();
  let poiCarried = false;
  spec.channels.forEach((c, ci) => {
    if (channelNames.has(c.name)) throw new InputError('argument', `${where}channels[${ci}]`, `channel name "${c.name}" is used twice`);
    channelNames.add(c.name);
    if (!Number.isInteger(c.bins) || c.bins < 1) throw new InputError('argument', `${where}channels[${ci}] ("${c.name}").bins`, `must be a positive integer, got ${c.bins}`);
    const sampleNames = new Set<string>();
    c.samples.forEach((s, si) => {
      const at = `${where}channels[${ci}].samples[${si}] ("${s.name}")`;
      if (sampleNames.has(s.name)) throw new InputError('argument', at, `sample name "${s.name}" is used twice in channel "${c.name}"`);
      sampleNames.add(s.name);
      const seen = new Set<string>();
      s.modifiers.forEach((m, mi) => {
        const key = `${m.type}\u0000${m.name}`;
        if (seen.has(key)) throw new InputError('argument', `${at}.modifiers[${mi}]`, `${m.type} "${m.name}" is given twice`);
        seen.add(key);
        const other = types.get(m.name);
        const group = (t: string) => (t === 'staterror' || t === 'shapesys' || t === 'shapefactor' ? t : t === 'lumi' ? 'lumi' : t);
        if (other !== undefined && group(other) !== group(m.type)) throw new InputError('argument', `${at}.modifiers[${mi}]`, `"${m.name}" is a ${other} elsewhere; one parameter name, one modifier type`);
        types.set(m.name, m.type);
        if (m.type === 'normfactor' && m.name === spec.poi.name) poiCarried = true;
        if (m.type === 'normsys' && !(m.hi > 0 && m.lo > 0 && Number.isFinite(m.hi) && Number.isFinite(m.lo))) {
          throw new InputError('argument', `${at}.modifiers[${mi}] (normsys "${m.name}")`, `hi and lo must be positive finite factors, got ${m.hi}, ${m.lo}`);
        }
      });
      if (s.modifiers.filter((m) => m.type === 'staterror').length > 1) throw new InputError('argument', at, 'carries two staterror modifiers');
      if (s.modifiers.filter((m) => m.type === 'shapesys').length > 1) throw new InputError('argument', at, 'carries two shapesys modifiers');
    });
  });
  if (!poiCarried) throw new InputError('argument', `${where}poi`, `no sample carries a normfactor "${spec.poi.name}" (the POI)`);
  if ([...types.values()].includes('lumi') && !spec.lumi) throw new InputError('argument', `${where}lumi`, 'is missing: a sample carries a lumi modifier, its constraint needs auxdata and sigma');
  (spec.parameters ?? []).forEach((p, i) => {
    if (p.name !== spec.poi.name && !types.has(p.name)) throw new InputError('argument', `${where}parameters[${i}] ("${p.name}")`, 'names no modifier of any sample');
  });
}

/** The stats spec of an analysis spec: every yield learned. */
function statsTemplateSpec(spec: AnalysisTemplateSpec): TemplateSpec {
  return {
    channels: spec.channels.map((c) => ({ name: c.name, bins: c.bins, samples: c.samples.map((s) => ({ name: s.name, data: 'learned' as const, modifiers: s.modifiers.map((m) => ({ ...m })) })) })),
    poi: spec.poi,
    ...(spec.parameters ? { nuisances: spec.parameters } : {}),
    ...(spec.lumi ? { lumi: spec.lumi } : {}),
    ...(spec.interpolation ? { interpolation: spec.interpolation } : {}),
  };
}

/**
 * Compiles a spec (see the module comment).
 *
 * @param where prefix of error paths (e.g. `"analysis "`)
 * @throws InputError naming the place for a malformed spec.
 * @example
 * ```ts
 * const t = analysisTemplates({ channels: [{ name: 'SR', bins: 3, samples: [
 *   { name: 'sig', modifiers: [{ type: 'normfactor', name: 'mu' }] }, { name: 'bkg', modifiers: [] }] }], poi: { name: 'mu' } });
 * t.templateModel.size; // 6
 * ```
 */
export function analysisTemplates(spec: AnalysisTemplateSpec, where = ''): AnalysisTemplates {
  checkSpec(spec, where);
  let templateModel: TemplateModel;
  try {
    templateModel = new TemplateModel(statsTemplateSpec(spec));
  } catch (e) {
    if (e instanceof InputError) throw new InputError(e.kind, `${where}${e.where}`, e.problem);
    throw e;
  }
  const slots: SlotEntry[] = templateModel.layout.map((e) => ({ channel: e.channel, sample: e.sample, role: e.role, ...(e.modifier !== undefined ? { modifier: e.modifier } : {}), offset: e.offset, bins: e.bins }));
  return { spec, templateModel, slots };
}
