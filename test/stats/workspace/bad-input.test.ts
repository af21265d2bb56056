/**
 * Malformed workspaces and patches: each gives an InputError whose `where` is the JSON path
 * and whose problem says what is wrong; all messages differ.
 */
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/stats/errors.js';
import { buildModel } from '../../../src/stats/model/index.js';
import { applyJsonPatch, parseJsonPatch, parsePatchSet, parseWorkspace, selectPatch } from '../../../src/stats/workspace/index.js';

/** A small valid workspace with every modifier type. */
function valid(): any {
  return {
    channels: [
      {
        name: 'SR',
        samples: [
          { name: 'signal', data: [5, 6], modifiers: [{ name: 'mu', type: 'normfactor', data: null }, { name: 'lumi', type: 'lumi', data: null }] },
          {
            name: 'bkg',
            data: [50, 60],
            modifiers: [
              { name: 'jes', type: 'normsys', data: { hi: 1.1, lo: 0.9 } },
              { name: 'jes', type: 'histosys', data: { hi_data: [52, 61], lo_data: [48, 59] } },
              { name: 'stat', type: 'staterror', data: [2, 3] },
              { name: 'shape', type: 'shapesys', data: [5, 6] },
              { name: 'lumi', type: 'lumi', data: null },
            ],
          },
        ],
      },
      { name: 'CR', samples: [{ name: 'bkg', data: [100], modifiers: [{ name: 'norm', type: 'shapefactor', data: null }] }] },
    ],
    observations: [{ name: 'SR', data: [55, 64] }, { name: 'CR', data: [98] }],
    measurements: [{ name: 'meas', config: { poi: 'mu', parameters: [{ name: 'lumi', auxdata: [1], sigmas: [0.02], bounds: [[0.5, 1.5]], inits: [1] }] } }],
    version: '1.0.0',
  };
}

type Case = [label: string, mutate: (ws: any) => unknown, where: string, problem: RegExp];

