/**
 * fast-check arbitraries for property-testing statistical ops: histograms, template models
 * with counts, and small valid pyhf workspaces with every modifier type. Part of diffinfer's
 * public testing kit (`diffinfer/testing`); needs `fast-check` (a peer dependency).
 */
import fc from 'fast-check';
import type { SingleChannelTemplateSpec, TemplateModifier, TemplateParameterSpec, TemplateSampleSpec, TemplateSpec } from '../templates/spec.js';
import { templateLayout } from '../templates/spec.js';
import type { Channel, Modifier, Sample, Workspace } from '../workspace/spec.js';

/** Options of {@link histogramArb}. */
export interface HistogramArbOptions {
  readonly minBins?: number;
  readonly maxBins?: number;
  /** Smallest and largest bin content; default 0.5 and 100. */
  readonly min?: number;
  readonly max?: number;
}

/**
 * A histogram: 1-8 bins (by default) of positive contents.
 *
 * @example
 * ```ts
 * fc.assert(fc.property(histogramArb({ maxBins: 4 }), (h) => h.length <= 4));
 * ```
 */
export function histogramArb(options: HistogramArbOptions = {}): fc.Arbitrary<number[]> {
  const { minBins = 1, maxBins = 8, min = 0.5, max = 100 } = options;
  return fc.integer({ min: minBins, max: maxBins }).chain((n) => fc.array(fc.double({ min, max, noNaN: true }), { minLength: n, maxLength: n }));
}

/** A template model (the single-channel shorthand) and counts that fit its layout. */
export interface TemplateCase {
  readonly spec: SingleChannelTemplateSpec;
  readonly counts: Float64Array;
}

/** Options of {@link templateCaseArb}. */
export interface TemplateCaseArbOptions {
  readonly minBins?: number;
  readonly maxBins?: number;
  /** Allow free (unconstrained) shape nuisances; default true. */
  readonly freeNuisances?: boolean;
  /** Allow MC statistical uncertainties (staterror); default true. */
  readonly staterror?: boolean;
}

/**
 * A random template model: a signal scaled by `mu`, one or two backgrounds with 1-2 shape
 * nuisances (up/down templates `nom (1 + d)` and `nom (1 - k d)` with |d| in [0.05, 0.25] and
 * k in [0.5, 1.5], so every shape has a slope), an optional rate nuisance, an optional
 * constrained or free normalisation, optional staterror; and counts for it (signal 1-30 per
 * bin, backgrounds 20-200). Every model has a positive expected rate in every bin and is
 * identifiable: fewer free parameters (POI, free nuisances) than bins, else the free nuisances
 * are given unit Gaussian constraints.
 *
 * @example
 * ```ts
 * fc.assert(fc.property(templateCaseArb(), ({ spec, counts }) => new TemplateModel(spec).size === counts.length));
 * ```
 */
