/**
 * The model against pyhf's closed-form values on 30 random workspaces: parameter order and
 * configuration, expected data and 2NLL at a point (relative 1e-10, the fixtures' tolerance).
 */
import { describe, expect, it } from 'vitest';
import { buildModel, observedData } from '../../../src/stats/model/index.js';
import { parseWorkspace } from '../../../src/stats/workspace/index.js';
import { caseNames, loadCase, worstRelative } from '../../helpers/fixtures.js';

const REL = 1e-10;

describe.each(caseNames({ examples: true }))('%s', (name) => {
  const c = loadCase(name);
  const ws = parseWorkspace(c.workspace);
  const model = buildModel(ws);
  const info = c.expected.model_info;

  it('names, orders and configures parameters as pyhf', () => {
    expect(model.parameterSets.map((p) => p.name)).toEqual(info.par_order);
    expect(model.parameterNames).toEqual(info.par_names);
    expect(model.poiIndex).toBe(info.poi_index);
    expect(Array.from(model.suggestedInit())).toEqual(info.suggested_init);
    const b = model.suggestedBounds();
    expect(Array.from(b.lower)).toEqual(info.suggested_bounds.map((x: number[]) => x[0]));
    expect(Array.from(b.upper)).toEqual(info.suggested_bounds.map((x: number[]) => x[1]));
    expect(model.suggestedFixed()).toEqual(info.suggested_fixed);
    expect(worstRelative(model.auxdata, info.auxdata)).toBeLessThan(REL);
    expect(model.channels.map((ch) => ch.name)).toEqual(info.channels);
    expect(model.samples).toEqual(info.samples);
  });

  it('gives pyhf observed data', () => {
    const d = observedData(ws, model);
    expect(worstRelative([...d.main, ...d.aux], c.expected.data)).toBeLessThan(1e-12);
  });

  if (c.expected.expected_data) it('gives pyhf expected data (main, aux, by sample) to 1e-10', () => {
    const e = c.expected.expected_data;
    const ex = model.expectedData(e.pars);
    expect(worstRelative(ex.main, e.expected_actualdata)).toBeLessThan(REL);
    expect(worstRelative(ex.aux, e.expected_auxdata)).toBeLessThan(REL);
    const bySample = model.expectedDataBySample(e.pars);
    for (const s of model.samples) expect(worstRelative(bySample[s], e.by_sample[s])).toBeLessThan(REL);
  });

  if (c.expected.twice_nll_at) it('gives pyhf twice_nll, main and constraint logpdf to 1e-10', () => {
    const t = c.expected.twice_nll_at;
    const d = observedData(ws, model);
    expect(model.twiceNll(t.pars, d)).toBeCloseTo(t.twice_nll, 8);
    expect(Math.abs(model.twiceNll(t.pars, d) - t.twice_nll)).toBeLessThan(REL * Math.abs(t.twice_nll));
    expect(Math.abs(model.mainLogPdf(t.pars, d) - t.mainlogpdf)).toBeLessThan(REL * Math.abs(t.mainlogpdf));
    expect(Math.abs(model.constraintLogPdf(t.pars, d) - t.constraint_logpdf)).toBeLessThan(REL * Math.max(1, Math.abs(t.constraint_logpdf)));
    // the derivative path computes the same value
    expect(Math.abs(model.twiceNllDerivatives(t.pars, d, true).value - t.twice_nll)).toBeLessThan(REL * Math.abs(t.twice_nll));
  });
});