const CASES: Case[] = [
  ['not an object', () => [1, 2], 'workspace', /must be a JSON object, got an array/],
  ['no channels key', (w) => { delete w.channels; return w; }, 'channels', /is missing \(expected array\)/],
  ['empty channels', (w) => { w.channels = []; return w; }, 'channels', /must not be empty/],
  ['channel without samples', (w) => { w.channels[1].samples = []; return w; }, 'channels[1] ("CR"): samples', /must not be empty/],
  ['sample data not an array', (w) => { w.channels[0].samples[0].data = 'abc'; return w; }, 'channels[0].samples[0] ("signal"): data', /must be an array, got string/],
  ['yield is a string', (w) => { w.channels[0].samples[0].data[1] = '6'; return w; }, 'channels[0].samples[0] ("signal"): data[1]', /must be a number, got string/],
  ['unknown modifier type', (w) => { w.channels[0].samples[1].modifiers[0].type = 'normsyss'; return w; }, 'channels[0].samples[1].modifiers[0] (normsyss "jes")', /unknown modifier type "normsyss"/],
  ['normsys hi missing', (w) => { delete w.channels[0].samples[1].modifiers[0].data.hi; return w; }, 'channels[0].samples[1].modifiers[0] (normsys "jes"): data.hi', /is missing/],
  ['normfactor with data', (w) => { w.channels[0].samples[0].modifiers[0].data = [1]; return w; }, 'channels[0].samples[0].modifiers[0] (normfactor "mu"): data', /must be a null, got array/],
  ['duplicate channel name', (w) => { w.channels[1].name = 'SR'; w.observations[1].name = 'SR'; return w; }, 'channels[1]', /channel name "SR" is already used by channels\[0\]/],
  ['duplicate sample name', (w) => { w.channels[0].samples[1].name = 'signal'; return w; }, 'channels[0].samples[1]', /sample name "signal" is already used/],
  ['sample bin count differs', (w) => { w.channels[0].samples[1].data = [50, 60, 70]; return w; }, 'channels[0].samples[1] ("bkg")', /data has 3 bins, channel "SR" has 2/],
  ['negative yield', (w) => { w.channels[0].samples[0].data[0] = -1; return w; }, 'channels[0].samples[0] ("signal")', /data\[0\] is -1, must be >= 0/],
  ['histosys hi_data bins', (w) => { w.channels[0].samples[1].modifiers[1].data.hi_data = [1, 2, 3]; return w; }, 'channels[0].samples[1].modifiers[1] (histosys "jes")', /hi_data has 3 bins, channel "SR" has 2/],
  ['staterror bins', (w) => { w.channels[0].samples[1].modifiers[2].data = [1]; return w; }, 'channels[0].samples[1].modifiers[2] (staterror "stat")', /data has 1 bins, channel "SR" has 2/],
  ['negative shapesys uncertainty', (w) => { w.channels[0].samples[1].modifiers[3].data = [5, -6]; return w; }, 'channels[0].samples[1].modifiers[3] (shapesys "shape")', /data\[1\] is -6, must be >= 0/],
  ['normsys factor zero', (w) => { w.channels[0].samples[1].modifiers[0].data.lo = 0; return w; }, 'channels[0].samples[1].modifiers[0] (normsys "jes")', /data\.lo is 0; normsys factors must be finite and > 0/],
  ['modifier repeated in a sample', (w) => { w.channels[0].samples[1].modifiers.push({ name: 'stat', type: 'staterror', data: [1, 1] }); return w; }, 'channels[0].samples[1].modifiers[5] (staterror "stat")', /already has a staterror modifier named "stat"/],
  ['name shared by incompatible types', (w) => { w.channels[1].samples[0].modifiers.push({ name: 'mu', type: 'normsys', data: { hi: 1.1, lo: 0.9 } }); return w; }, 'channels[1].samples[0].modifiers[1] (normsys "mu")', /also a normfactor .* only normsys and histosys may share/],
  ['shapesys in two samples', (w) => { w.channels[1].samples[0].modifiers.push({ name: 'shape', type: 'shapesys', data: [3] }); return w; }, 'channels[1].samples[0].modifiers[1] (shapesys "shape")', /already used at .* a shapesys belongs to one sample/],
  ['observation of unknown channel', (w) => { w.observations[1].name = 'VR'; return w; }, 'observations[1] ("VR")', /names no channel/],
  ['channel without observation', (w) => { w.observations.pop(); return w; }, 'channels[1] ("CR")', /has no observation/],
  ['observation bin count', (w) => { w.observations[0].data = [1]; return w; }, 'observations[0] ("SR")', /data has 1 bins, channel "SR" has 2/],
  ['observation negative', (w) => { w.observations[1].data = [-3]; return w; }, 'observations[1] ("CR")', /data\[0\] is -3, must be >= 0/],
  ['no measurements', (w) => { w.measurements = []; return w; }, 'measurements', /must not be empty/],
  ['duplicate measurement', (w) => { w.measurements.push(structuredClone(w.measurements[0])); return w; }, 'measurements[1] ("meas")', /measurement name "meas" is already used/],
  ['POI is a vector', (w) => { w.measurements[0].config.poi = 'norm'; return w; }, 'measurements[0] ("meas").config.poi', /is a shapefactor .* the POI must be a scalar/],
  ['lumi not configured', (w) => { w.measurements[0].config.parameters = []; return w; }, 'measurements[0] ("meas").config.parameters', /lumi parameter "lumi" needs a configuration with auxdata and sigmas/],
  ['bounds reversed', (w) => { w.measurements[0].config.parameters[0].bounds = [[1.5, 0.5]]; return w; }, 'measurements[0] ("meas").config.parameters[0] ("lumi")', /bounds\[0\] = \[1\.5, 0\.5\]: the lower bound must be below the upper/],
  ['init outside bounds', (w) => { w.measurements[0].config.parameters[0].inits = [2]; return w; }, 'measurements[0] ("meas").config.parameters[0] ("lumi")', /inits\[0\] = 2 is outside bounds \[0\.5, 1\.5\]/],
  ['wrong number of inits', (w) => { w.measurements[0].config.parameters.push({ name: 'norm', inits: [1, 1] }); return w; }, 'measurements[0] ("meas").config.parameters[1] ("norm")', /inits has 2 values, parameter "norm" has 1 component$/],
  ['parameter configured twice', (w) => { w.measurements[0].config.parameters.push({ name: 'lumi', auxdata: [1], sigmas: [0.1] }); return w; }, 'measurements[0] ("meas").config.parameters[1] ("lumi")', /is already configured by config\.parameters\[0\]/],
  ['non-positive sigma', (w) => { w.measurements[0].config.parameters[0].sigmas = [0]; return w; }, 'measurements[0] ("meas").config.parameters[0] ("lumi")', /sigmas must be > 0/],
];

function errorOf(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('no error');
}

