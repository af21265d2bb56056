/**
 * The method registry: one table the trainer, the CLI, the reports and the plots read — its
 * names are the report's METHODS in order, its colours the plots', each method's binning fits
 * its output (softmax for logits, equal score bins on [0, 1] for a score), the classifiers
 * (`bce` and issue 12's arms `bce-augmented`, `pivot`, `nf-ensemble`, `parameterized`) are the methods selected by their
 * validation loss, a head objective's value at given counts is the
 * objective of src/stats (the same number), and unknown names are refused with the place named.
 */
import { describe, expect, it } from 'vitest';
import { METHOD_COLORS, METHODS as REPORT_METHODS } from '../../experiments/report/index.js';
import { METHOD_NAMES, METHODS, methodOf } from '../../src/models/index.js';
import { cramerRaoWidth, expectedCls } from '../../src/stats/objectives/index.js';
import { TemplateModel } from '../../src/stats/templates/index.js';

describe('the method registry', () => {
  it('is what the reports and plots list', () => {
    expect(REPORT_METHODS).toEqual(METHOD_NAMES);
    expect(METHOD_NAMES).toEqual(['inferno', 'profile-width', 'bce', 'cls', 'z0', 'bce-augmented', 'pivot', 'nf-ensemble', 'parameterized']);
    for (const m of METHOD_NAMES) expect(METHOD_COLORS[m]).toBe(METHODS[m].color);
    expect(new Set(METHOD_NAMES.map((m) => METHODS[m].color)).size).toBe(METHOD_NAMES.length);
  });

  it('gives each method a binning that fits its output, and one selection criterion per kind of loss', () => {
    for (const m of METHOD_NAMES) {
      const b = METHODS[m].binning(4, { temperature: 0.3, bandwidth: 0.4 });
      if (METHODS[m].output === 'logits') expect(b).toEqual({ kind: 'softmax', temperature: 0.3 });
      else expect(b).toEqual({ kind: 'kde', edges: [0, 0.25, 0.5, 0.75, 1], bandwidth: { relative: 0.4 } });
      // the classifiers (bce and issue 12's arms) are selected by their validation loss
      const classifier = m === 'bce' || m === 'bce-augmented' || m === 'pivot' || m === 'nf-ensemble' || m === 'parameterized';
      expect(METHODS[m].selection).toBe(classifier ? 'validation-loss' : 'fisher-width');
      expect(METHODS[m].loss.kind).toBe(m === 'bce' ? 'bce' : classifier ? 'arm' : 'head');
    }
    expect(METHODS.inferno.binning(10)).toEqual({ kind: 'softmax', temperature: 0.1 }); // INFERNO's default
  });

  it("computes a head method's objective as src/stats does", () => {
    const tm = new TemplateModel({ bins: 3, samples: [{ name: 's', signal: true }, { name: 'b', shapes: ['r'] }], nuisances: [{ name: 'r', kind: 'shape' }] });
    const c = Float64Array.from([5, 8, 2, 50, 40, 60, 55, 41, 58, 45, 39, 62]);
    const head = (m: 'inferno' | 'cls') => {
      const loss = METHODS[m].loss;
      if (loss.kind !== 'head') throw new Error('not a head method');
      return loss.objective(tm, c, { testPoi: 1.5 }).value;
    };
    expect(head('inferno')).toBe(cramerRaoWidth(tm, c).value);
    expect(head('cls')).toBe(expectedCls(tm, c, { testPoi: 1.5 }).value);
  });

  it('refuses an unknown method, naming the place', () => {
    expect(() => methodOf('svm', 'training.method')).toThrow('training.method: unknown method "svm" (expected inferno, profile-width, bce, cls, z0, bce-augmented, pivot, nf-ensemble, parameterized)');
    expect(methodOf('z0').lossLabel('mu')).toBe('loss: -Z0 (sigma)');
  });
});
