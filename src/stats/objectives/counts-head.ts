/**
 * Adapts a template objective to the float64 bridge of src/autodiff (`float64Op`): the inputs
 * are the layout's count arrays, one array per layout entry (`entry.bins` long; or one flat array), and the
 * gradients come back split the same way. Pure JS: no tfjs import.
 */
import type { Float64Head } from '../../autodiff/float64-op.js';
import type { TemplateModel } from '../templates/template-model.js';
import type { ObjectiveResult } from './common.js';

/**
 * A {@link Float64Head} for `objective` on template model `tm`.
 *
 * @example
 * ```ts
 * const loss = float64Op(countsHead(tm, (t, c) => cramerRaoWidth(t, c)));
 * const sigma = loss(...histograms); // one [B] tensor per layout entry
 * ```
 */
export function countsHead(tm: TemplateModel, objective: (tm: TemplateModel, counts: Float64Array) => ObjectiveResult): Float64Head {
  return (inputs) => {
    let flat: Float64Array;
    if (inputs.length === 1 && inputs[0].length === tm.size) flat = inputs[0];
    else if (inputs.length === tm.layout.length && inputs.every((x, i) => x.length === tm.layout[i].bins)) {
      flat = new Float64Array(tm.size);
      inputs.forEach((x, i) => flat.set(x, tm.layout[i].offset));
    } else {
      throw new RangeError(
        `countsHead: expected ${tm.layout.length} arrays (${tm.layout.map((e) => `${e.channel}/${e.sample}.${e.role}${e.role === 'up' || e.role === 'down' ? `.${e.modifier}` : ''} [${e.bins}]`).join(', ')}) or one of ${tm.size}, got ${inputs.length} of lengths [${inputs.map((x) => x.length).join(', ')}]`,
      );
    }
    const r = objective(tm, flat);
    const gradients = inputs.length === 1 ? [r.gradient] : tm.layout.map((e) => r.gradient.subarray(e.offset, e.offset + e.bins));
    return { value: r.value, gradients };
  };
}
