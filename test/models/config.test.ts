/**
 * Analysis configs (src/models/config): the expression language of weights and selections;
 * every bad config exits with one line naming its path (unknown modifier type, a histosys with
 * only `up`, edges that do not increase, a missing column, a sample with no events after its
 * selection, NaN or all-zero weights, a POI no sample carries); a compiled config's datasets:
 * the seeded split by fraction (same seed, same split; fractions within 4 binomial standard
 * errors), weights divided by the split's fraction, weight systematics as weight sets,
 * alternative files as datasets, transforms on the features' columns; the hard templates of a
 * fixed channel equal a histogram computed here from the CSV rows (exact in float32 weights).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileAnalysis, hardTemplates, METHOD_NAMES, parseAnalysisConfig, parseExpression, type AnalysisConfigInput } from '../../src/models/index.js';

const dir = mkdtempSync(join(tmpdir(), 'config-'));

/** n seeded rows: features a, b, observable obs in [0, 4), weights w and w_up, w_dn, a flag sel. */
function writeCsv(file: string, n: number, shift: number, weight = (i: number) => 0.5 + (i % 3) * 0.25): void {
  const rows = ['a,b,obs,w,w_up,w_dn,sel'];
  for (let i = 0; i < n; i++) {
    const a = Math.sin(i * 1.7 + shift) * 2 + shift;
    const b = Math.cos(i * 0.9) * 1.5;
    const obs = ((i * 0.37) % 4) + 0.001;
    const w = weight(i);
    rows.push([a, b, obs, w, w * (1 + 0.1 * Math.sign(a)), w * (1 - 0.1 * Math.sign(a)), i % 4 === 0 ? 0 : 1].map((v) => Number(v.toFixed(5))).join(','));
  }
  writeFileSync(join(dir, file), `${rows.join('\n')}\n`);
}
writeCsv('sig.csv', 400, 1);
writeCsv('bkg.csv', 800, -0.5);
writeCsv('bkg_up.csv', 800, -0.3);
writeCsv('bkg_dn.csv', 800, -0.7);
writeCsv('nan.csv', 50, 0, (i) => (i === 7 ? NaN : 1));
writeCsv('zero.csv', 50, 0, () => 0);

const base = (): AnalysisConfigInput => ({
  name: 'toy',
  split: { train: 0.5, validation: 0.2, test: 0.3, seed: 3 },
  summary: { features: ['a', 'b'], hidden: [4], bins: 3 },
  channels: [
    {
      name: 'SR',
      selection: 'sel == 1',
      samples: [
        { name: 'sig', files: 'sig.csv', weight: 'w', modifiers: [{ type: 'normfactor', name: 'mu' }, { type: 'staterror', name: 'staterror_SR' }] },
        {
          name: 'bkg',
          files: ['bkg.csv'],
          weight: 'w',
          modifiers: [
            { type: 'histosys', name: 'wsys', weights: { up: 'w_up', down: 'w_dn' } },
            { type: 'histosys', name: 'det', files: { up: 'bkg_up.csv', down: 'bkg_dn.csv' } },
            { type: 'histosys', name: 'scale', transform: { kind: 'scale', columns: ['b'], up: 1.1, down: 0.9 } },
            { type: 'staterror', name: 'staterror_SR' },
          ],
        },
      ],
    },
    {
      name: 'CR',
      selection: 'sel == 0',
      observable: { column: 'obs', edges: [0, 1, 2, 4] },
      samples: [
        { name: 'sig', files: 'sig.csv', weight: 'w', modifiers: [{ type: 'normfactor', name: 'mu' }] },
        { name: 'bkg', files: 'bkg.csv', weight: 'w', modifiers: [{ type: 'histosys', name: 'wsys', weights: { up: 'w_up', down: 'w_dn' } }] },
      ],
    },
  ],
  measurement: { poi: 'mu', parameters: [{ name: 'mu', bounds: [0, 5] }] },
  training: { method: 'inferno', steps: 2, batch: 10 },
});

/** The first error message of compiling `config`. */
async function error(config: unknown): Promise<string> {
  try {
    await compileAnalysis(config, { baseDir: dir });
  } catch (e) {
    return (e as Error).message;
  }
  return 'no error';
}

const edit = (f: (c: AnalysisConfigInput) => void): AnalysisConfigInput => {
  const c = structuredClone(base());
  f(c);
  return c;
};
const bkg = (c: AnalysisConfigInput) => c.channels[0].samples![1];