export function templateCaseArb(options: TemplateCaseArbOptions = {}): fc.Arbitrary<TemplateCase> {
  const { minBins = 2, maxBins = 5, freeNuisances = true, staterror = true } = options;
  const constraint = fc.oneof(
    fc.constant({ kind: 'normal' as const, mean: 0, sigma: 1 }),
    fc.record({ kind: fc.constant('normal' as const), mean: fc.constant(0), sigma: fc.double({ min: 0.5, max: 2, noNaN: true }) }),
    ...(freeNuisances ? [fc.constant({ kind: 'free' as const })] : []),
  );
  return fc
    .record({
      bins: fc.integer({ min: minBins, max: maxBins }),
      nBkg: fc.integer({ min: 1, max: 2 }),
      nShapes: fc.integer({ min: 1, max: 2 }),
      shapeConstraints: fc.array(constraint, { minLength: 2, maxLength: 2 }),
      rate: fc.option(fc.record({ hi: fc.double({ min: 1.02, max: 1.3, noNaN: true }), lo: fc.double({ min: 0.7, max: 0.98, noNaN: true }) }), { nil: undefined }),
      norm: fc.option(fc.oneof(fc.constant('free' as const), fc.double({ min: 0.05, max: 0.3, noNaN: true })), { nil: undefined }),
      stat: staterror ? fc.boolean() : fc.constant(false),
      seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    })
    .chain((r) => {
      const shapes = ['alpha_0', 'alpha_1'].slice(0, r.nShapes);
      const nFree = 1 + r.shapeConstraints.slice(0, r.nShapes).filter((c) => c.kind === 'free').length + (r.norm === 'free' ? 1 : 0);
      if (nFree >= r.bins) {
        r.shapeConstraints = r.shapeConstraints.map((c) => (c.kind === 'free' ? { kind: 'normal' as const, mean: 0, sigma: 1 } : c));
        if (r.norm === 'free') r.norm = 0.2;
      }
      const spec: SingleChannelTemplateSpec = {
        bins: r.bins,
        poi: { bounds: [0, 10] },
        samples: [
          { name: 'signal', signal: true, staterror: r.stat },
          ...Array.from({ length: r.nBkg }, (_, i) => ({
            name: `bkg${i}`,
            shapes: i === 0 ? shapes : shapes.slice(0, 1),
            ...(i === 0 && r.rate ? { rates: { rate: r.rate } } : {}),
            ...(i === 0 && r.norm !== undefined ? { normalisations: ['norm'] } : {}),
            staterror: r.stat,
          })),
        ],
        nuisances: [
          ...shapes.map((name, k) => ({ name, kind: 'shape' as const, constraint: r.shapeConstraints[k] })),
          ...(r.rate ? [{ name: 'rate', kind: 'rate' as const }] : []),
          ...(r.norm !== undefined
            ? [{ name: 'norm', kind: 'normalisation' as const, constraint: r.norm === 'free' ? { kind: 'free' as const } : { kind: 'normal' as const, mean: 1, sigma: r.norm } }]
            : []),
        ],
      };
      const layout = templateLayout(spec);
      const B = r.bins;
      return fc
        .tuple(
          fc.array(fc.double({ min: 1, max: 30, noNaN: true }), { minLength: B, maxLength: B }),
          fc.array(fc.double({ min: 20, max: 200, noNaN: true }), { minLength: B * r.nBkg, maxLength: B * r.nBkg }),
          fc.array(fc.tuple(fc.double({ min: 0.05, max: 0.25, noNaN: true }), fc.boolean(), fc.double({ min: 0.5, max: 1.5, noNaN: true })), { minLength: layout.length * B, maxLength: layout.length * B }),
          fc.array(fc.double({ min: 0.01, max: 0.2, noNaN: true }), { minLength: layout.length * B, maxLength: layout.length * B }),
        )
        .map(([sig, bkg, shifts, relw2]) => {
          const counts = new Float64Array(layout.length * B);
          const nominalOf = (sample: string, b: number) => (sample === 'signal' ? sig[b] : bkg[Number(sample.slice(3)) * B + b]);
          layout.forEach((e) => {
            for (let b = 0; b < B; b++) {
              const nom = nominalOf(e.sample, b);
              const i = e.offset + b;
              // up and down share the draw of the up entry (offset of up = offset of down - B)
              const [d, negative, k] = shifts[e.role === 'down' ? i - B : i];
              const delta = negative ? -d : d;
              counts[i] =
                e.role === 'nominal' ? nom : e.role === 'sumw2' ? nom * relw2[i] : e.role === 'up' ? nom * (1 + delta) : nom * (1 - k * delta);
            }
          });
          return { spec, counts };
        });
    });
}

/** A multi-channel template model (the full form) and counts that fit its layout. */
export interface MultiChannelTemplateCase {
  readonly spec: TemplateSpec;
  readonly counts: Float64Array;
}

/** Options of {@link multiChannelTemplateCaseArb}. */
export interface MultiChannelTemplateCaseArbOptions {
  /** Bins of the signal region and the sideband; default 2-4. */
  readonly minBins?: number;
  readonly maxBins?: number;
  /** Allow a free (unconstrained) shape nuisance "jes"; default false. */
  readonly freeShapes?: boolean;
}

/** A small deterministic generator (mulberry32) for the values of a drawn structure. */
function uniforms(seed: number): (lo: number, hi: number) => number {
  let a = seed >>> 0;
  return (lo, hi) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return lo + ((((t ^ (t >>> 14)) >>> 0) / 4294967296) * (hi - lo));
  };
}

