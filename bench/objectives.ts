/**
 * Micro-benchmark of the differentiable objectives: value + gradient with respect to the counts
 * (median of REPEAT calls after a warm-up) for template models of 10, 20 and 50 bins with 2, 5
 * and 10 shape nuisances (N(0, 1)-constrained histosys on the background, counts from smooth
 * falling/rising spectra). Target: under 1 ms for 20 bins and 5 nuisances.
 */
import {
  cramerRaoWidth,
  discoverySignificance,
  expectedCls,
  profileWidth,
  type ObjectiveResult,
} from '../src/stats/objectives/index.js';
import { TemplateModel, type SingleChannelTemplateSpec as TemplateSpec } from '../src/stats/templates/index.js';

export interface ObjectiveBenchRow {
  readonly objective: string;
  readonly bins: number;
  readonly nuisances: number;
  readonly countsLength: number;
  readonly valueAndGradientMs: number;
}

const REPEAT = 21;

/** A signal peaking at high bin index over a falling background; nuisance k tilts the background. */
export function benchTemplate(bins: number, nuisances: number): { tm: TemplateModel; counts: Float64Array } {
  const shapes = Array.from({ length: nuisances }, (_, k) => `alpha_${k}`);
  const spec: TemplateSpec = {
    bins,
    poi: { bounds: [0, 10] },
    samples: [{ name: 'signal', signal: true }, { name: 'background', shapes }],
    nuisances: shapes.map((name) => ({ name, kind: 'shape' as const })),
  };
  const tm = new TemplateModel(spec);
  const counts = new Float64Array(tm.size);
  for (const e of tm.layout) {
    for (let b = 0; b < bins; b++) {
      const x = (b + 0.5) / bins;
      const sig = 2 + 60 * Math.exp(-((x - 0.8) ** 2) / 0.02) / bins * 10;
      const bkg = (1000 * Math.exp(-3 * x)) / bins * 5;
      const k = e.nuisance ? Number(e.nuisance.slice(6)) : 0;
      const tilt = 0.05 * Math.sin((k + 1) * 3.1 * x + k);
      counts[e.offset + b] = e.sample === 'signal' ? sig : e.role === 'nominal' ? bkg : e.role === 'up' ? bkg * (1 + tilt) : bkg * (1 - 0.8 * tilt);
    }
  }
  return { tm, counts };
}

const OBJECTIVES: Array<[string, (tm: TemplateModel, c: Float64Array) => ObjectiveResult]> = [
  ['cramerRaoWidth', (tm, c) => cramerRaoWidth(tm, c)],
  ['profileWidth', (tm, c) => profileWidth(tm, c)],
  ['expectedCls', (tm, c) => expectedCls(tm, c)],
  ['discoverySignificance', (tm, c) => discoverySignificance(tm, c)],
];

export function runObjectivesBench(): ObjectiveBenchRow[] {
  const rows: ObjectiveBenchRow[] = [];
  for (const bins of [10, 20, 50]) {
    for (const nuisances of [2, 5, 10]) {
      const { tm, counts } = benchTemplate(bins, nuisances);
      for (const [objective, run] of OBJECTIVES) {
        for (let i = 0; i < 3; i++) run(tm, counts); // warm-up (JIT)
        const times: number[] = [];
        for (let i = 0; i < REPEAT; i++) {
          const t = performance.now();
          run(tm, counts);
          times.push(performance.now() - t);
        }
        times.sort((a, b) => a - b);
        rows.push({ objective, bins, nuisances, countsLength: tm.size, valueAndGradientMs: times[REPEAT >> 1] });
      }
    }
  }
  return rows;
}