describe('parseExpression', () => {
  it('evaluates arithmetic, comparisons, logic and functions per event', () => {
    const cols = { x: [2, -1], y: [3, 0.5] };
    const at = (src: string) => [0, 1].map((i) => parseExpression(src, 'e').compile(cols)(i));
    expect(at('x * (1 + 0.5 * y)')).toEqual([5, -1.25]);
    expect(at('y ^ 2 ^ 0.5')).toEqual([3 ** Math.SQRT2, 0.5 ** Math.SQRT2]); // right-associative
    expect(at('-x + abs(y - 4) / 2')).toEqual([-1.5, 2.75]);
    expect(at('x >= 2 && y > 1 || !(x < 0)')).toEqual([1, 0]);
    expect(at('max(x, y) + min(x, y) + sqrt(4) + exp(0) + log(1)')).toEqual([8, 2.5]);
    expect(parseExpression('w * sf_btag.nominal > 0', 'e').columns).toEqual(['w', 'sf_btag.nominal']);
  });

  it('names the place and the position of a syntax error', () => {
    expect(() => parseExpression('x +', 'channels[0].selection')).toThrow('channels[0].selection: expected a value at the end in "x +"');
    expect(() => parseExpression('x $ 2', 'w')).toThrow('w: unexpected character "$" (character 3) in "x $ 2"');
    expect(() => parseExpression('foo(x)', 'w')).toThrow('w: unknown function "foo" (known: abs, exp, log, sqrt, min, max) at "foo" (character 1) in "foo(x)"');
    expect(() => parseExpression('(x', 'w')).toThrow('w: expected ")" at the end in "(x"');
  });
});

describe('config errors: one line naming the path', () => {
  const cases: Array<[string, AnalysisConfigInput | Record<string, unknown>, string]> = [
    ['an unknown modifier type', edit((c) => (bkg(c).modifiers![0] = { type: 'histosis', name: 'wsys' } as never)), 'channels[0].samples[1].modifiers[0] (histosis "wsys").type: unknown modifier type "histosis" (expected one of normfactor, shapefactor, lumi, normsys, histosys, staterror, shapesys)'],
    ['a histosys with only up', edit((c) => (bkg(c).modifiers![0] = { type: 'histosys', name: 'wsys', weights: { up: 'w_up' } } as never)), 'channels[0].samples[1].modifiers[0] (histosys "wsys").weights.down: is missing'],
    ['a histosys with two sources', edit((c) => (bkg(c).modifiers![0] = { type: 'histosys', name: 'wsys', weights: { up: 'w_up', down: 'w_dn' }, transform: { kind: 'shift', columns: ['a'], up: 1, down: -1 } })), 'channels[0].samples[1].modifiers[0] (histosys "wsys"): needs exactly one of weights, files, simulate or transform (its up and down templates), got weights and transform'],
    ['fixed channel edges that do not increase', edit((c) => (c.channels[1].observable!.edges = [0, 2, 1, 4])), 'channels[1] ("CR").observable.edges: must increase: edge 2 (1) is not above edge 1 (2)'],
    ['a missing weight column', edit((c) => (bkg(c).modifiers![0] = { type: 'histosys', name: 'wsys', weights: { up: 'w_isr_up', down: 'w_dn' } })), 'channels[0].samples[1].modifiers[0] (histosys "wsys" from weights): column "w_isr_up" not in bkg.csv (columns: a, b, obs, w, w_up, w_dn, sel)'],
    ['a missing feature', edit((c) => (c.summary.features = ['pt', 'b'])), 'summary.features ("pt") for channels[0].samples[0] ("sig"): column "pt" not in sig.csv (columns: a, b, obs, w, w_up, w_dn, sel)'],
    ['a transform of a column the summary does not read', edit((c) => (bkg(c).modifiers![2] = { type: 'histosys', name: 'scale', transform: { kind: 'scale', columns: ['obs'], up: 1.1, down: 0.9 } })), 'channels[0].samples[1].modifiers[2] (histosys "scale").transform.columns: "obs" is not a summary feature (features: a, b)'],
    ['a sample with no events after its selection', edit((c) => (c.channels[0].samples![0].selection = 'a > 100')), 'channels[0].samples[0] ("sig"): no events pass the selection ("sel == 1" and "a > 100"): 0 of 400'],
    ['NaN weights', edit((c) => (c.channels[0].samples![0].weight = 'w * sqrt(a - 2.5)')), 'channels[0].samples[0] ("sig").weight: is NaN for event 1 of sig.csv'],
    ['a NaN in a weight column', edit((c) => (c.channels[0].samples![0].files = 'nan.csv')), 'channels[0].samples[0] ("sig").weight: nan.csv line 9: column "w" is "NaN", not a finite number'],
    ['all-zero weights', edit((c) => (c.channels[0].samples![0].files = 'zero.csv')), 'channels[0].samples[0] ("sig").weight: is zero for every event in the train split'],
    ['a POI no sample carries', edit((c) => (c.measurement.poi = 'mu_sig')), 'measurement.poi: no sample carries a normfactor "mu_sig" (the POI)'],
    ['an unknown key', { ...base(), trainig: {} }, '(top level): unknown key "trainig"'],
    ['split fractions above 1', edit((c) => (c.split!.test = 0.4)), 'split: fractions sum to 1.1, more than 1'],
    ['a lumi without its constraint', edit((c) => c.channels[0].samples![0].modifiers!.push({ type: 'lumi', name: 'lumi' })), 'measurement.parameters: the lumi modifier "lumi" needs a parameter with its auxdata and sigma, e.g. { name: lumi, auxdata: 1, sigma: 0.02 }'],
    ['a bad selection', edit((c) => (c.channels[0].selection = 'sel === 1')), 'channels[0] ("SR").selection: unexpected character "=" (character 7) in "sel === 1"'],
  ];
  it.each(cases)('%s', async (_, config, message) => {
    expect(await error(config)).toBe(message);
  });

  it('a sample with no events in one split names the split', async () => {
    writeCsv('tiny.csv', 3, 0, () => 1);
    expect(await error(edit((c) => (c.channels[0].samples![0].files = 'tiny.csv')))).toMatch(/^channels\[0\]\.samples\[0\] \("sig"\): has no events in the (train|validation|test) split \(\d pass the selection\): use more events or a larger fraction$/);
  });

  it('validates without events too (parseAnalysisConfig fills the defaults)', () => {
    const c = parseAnalysisConfig(base());
    expect(c.training).toMatchObject({ method: 'inferno', steps: 2, batch: 10, learningRate: 1e-3, variationFraction: 1, testPoi: 1 });
    expect(c.summary).toMatchObject({ hidden: [4], activation: 'relu', bins: 3 });
    expect(() => parseAnalysisConfig({ ...base(), training: { method: 'svm' } })).toThrow(`training.method: must be one of ${METHOD_NAMES.map((m) => `"${m}"`).join(', ')}, got "svm"`);
  });
});