/**
 * A random multi-channel template model with all seven pyhf modifier types, learned and given
 * yields, and counts for its learned slots:
 *
 * - `SR` (learned, 2-4 bins): `signal` (normfactor `mu`, sometimes `lumi` and a learned
 *   histosys `theory`, staterror `stat_SR`), `bkg1` (normfactor `k1`, learned histosys `jes`,
 *   normsys `xs`, staterror `stat_SR`), `bkg2` (shapesys `bkg2_mc` learned or given, sometimes
 *   `stat_SR` too — then both share its sumw2 slot — and `lumi`), `bkg3` (shapefactor `sf`);
 * - `CR` (given yields, 2-3 bins): `bkg1` (`k1`, histosys `jes` with data, staterror `stat_CR`
 *   with data, sometimes `lumi`), `bkg2` (shapesys `bkg2_cr` with data);
 * - `SB` (the sideband fixing `sf`, bins of SR, learned or given): `bkg3` (`sf`, staterror
 *   `stat_SB`), a little `bkg1` (`k1`, `jes`).
 *
 * `k1` is free or N(1, 0.05-0.3); `jes` N(0, s) with s in [0.5, 2] (or free with `freeShapes`),
 * `xs` and `theory` N(0, 1); sometimes bounds on `sf`. Yields: signal 10-50 per bin, backgrounds
 * 20-200 (`bkg3` 5-20 in SR), shape shifts of 5-25% (asymmetric), sumw2 = nominal x 0.01-0.2.
 * Every parameter is identified by the Asimov data (CR fixes `k1`, SB fixes `sf`).
 *
 * @example
 * ```ts
 * fc.assert(fc.property(multiChannelTemplateCaseArb(), ({ spec, counts }) => new TemplateModel(spec).size === counts.length));
 * ```
 */
