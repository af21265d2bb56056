/**
 * Bins a template model cannot use as they are: no expected events, or a sample whose nominal
 * is empty (or tiny, e.g. a training floor) while a variation is not, so that the histosys
 * interpolation gives a negative rate next to the nominal point and fits and CLs fail. Such a
 * bin is merged into its neighbour in the same channel (every count array and every given
 * yield summed — uncertainties in quadrature — so no event is lost and the likelihood is the
 * one of the coarser binning), repeatedly, until no bin has the problem.
 */
import { InputError } from '../errors.js';
import type { TemplateChannelSpec, TemplateModifier, TemplateSampleSpec, TemplateSpec } from './spec.js';
import type { TemplateModel } from './template-model.js';

/** What {@link mergeDegenerateBins} returns. */
export interface MergedBins {
  /** The template model of the merged bins (the input model when nothing was merged). */
  readonly templateModel: TemplateModel;
  readonly counts: Float64Array;
  /**
   * Per merged bin (channels in spec order): the bins of the input it sums, numbered over the
   * channels in spec order (channel c's bin b is the sum of the earlier channels' bins plus b).
   */
  readonly groups: readonly (readonly number[])[];
  /** Per channel: per merged bin, the channel's input bins it sums. */
  readonly channelGroups: Readonly<Record<string, readonly (readonly number[])[]>>;
  /** One line per merge: which bins and why. */
  readonly notes: readonly string[];
}

/**
 * Merges every bin that {@link TemplateModel.rateProblem} refuses into the adjacent bin of its
 * channel with more expected events (ties: the lower one), the first such bin first (channels
 * in spec order), until none is left.
 *
 * @param options.refuse throw an InputError naming the first such bin instead of merging
 * @throws InputError when even a single bin of a channel has the problem (a sample with no
 *   nominal events at all but a variation that has some), or with `refuse`.
 * @example
 * ```ts
 * const { templateModel, counts, groups } = mergeDegenerateBins(tm, counts);
 * templateModel.compile(counts); // what exportWorkspace writes
 * ```
 */
export function mergeDegenerateBins(tm: TemplateModel, counts: ArrayLike<number>, options: { refuse?: boolean } = {}): MergedBins {
  const TemplateModelClass = tm.constructor as new (spec: TemplateSpec) => TemplateModel;
  const one = tm.spec.channels.length === 1;
  let model = tm;
  let c = Float64Array.from(counts);
  const groups: number[][][] = tm.spec.channels.map((ch) => Array.from({ length: ch.bins }, (_, b) => [b]));
  const notes: string[] = [];
  for (;;) {
    const ext = model.extendedCounts(c);
    let bad: { ci: number; bin: number; why: string } | undefined;
    for (let ci = 0; ci < model.spec.channels.length && !bad; ci++) {
      for (let b = 0; b < model.spec.channels[ci].bins && !bad; b++) {
        const why = model.rateProblemAt(ext, ci, b);
        if (why) bad = { ci, bin: b, why };
      }
    }
    if (!bad) break;
    const { ci, bin, why } = bad;
    const ch = model.spec.channels[ci];
    const g = groups[ci];
    const where = one ? '' : `channel "${ch.name}" `;
    const label = `${where}template bin${g[bin].length > 1 ? 's' : ''} ${g[bin].join('+')}`;
    if (options.refuse) throw new InputError('argument', `counts, ${label}`, `${why}; merge it with a neighbour (exportWorkspace merges such bins unless mergeBins is false)`);
    if (ch.bins === 1) throw new InputError('argument', one ? 'counts' : `counts, channel "${ch.name}"`, `${why}, with every bin merged into one`);
    const left = bin - 1;
    const right = bin + 1;
    const into = right >= ch.bins || (left >= 0 && model.nominalTotalAt(ext, ci, left) >= model.nominalTotalAt(ext, ci, right)) ? left : right;
    const [a, b] = into < bin ? [into, bin] : [bin, into];
    notes.push(`${label} merged with ${g[into].join('+')}: ${why}`);
    const next = new TemplateModelClass(mergeSpec(model.spec, ci, a, b));
    const merged = new Float64Array(next.size);
    model.layout.forEach((e, k) => {
      const to = next.layout[k];
      if (e.channel !== ch.name) {
        merged.set(c.subarray(e.offset, e.offset + e.bins), to.offset);
        return;
      }
      merged.set(mergeSum(c.subarray(e.offset, e.offset + e.bins), a, b), to.offset);
    });
    groups[ci] = [...g.slice(0, a), [...g[a], ...g[b]], ...g.slice(b + 1)];
    model = next;
    c = merged;
  }
  let offset = 0;
  const flat: number[][] = [];
  tm.spec.channels.forEach((ch, ci) => {
    for (const grp of groups[ci]) flat.push(grp.map((x) => x + offset));
    offset += ch.bins;
  });
  return { templateModel: model, counts: c, groups: flat, channelGroups: Object.fromEntries(tm.spec.channels.map((ch, ci) => [ch.name, groups[ci]])), notes };
}

/** `values` with bin b added into bin a (a < b) and removed. */
function mergeSum(values: ArrayLike<number>, a: number, b: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) {
    if (i === b) continue;
    out.push(values[i] + (i === a ? values[b] : 0));
  }
  return out;
}

/** Uncertainties: bin b added into bin a in quadrature. */
function mergeQuadrature(values: ArrayLike<number>, a: number, b: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) {
    if (i === b) continue;
    out.push(i === a ? Math.hypot(values[a], values[b]) : values[i]);
  }
  return out;
}

/** The spec with bin b of channel ci merged into bin a: the channel's given yields summed, uncertainties in quadrature. */
function mergeSpec(spec: TemplateSpec, ci: number, a: number, b: number): TemplateSpec {
  const modifier = (m: TemplateModifier): TemplateModifier => {
    if (m.type === 'histosys' && m.data) return { ...m, data: { hi_data: mergeSum(m.data.hi_data, a, b), lo_data: mergeSum(m.data.lo_data, a, b) } };
    if ((m.type === 'staterror' || m.type === 'shapesys') && m.data) return { ...m, data: mergeQuadrature(m.data, a, b) };
    return m;
  };
  const sample = (s: TemplateSampleSpec): TemplateSampleSpec => ({ ...s, data: s.data === 'learned' ? 'learned' : mergeSum(s.data, a, b), modifiers: s.modifiers.map(modifier) });
  const channels: TemplateChannelSpec[] = spec.channels.map((ch, i) => (i === ci ? { ...ch, bins: ch.bins - 1, samples: ch.samples.map(sample) } : ch));
  return { ...spec, channels };
}

/** Sums `values` (one per input bin) over each group of bins. */
export function sumGroups(values: ArrayLike<number>, groups: readonly (readonly number[])[]): number[] {
  return groups.map((g) => g.reduce((sum, b) => sum + values[b], 0));
}