describe('malformed workspaces', () => {
  it('the base workspace is valid and builds a model', () => {
    expect(buildModel(parseWorkspace(valid())).parameterSets.map((p) => p.name)).toEqual(['jes', 'lumi', 'mu', 'norm', 'shape', 'stat']);
  });

  it.each(CASES)('%s', (_label, mutate, where, problem) => {
    const e = errorOf(() => parseWorkspace(mutate(valid())));
    expect(e.where).toBe(where);
    expect(e.problem).toMatch(problem);
    expect(e.message).toBe(`${where}: ${e.problem}`);
    expect(e.message).not.toContain('\n');
  });

  it('has at least 25 cases with distinct messages', () => {
    const msgs = CASES.map(([, mutate]) => errorOf(() => parseWorkspace(mutate(valid()))).message);
    expect(CASES.length).toBeGreaterThanOrEqual(25);
    expect(new Set(msgs).size).toBe(msgs.length);
  });

  it('buildModel names a POI the workspace lacks', () => {
    const w = valid();
    w.measurements[0].config.poi = 'mu_SIG';
    const e = errorOf(() => buildModel(parseWorkspace(w)));
    expect(e.message).toBe('measurement "meas" config.poi: POI "mu_SIG" is not a parameter of the model');
  });
});

describe('malformed patches', () => {
  const PATCHES: Array<[string, unknown, string, RegExp]> = [
    ['not an array', { op: 'add' }, 'p.json', /a JSON patch must be an array of operations/],
    ['unknown op', [{ op: 'append', path: '/x', value: 1 }], 'p.json: [0]', /unknown op "append"/],
    ['path without slash', [{ op: 'remove', path: 'channels' }], 'p.json: [0].path', /JSON pointer must be empty or start with "\/"/],
    ['move without from', [{ op: 'move', path: '/a' }], 'p.json: [0].from', /is missing/],
  ];
  it.each(PATCHES)('%s', (_l, json, where, problem) => {
    const e = errorOf(() => parseJsonPatch(json, 'p.json'));
    expect(e.where).toBe(where);
    expect(e.problem).toMatch(problem);
  });

  const APPLY: Array<[string, unknown[], string, RegExp]> = [
    ['index out of range', [{ op: 'add', path: '/channels/5/samples/-', value: {} }], 'p.json[0] (op "add" at "/channels/5/samples/-")', /index 5 is out of range \(array has 2 items\)/],
    ['missing key', [{ op: 'replace', path: '/nope/x', value: 1 }], 'p.json[0] (op "replace" at "/nope/x")', /path does not exist \(no "nope" at \/\)/],
    ['failed test', [{ op: 'test', path: '/version', value: '2.0.0' }], 'p.json[0] (op "test" at "/version")', /test failed/],
    ['remove missing', [{ op: 'add', path: '/version', value: 'x' }, { op: 'remove', path: '/channels/0/zzz' }], 'p.json[1] (op "remove" at "/channels/0/zzz")', /path does not exist/],
  ];
  it.each(APPLY)('%s', (_l, patch, where, problem) => {
    const e = errorOf(() => applyJsonPatch(valid(), parseJsonPatch(patch, 'p.json'), { source: 'p.json' }));
    expect(e.where).toBe(where);
    expect(e.problem).toMatch(problem);
  });

  it('a patch that breaks the workspace is reported with its source', () => {
    const patched = applyJsonPatch(valid(), parseJsonPatch([{ op: 'replace', path: '/channels/0/samples/0/data', value: [1] }]));
    const e = errorOf(() => parseWorkspace(patched, { source: 'ws.json + p.json' }));
    // a channel's bin count is its first sample's, so the other sample is the one that differs
    expect(e.message).toBe('ws.json + p.json: channels[0].samples[1] ("bkg"): data has 2 bins, channel "SR" has 1');
  });

  it('patchsets: unknown patch names list the available ones', () => {
    const ps = parsePatchSet({
      metadata: { digests: {}, labels: ['m'] },
      patches: [
        { metadata: { name: 'a', values: [1] }, patch: [] },
        { metadata: { name: 'b', values: [2] }, patch: [] },
      ],
      version: '1.0.0',
    });
    expect(errorOf(() => selectPatch(ps, 'c', 'ps.json')).message).toBe('ps.json: no patch "c" (available: a, b)');
    expect(errorOf(() => selectPatch(ps, undefined, 'ps.json')).message).toMatch(/holds 2 patches; name one as ps\.json:NAME/);
  });
});