export function multiChannelTemplateCaseArb(options: MultiChannelTemplateCaseArbOptions = {}): fc.Arbitrary<MultiChannelTemplateCase> {
  const { minBins = 2, maxBins = 4, freeShapes = false } = options;
  return fc
    .record({
      bins: fc.integer({ min: minBins, max: maxBins }),
      crBins: fc.integer({ min: 2, max: 3 }),
      lumi: fc.boolean(),
      k1: fc.oneof(fc.constant('free' as const), fc.double({ min: 0.05, max: 0.3, noNaN: true })),
      jes: fc.oneof(fc.constant(1), fc.double({ min: 0.5, max: 2, noNaN: true }), ...(freeShapes ? [fc.constant('free' as const)] : [])),
      xs: fc.record({ hi: fc.double({ min: 1.02, max: 1.3, noNaN: true }), lo: fc.double({ min: 0.7, max: 0.98, noNaN: true }) }),
      shapesysLearned: fc.boolean(),
      sharedSlot: fc.boolean(),
      theory: fc.boolean(),
      sideband: fc.constantFrom('learned' as const, 'given' as const),
      sfBounds: fc.boolean(),
      seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    })
    .map((r) => {
      const u = uniforms(r.seed);
      const B = r.bins;
      const C = r.crBins;
      const draw = (n: number, lo: number, hi: number) => Array.from({ length: n }, () => u(lo, hi));
      const shift = (nom: readonly number[]) => {
        const d = nom.map(() => (u(0, 1) < 0.5 ? -1 : 1) * u(0.05, 0.25));
        const k = nom.map(() => u(0.5, 1.5));
        return { up: nom.map((x, b) => x * (1 + d[b])), down: nom.map((x, b) => x * (1 - k[b] * d[b])) };
      };
      const sumw2 = (nom: readonly number[]) => nom.map((x) => x * u(0.01, 0.2));
      const lumi: TemplateModifier[] = r.lumi ? [{ type: 'lumi', name: 'lumi' }] : [];
      // learned values, by slot key
      const learned = new Map<string, number[]>();
      const learn = (key: string, values: number[]) => learned.set(key, values);
      // SR: everything learned
      const sig = draw(B, 10, 50);
      const b1 = draw(B, 20, 200);
      const b2 = draw(B, 20, 200);
      const b3 = draw(B, 5, 20);
      learn('SR/signal/nominal', sig);
      if (r.theory) {
        const t = shift(sig);
        learn('SR/signal/up/theory', t.up);
        learn('SR/signal/down/theory', t.down);
      }
      learn('SR/signal/sumw2', sumw2(sig));
      learn('SR/bkg1/nominal', b1);
      const jes = shift(b1);
      learn('SR/bkg1/up/jes', jes.up);
      learn('SR/bkg1/down/jes', jes.down);
      learn('SR/bkg1/sumw2', sumw2(b1));
      learn('SR/bkg2/nominal', b2);
      const b2w2 = sumw2(b2);
      if (r.shapesysLearned || r.sharedSlot) learn('SR/bkg2/sumw2', b2w2);
      learn('SR/bkg3/nominal', b3);
      const sr: TemplateSampleSpec[] = [
        {
          name: 'signal',
          data: 'learned',
          modifiers: [{ type: 'normfactor', name: 'mu' }, ...lumi, ...(r.theory ? [{ type: 'histosys' as const, name: 'theory' }] : []), { type: 'staterror', name: 'stat_SR' }],
        },
        { name: 'bkg1', data: 'learned', modifiers: [{ type: 'normfactor', name: 'k1' }, { type: 'histosys', name: 'jes' }, { type: 'normsys', name: 'xs', hi: r.xs.hi, lo: r.xs.lo }, { type: 'staterror', name: 'stat_SR' }] },
        {
          name: 'bkg2',
          data: 'learned',
          modifiers: [
            r.shapesysLearned ? { type: 'shapesys', name: 'bkg2_mc' } : { type: 'shapesys', name: 'bkg2_mc', data: b2w2.map(Math.sqrt) },
            ...(r.sharedSlot ? [{ type: 'staterror' as const, name: 'stat_SR' }] : []),
            ...lumi,
          ],
        },
        { name: 'bkg3', data: 'learned', modifiers: [{ type: 'shapefactor', name: 'sf' }] },
      ];
      // CR: given yields
      const c1 = draw(C, 100, 200);
      const c2 = draw(C, 20, 60);
      const cj = shift(c1);
      const cr: TemplateSampleSpec[] = [
        {
          name: 'bkg1',
          data: c1,
          modifiers: [
            { type: 'normfactor', name: 'k1' },
            { type: 'histosys', name: 'jes', data: { hi_data: cj.up, lo_data: cj.down } },
            { type: 'staterror', name: 'stat_CR', data: sumw2(c1).map(Math.sqrt) },
            ...lumi,
          ],
        },
        { name: 'bkg2', data: c2, modifiers: [{ type: 'shapesys', name: 'bkg2_cr', data: sumw2(c2).map(Math.sqrt) }] },
      ];
      // SB: bkg3 learned or given, a little bkg1 given
      const s3 = draw(B, 50, 200);
      const s1 = draw(B, 5, 15);
      const sj = shift(s1);
      const sbLearned = r.sideband === 'learned';
      if (sbLearned) {
        learn('SB/bkg3/nominal', s3);
        learn('SB/bkg3/sumw2', sumw2(s3));
      }
      const sb: TemplateSampleSpec[] = [
        {
          name: 'bkg3',
          data: sbLearned ? 'learned' : s3,
          modifiers: [{ type: 'shapefactor', name: 'sf' }, sbLearned ? { type: 'staterror', name: 'stat_SB' } : { type: 'staterror', name: 'stat_SB', data: sumw2(s3).map(Math.sqrt) }],
        },
        { name: 'bkg1', data: s1, modifiers: [{ type: 'normfactor', name: 'k1' }, { type: 'histosys', name: 'jes', data: { hi_data: sj.up, lo_data: sj.down } }] },
      ];
      const nuisances: TemplateParameterSpec[] = [
        { name: 'k1', constraint: r.k1 === 'free' ? { kind: 'free' } : { kind: 'normal', mean: 1, sigma: r.k1 } },
        { name: 'jes', constraint: r.jes === 'free' ? { kind: 'free' } : { kind: 'normal', mean: 0, sigma: r.jes } },
        ...(r.sfBounds ? [{ name: 'sf', bounds: [0, 5] as [number, number] }] : []),
      ];
      const spec: TemplateSpec = {
        channels: [
          { name: 'SR', bins: B, samples: sr },
          { name: 'CR', bins: C, samples: cr },
          { name: 'SB', bins: B, samples: sb },
        ],
        poi: { name: 'mu', bounds: [0, 10] },
        nuisances,
        ...(r.lumi ? { lumi: { auxdata: 1, sigma: 0.02 } } : {}),
      };
      const layout = templateLayout(spec);
      const counts = new Float64Array(layout.reduce((n, e) => n + e.bins, 0));
      for (const e of layout) {
        const key = `${e.channel}/${e.sample}/${e.role}${e.role === 'up' || e.role === 'down' ? `/${e.modifier}` : ''}`;
        const v = learned.get(key);
        if (!v) throw new Error(`multiChannelTemplateCaseArb: no values for slot ${key}`);
        counts.set(v, e.offset);
      }
      return { spec, counts };
    });
}

