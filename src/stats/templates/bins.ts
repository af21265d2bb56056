/**
 * Bins a template model cannot use as they are: no expected events, or a sample whose nominal
 * is empty (or tiny, e.g. a training floor) while a variation is not, so that the histosys
 * interpolation gives a negative rate next to the nominal point and fits and CLs fail. Such a
 * bin is merged into its neighbour (every count array summed, so no event is lost and the
 * likelihood is the one of the coarser binning), repeatedly, until no bin has the problem.
 */
import { InputError } from '../errors.js';
import type { TemplateModel } from './template-model.js';

/** What {@link mergeDegenerateBins} returns. */
export interface MergedBins {
  /** The template model of the merged bins (the input model when nothing was merged). */
  readonly templateModel: TemplateModel;
  readonly counts: Float64Array;
  /** Per merged bin: the bins of the input it sums, in order. */
  readonly groups: readonly (readonly number[])[];
  /** One line per merge: which bins and why. */
  readonly notes: readonly string[];
}

/**
 * Merges every bin that {@link TemplateModel.rateProblem} refuses into the adjacent bin with
 * more expected events (ties: the lower one), the lowest such bin first, until none is left.
 *
 * @param options.refuse throw an InputError naming the first such bin instead of merging
 * @throws InputError when even a single bin of everything has the problem (a sample with no
 *   nominal events at all but a variation that has some), or with `refuse`.
 * @example
 * ```ts
 * const { templateModel, counts, groups } = mergeDegenerateBins(tm, counts);
 * templateModel.compile(counts); // what exportWorkspace writes
 * ```
 */
export function mergeDegenerateBins(tm: TemplateModel, counts: Float64Array, options: { refuse?: boolean } = {}): MergedBins {
  const arrays = tm.layout.length;
  let B = tm.spec.bins;
  let c = Float64Array.from(counts);
  let groups: number[][] = Array.from({ length: B }, (_, b) => [b]);
  const notes: string[] = [];
  const nominalTotal = (bin: number) => tm.layout.reduce((sum, e, k) => sum + (e.role === 'nominal' ? c[k * B + bin] : 0), 0);
  for (;;) {
    let bad = -1;
    let why: string | undefined;
    for (let b = 0; b < B && bad < 0; b++) {
      why = tm.rateProblem(c, B, b);
      if (why) bad = b;
    }
    if (bad < 0) break;
    const label = `template bin${groups[bad].length > 1 ? 's' : ''} ${groups[bad].join('+')}`;
    if (options.refuse) throw new InputError('argument', `counts, ${label}`, `${why}; merge it with a neighbour (exportWorkspace merges such bins unless mergeBins is false)`);
    if (B === 1) throw new InputError('argument', 'counts', `${why}, with every bin merged into one`);
    const left = bad - 1;
    const right = bad + 1;
    const into = right >= B || (left >= 0 && nominalTotal(left) >= nominalTotal(right)) ? left : right;
    const [a, b] = into < bad ? [into, bad] : [bad, into];
    notes.push(`${label} merged with ${groups[into].join('+')}: ${why}`);
    const next = new Float64Array(arrays * (B - 1));
    for (let k = 0; k < arrays; k++) {
      let j = 0;
      for (let bin = 0; bin < B; bin++) {
        if (bin === b) continue;
        next[k * (B - 1) + j] = c[k * B + bin] + (bin === a ? c[k * B + b] : 0);
        j++;
      }
    }
    groups = [...groups.slice(0, a), [...groups[a], ...groups[b]], ...groups.slice(b + 1)];
    c = next;
    B--;
  }
  if (B === tm.spec.bins) return { templateModel: tm, counts: c, groups, notes };
  const TemplateModelClass = tm.constructor as new (spec: TemplateModel['spec']) => TemplateModel;
  return { templateModel: new TemplateModelClass({ ...tm.spec, bins: B }), counts: c, groups, notes };
}

/** Sums `values` (one per input bin) over each group of bins. */
export function sumGroups(values: ArrayLike<number>, groups: readonly (readonly number[])[]): number[] {
  return groups.map((g) => g.reduce((sum, b) => sum + values[b], 0));
}
