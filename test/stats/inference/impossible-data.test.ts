/**
 * Cases 25 and 27 observe events in bins whose only sample is the signal: at mu = 0 the
 * likelihood is zero for every nuisance value. pyhf fails there ("Inequality constraints
 * incompatible"); diffinfer must fail too, and say where and why.
 */
import { describe, expect, it } from 'vitest';
import { AsymptoticCalculator, fixedPoiFit } from '../../../src/stats/inference/index.js';
import { NumericalError } from '../../../src/stats/errors.js';
import { buildModel, observedData } from '../../../src/stats/model/index.js';
import { parseWorkspace } from '../../../src/stats/workspace/index.js';
import { loadCase } from '../../helpers/fixtures.js';

describe.each(['case-25', 'case-27'])('%s', (name) => {
  const ws = parseWorkspace(loadCase(name).workspace);
  const model = buildModel(ws);
  const data = observedData(ws, model);

  it('a fit at mu = 0 reports failure with the impossible bins', () => {
    const r = fixedPoiFit(model, data, 0);
    expect(r.converged).toBe(false);
    expect(r.diagnosis).toMatch(/zero expected rate where events were observed: channel "[^"]+" bin \d+ \(observed \d+/);
  });

  it('the hypotest throws a NumericalError naming the bins, never a NaN CLs', () => {
    const calc = new AsymptoticCalculator(model, data);
    expect(() => calc.hypotest(1)).toThrow(NumericalError);
    expect(() => calc.hypotest(1)).toThrow(/fixed at 0 \(for the Asimov data\) failed: zero expected rate/);
  });
});