const yieldArb = fc.double({ min: 0.5, max: 60, noNaN: true });
const factorArb = fc.double({ min: 0.6, max: 1.5, noNaN: true });

function sampleArb(name: string, channel: string, nBins: number, isSignal: boolean): fc.Arbitrary<Sample> {
  return fc
    .record({
      data: fc.array(yieldArb, { minLength: nBins, maxLength: nBins }),
      normsys: fc.subarray(['jes', 'xsec', 'eff'], { minLength: 0 }),
      histosys: fc.subarray(['jes', 'shape'], { minLength: 0 }),
      hiLo: fc.array(fc.tuple(factorArb, factorArb), { minLength: 3, maxLength: 3 }),
      shift: fc.array(fc.tuple(factorArb, factorArb), { minLength: nBins, maxLength: nBins }),
      lumi: fc.boolean(),
      staterror: fc.boolean(),
      shapesys: fc.boolean(),
      shapefactor: fc.boolean(),
      relunc: fc.array(fc.double({ min: 0.02, max: 0.3, noNaN: true }), { minLength: nBins, maxLength: nBins }),
    })
    .map((r) => {
      const mods: Modifier[] = [];
      if (isSignal) mods.push({ name: 'mu', type: 'normfactor', data: null });
      if (r.lumi) mods.push({ name: 'lumi', type: 'lumi', data: null });
      r.normsys.forEach((n, i) => mods.push({ name: n, type: 'normsys', data: { hi: r.hiLo[i][0], lo: r.hiLo[i][1] } }));
      for (const n of r.histosys) {
        mods.push({
          name: n,
          type: 'histosys',
          data: { hi_data: r.data.map((x, b) => x * r.shift[b][0]), lo_data: r.data.map((x, b) => x * r.shift[b][1]) },
        });
      }
      if (r.staterror) mods.push({ name: `stat_${channel}`, type: 'staterror', data: r.data.map((x, b) => x * r.relunc[b]) });
      if (!isSignal && r.shapesys) mods.push({ name: `shapesys_${channel}_${name}`, type: 'shapesys', data: r.data.map((x, b) => x * r.relunc[b]) });
      if (!isSignal && r.shapefactor) mods.push({ name: `sf_${channel}`, type: 'shapefactor', data: null });
      return { name, data: r.data, modifiers: mods };
    });
}

function channelArb(name: string): fc.Arbitrary<Channel> {
  return fc.integer({ min: 1, max: 4 }).chain((nBins) =>
    fc.integer({ min: 1, max: 2 }).chain((nBkg) =>
      fc
        .tuple(sampleArb('signal', name, nBins, true), ...Array.from({ length: nBkg }, (_, i) => sampleArb(`bkg${i}`, name, nBins, false)))
        .map((samples) => ({ name, samples })),
    ),
  );
}

/**
 * A random valid workspace: 1-2 channels of 1-4 bins, a signal with POI `mu`, 1-2 backgrounds,
 * every modifier type (normsys, histosys, lumi, staterror, shapesys, shapefactor), observations
 * of 0-80 events.
 *
 * @example
 * ```ts
 * fc.assert(fc.property(workspaceArb, (ws) => buildModel(ws).nPars > 0));
 * ```
 */
export const workspaceArb: fc.Arbitrary<Workspace> = fc.integer({ min: 1, max: 2 }).chain((nChannels) =>
  fc
    .tuple(...Array.from({ length: nChannels }, (_, i) => channelArb(i === 0 ? 'SR' : 'CR')))
    .chain((channels) =>
      fc
        .tuple(...channels.map((c) => fc.array(fc.integer({ min: 0, max: 80 }), { minLength: c.samples[0].data.length, maxLength: c.samples[0].data.length })))
        .map((obs) => ({
          channels,
          observations: channels.map((c, i) => ({ name: c.name, data: obs[i] })),
          measurements: [
            {
              name: 'meas',
              config: {
                poi: 'mu',
                parameters: [{ name: 'lumi', auxdata: [1], sigmas: [0.05], bounds: [[0.5, 1.5]] as [number, number][], inits: [1] }],
              },
            },
          ],
          version: '1.0.0',
        })),
    ),
);