describe('compileAnalysis', () => {
  it('splits by fraction with a seed, scales weights by the fraction, and builds every dataset', async () => {
    const c = await compileAnalysis(base(), { baseDir: dir });
    const names = Object.keys(c.datasets.train!).sort();
    expect(names).toEqual(['CR/bkg', 'CR/sig', 'SR/bkg', 'SR/bkg/det:down', 'SR/bkg/det:up', 'SR/sig']);
    const kept = 300; // sel == 1 for 3 of 4 events of sig.csv
    const n = (s: 'train' | 'validation' | 'test') => c.datasets[s]!['SR/sig'].n;
    expect(n('train') + n('validation') + n('test')).toBe(kept);
    for (const [s, f] of [['train', 0.5], ['validation', 0.2], ['test', 0.3]] as const) expect(Math.abs(n(s) - f * kept)).toBeLessThan(4 * Math.sqrt(kept * f * (1 - f)));
    const again = await compileAnalysis(base(), { baseDir: dir });
    expect(Array.from(again.datasets.test!['SR/bkg'].x)).toEqual(Array.from(c.datasets.test!['SR/bkg'].x));
    // weights: w / 0.3 in the test split; the weight systematic's are w_up / 0.3
    const t = c.datasets.test!['SR/bkg'];
    expect(t.dim).toBe(2);
    const ratio = [...t.weights!].map((w) => w * 0.3);
    expect(ratio.every((r) => [0.5, 0.75, 1].some((v) => Math.abs(r - v) < 1e-6))).toBe(true);
    expect(Object.keys(t.weightSets!)).toEqual(['wsys:up', 'wsys:down']);
    expect(c.datasets.test!['CR/bkg'].dim).toBe(1);
    // the plan: weight variation, alternative files, transform of column b (index 1)
    const plan = c.analysis.plan().filter((e) => e.slot.channel === 'SR' && e.slot.sample === 'bkg');
    expect(plan.map((e) => [e.slot.role, e.slot.modifier ?? '', e.source.dataset, e.source.weights ?? '', e.source.transform ? JSON.stringify(e.source.transform) : ''])).toEqual([
      ['nominal', '', 'SR/bkg', '', ''],
      ['up', 'wsys', 'SR/bkg', 'wsys:up', ''],
      ['down', 'wsys', 'SR/bkg', 'wsys:down', ''],
      ['up', 'det', 'SR/bkg/det:up', '', ''],
      ['down', 'det', 'SR/bkg/det:down', '', ''],
      ['up', 'scale', 'SR/bkg', '', '{"kind":"scale","columns":[1],"factor":1.1}'],
      ['down', 'scale', 'SR/bkg', '', '{"kind":"scale","columns":[1],"factor":0.9}'],
      ['sumw2', 'staterror_SR', 'SR/bkg', '', ''],
    ]);
  });

  it('fills a fixed channel with the hard histogram of its observable (numpy edge rule), weights over the split fraction', async () => {
    const c = await compileAnalysis(base(), { baseDir: dir, splits: ['test'] });
    const counts = hardTemplates(undefined, c.analysis, c.datasets.test!, { fixedOnly: true });
    const e = c.analysis.plan().find((p) => p.slot.channel === 'CR' && p.slot.sample === 'bkg' && p.slot.role === 'up')!;
    const d = c.datasets.test!['CR/bkg'];
    const expected = [0, 0, 0];
    for (let i = 0; i < d.n; i++) {
      const x = d.x[i];
      if (x < 0 || x > 4) continue; // outside the edges: dropped
      const k = x < 1 ? 0 : x < 2 ? 1 : 2;
      expected[k] += d.weightSets!['wsys:up'][i];
    }
    expected.forEach((v, k) => expect(counts[e.slot.offset + k]).toBeCloseTo(v, 9));
    expect(expected.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  });
});
