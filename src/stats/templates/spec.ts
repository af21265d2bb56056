/**
 * The specification of a template model: a one-channel HistFactory model whose yields are
 * count arrays (histograms of a summary), as inference-aware training produces them.
 *
 * - one signal (or several) scaled by the POI (a normfactor, default `mu`);
 * - backgrounds with shape variations from up/down templates (histosys), rate variations
 *   from up/down factors (normsys) and normalisations (free: normfactor; constrained: a
 *   Gaussian-constrained factor, exported as pyhf's `lumi` or an exact histosys);
 * - optional Monte Carlo statistical uncertainty (staterror) from the sum of squared weights;
 * - every nuisance free or Gaussian-constrained with any mean and width, in its own units
 *   (shape/rate nuisances are 0 at the nominal template and +-1 at the up/down templates:
 *   INFERNO's `r ~ N(2.0, 0.4)` with templates at r = 2.2 and 1.8 is `N(0, 2)` here). The
 *   compiled model's parameter of a shape/rate nuisance N(m, s) is `alpha / s` with templates
 *   at the +-1 sigma points (see forms.ts; `TemplateModel.nuisanceScale`).
 *
 * The counts enter as one flat Float64Array in the order of {@link templateLayout}.
 */
import { z } from 'zod';
import type { HistosysCode } from '../model/histosys-interpolation.js';
import type { NormsysCode } from '../model/normsys-interpolation.js';

/** How a nuisance is constrained. */
export type NuisanceConstraint = { readonly kind: 'free' } | { readonly kind: 'normal'; readonly mean: number; readonly sigma: number };

/** What a nuisance does to the samples that name it. */
export type NuisanceKind = 'shape' | 'rate' | 'normalisation';

/** A nuisance parameter of a template model. */
export interface TemplateNuisance {
  readonly name: string;
  readonly kind: NuisanceKind;
  /** Default: `normal(0, 1)` for shape and rate, `free` for normalisations. */
  readonly constraint?: NuisanceConstraint;
  /**
   * In the nuisance's own units. Default: mean +- 5 sigma (constrained shape and rate: pyhf's
   * [-5, 5] of the standardised parameter), [-5, 5] (free shape and rate), [0, 10] (free
   * normalisation) or [max(0, mean - 10 sigma), mean + 10 sigma] (constrained normalisation).
   */
  readonly bounds?: readonly [number, number];
  /** In the nuisance's own units. Default: the constraint mean, else 0 (shape and rate) or 1 (normalisations). */
  readonly init?: number;
  /** Hold the parameter at its init. */
  readonly fixed?: boolean;
}

/** A sample of a template model; its counts come from the layout. */
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
  /** Monte Carlo statistical uncertainty from a sum-of-squared-weights template. */
  readonly staterror?: boolean;
}

/** A template model. */
export interface TemplateSpec {
  /** Number of bins B of every template. */
  readonly bins: number;
  /** Channel name in the exported workspace; default "SR". */
  readonly channel?: string;
  readonly poi?: { readonly name?: string; readonly bounds?: readonly [number, number]; readonly init?: number };
  readonly samples: readonly TemplateSample[];
  readonly nuisances?: readonly TemplateNuisance[];
  readonly interpolation?: { readonly histosys?: HistosysCode; readonly normsys?: NormsysCode };
}

const name = z.string().min(1);
const bounds = z.tuple([z.number(), z.number()]);

/** zod schema of {@link TemplateSpec} (structure; cross-references are checked by `TemplateModel`). */
export const templateSpecSchema = z.object({
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
  nuisances: z
    .array(
      z.object({
        name,
        kind: z.enum(['shape', 'rate', 'normalisation']),
        constraint: z
          .discriminatedUnion('kind', [
            z.object({ kind: z.literal('free') }),
            z.object({ kind: z.literal('normal'), mean: z.number(), sigma: z.number().positive() }),
          ])
          .optional(),
        bounds: bounds.optional(),
        init: z.number().optional(),
        fixed: z.boolean().optional(),
      }),
    )
    .optional(),
  interpolation: z.object({ histosys: z.enum(['code0', 'code4p']).optional(), normsys: z.enum(['code1', 'code4']).optional() }).optional(),
});

/** What one count array of the layout holds. */
export type CountRole = 'nominal' | 'up' | 'down' | 'sumw2';

/** One [B] count array of the flat counts vector. */
export interface LayoutEntry {
  readonly sample: string;
  readonly role: CountRole;
  /** The shape nuisance, for `up` and `down`. */
  readonly nuisance?: string;
  /** Offset in the flat counts vector (entry index x B). */
  readonly offset: number;
}

/**
 * The order of the count arrays in the flat counts vector: per sample (spec order) its
 * nominal template, then `up` and `down` per shape nuisance (in the sample's order), then
 * `sumw2` when it carries a staterror.
 *
 * @example
 * ```ts
 * templateLayout({ bins: 3, samples: [{ name: 'sig', signal: true }, { name: 'bkg', shapes: ['r'] }],
 *   nuisances: [{ name: 'r', kind: 'shape' }] }).map((e) => `${e.sample}.${e.role}`);
 * // ['sig.nominal', 'bkg.nominal', 'bkg.up', 'bkg.down']
 * ```
 */
export function templateLayout(spec: TemplateSpec): LayoutEntry[] {
  const out: LayoutEntry[] = [];
  const push = (sample: string, role: CountRole, nuisance?: string) => out.push({ sample, role, nuisance, offset: out.length * spec.bins });
  for (const s of spec.samples) {
    push(s.name, 'nominal');
    for (const n of s.shapes ?? []) {
      push(s.name, 'up', n);
      push(s.name, 'down', n);
    }
    if (s.staterror) push(s.name, 'sumw2');
  }
  return out;
}