/** Options of {@link hardWorkspaceArb}. */
export interface HardWorkspaceArbOptions {
  /** Largest number of channels; default 3. */
  readonly maxChannels?: number;
  /** Largest number of bins per channel; default 4. */
  readonly maxBins?: number;
}

/** How the two templates of a histosys (or the two factors of a normsys) sit around nominal. */
const SIDES = ['same-side', 'opposite', 'one-sided'] as const;

/** A relative shift: down by up to 90% or up by up to 150% (the sign picks the side). */
const shiftArb = fc.tuple(fc.boolean(), fc.double({ min: 0.05, max: 1, noNaN: true }));
const shiftValue = ([up, m]: [boolean, number]): number => (up ? 1.5 * m : -0.9 * m);

/**
 * The two variations of a histosys bin or normsys factor as multiples of nominal, from a side
 * pattern and two shift draws: `same-side` (hi and lo both above or both below nominal, the
 * shape pyhf's code4p turns into a non-monotonic, non-convex rate), `opposite` (the usual
 * case, independent sizes) or `one-sided` (lo = nominal).
 */
function variationFactors(side: (typeof SIDES)[number], a: [boolean, number], b: [boolean, number]): [number, number] {
  const hi = 1 + shiftValue(a);
  if (side === 'one-sided') return [hi, 1];
  const mb = Math.abs(shiftValue(b));
  const lo = side === 'same-side' ? (a[0] ? 1 + mb : 1 - Math.min(mb, 0.9)) : a[0] ? 1 - Math.min(mb, 0.9) : 1 + mb;
  return [hi, lo];
}

const HISTOSYS_POOL = ['hs_a', 'hs_b', 'hs_c'] as const;
const NORMSYS_POOL = ['ns_a', 'ns_b'] as const;

function hardSampleArb(name: string, channel: string, nBins: number, isSignal: boolean): fc.Arbitrary<Sample> {
  const side = fc.constantFrom(...SIDES);
  return fc
    .record({
      data: fc.array(fc.double({ min: 0.3, max: isSignal ? 8 : 25, noNaN: true }), { minLength: nBins, maxLength: nBins }),
      histosys: fc.subarray([...HISTOSYS_POOL], { minLength: isSignal ? 0 : 1 }),
      histosysShape: fc.array(fc.tuple(side, fc.array(fc.tuple(shiftArb, shiftArb), { minLength: nBins, maxLength: nBins })), { minLength: 3, maxLength: 3 }),
      normsys: fc.subarray([...NORMSYS_POOL]),
      normsysFactors: fc.array(fc.tuple(side, shiftArb, shiftArb), { minLength: 2, maxLength: 2 }),
      // a histosys name reused as a normsys of this sample (pyhf merges them into one parameter)
      sharedHistoNorm: fc.tuple(fc.integer({ min: 0, max: 5 }), fc.constantFrom(...HISTOSYS_POOL)).map(([k, n]) => (k === 0 ? n : undefined)),
      lumi: fc.integer({ min: 0, max: 3 }).map((k) => k === 0),
      staterror: fc.integer({ min: 0, max: 2 }).map((k) => k === 0),
      shapesys: fc.integer({ min: 0, max: 4 }).map((k) => k === 0),
      normfactor: fc.integer({ min: 0, max: 4 }).map((k) => k === 0),
      relunc: fc.array(fc.double({ min: 0.05, max: 0.5, noNaN: true }), { minLength: nBins, maxLength: nBins }),
    })
    .map((r) => {
      const mods: Modifier[] = [];
      if (isSignal) mods.push({ name: 'mu', type: 'normfactor', data: null });
      else if (r.normfactor) mods.push({ name: 'k_bkg', type: 'normfactor', data: null });
      if (r.lumi) mods.push({ name: 'lumi', type: 'lumi', data: null });
      r.histosys.forEach((n) => {
        const [s, bins] = r.histosysShape[HISTOSYS_POOL.indexOf(n as (typeof HISTOSYS_POOL)[number])];
        const f = bins.map(([a, b]) => variationFactors(s, a, b));
        mods.push({ name: n, type: 'histosys', data: { hi_data: r.data.map((x, i) => x * f[i][0]), lo_data: r.data.map((x, i) => x * f[i][1]) } });
      });
      const normsys = [...r.normsys, ...(r.sharedHistoNorm && !r.histosys.includes(r.sharedHistoNorm) ? [r.sharedHistoNorm] : [])];
      normsys.forEach((n, i) => {
        const [s, a, b] = r.normsysFactors[i % 2];
        const [hi, lo] = variationFactors(s, [a[0], 0.6 * a[1]], [b[0], 0.6 * b[1]]);
        mods.push({ name: n, type: 'normsys', data: { hi, lo } });
      });
      if (r.staterror) mods.push({ name: `stat_${channel}`, type: 'staterror', data: r.data.map((x, b) => x * r.relunc[b]) });
      if (!isSignal && r.shapesys) mods.push({ name: `shapesys_${channel}_${name}`, type: 'shapesys', data: r.data.map((x, b) => x * r.relunc[b]) });
      return { name, data: r.data, modifiers: mods };
    });
}

/**
 * Random workspaces on which 2NLL has several minima: 1-3 channels (by default) of 1-4 bins,
 * small yields (signal 0.3-8, backgrounds 0.3-25 per bin), 1-2 backgrounds, histosys modifiers
 * drawn from a pool of three names shared across samples and channels with strongly asymmetric
 * templates (hi and lo on the same side of nominal, one-sided, or opposite with independent
 * sizes; shifts down to -90% and up to +150%), normsys from a pool of two shared names (same
 * patterns, up to +-60%), sometimes a histosys name reused as a normsys, and now and then
 * lumi, staterror, shapesys and a free background normfactor. The POI `mu` scales the signal.
 * Observed counts are the nominal total times a factor in [0.2, 2.5], rounded, and at least 1
 * (an empty bin lets rates driven negative by the extrapolation lower 2NLL without bound).
 *
 * @example
 * ```ts
 * const [ws] = fc.sample(hardWorkspaceArb(), { seed: 1, numRuns: 1 });
 * buildModel(parseWorkspace(ws)).nPars; // a few to ~20
 * ```
 */
export function hardWorkspaceArb(options: HardWorkspaceArbOptions = {}): fc.Arbitrary<Workspace> {
  const { maxChannels = 3, maxBins = 4 } = options;
  const channel = (name: string): fc.Arbitrary<Channel> =>
    fc.record({ nBins: fc.integer({ min: 1, max: maxBins }), nBkg: fc.integer({ min: 1, max: 2 }) }).chain(({ nBins, nBkg }) =>
      fc
        .tuple(hardSampleArb('signal', name, nBins, true), ...Array.from({ length: nBkg }, (_, i) => hardSampleArb(`bkg${i}`, name, nBins, false)))
        .map((samples) => ({ name, samples })),
    );
  return fc.integer({ min: 1, max: maxChannels }).chain((nChannels) =>
    fc
      .tuple(...Array.from({ length: nChannels }, (_, i) => channel(`ch${i}`)))
      .chain((channels) =>
        fc
          .tuple(...channels.map((c) => fc.array(fc.double({ min: 0.2, max: 2.5, noNaN: true }), { minLength: c.samples[0].data.length, maxLength: c.samples[0].data.length })))
          .map((ratios) => ({
            channels,
            observations: channels.map((c, i) => ({
              name: c.name,
              // at least one event per bin: with n = 0 a rate the extrapolation drives negative
              // lowers 2NLL without bound (-2 ln Pois(0 | lambda) = 2 lambda), and the "minimum"
              // is a corner of the box rather than a fit
              data: ratios[i].map((f, b) => Math.max(1, Math.round(f * c.samples.reduce((a, s) => a + s.data[b], 0)))),
            })),
            measurements: [
              {
                name: 'meas',
                config: {
                  poi: 'mu',
                  parameters: [{ name: 'lumi', auxdata: [1], sigmas: [0.1], bounds: [[0.5, 1.5]] as [number, number][], inits: [1] }],
                },
              },
            ],
            version: '1.0.0',
          })),
      ),
  );
}
