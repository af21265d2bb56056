/** fast-check arbitraries for small, valid HistFactory workspaces with every modifier type. */
import fc from 'fast-check';
import type { Channel, Modifier, Sample, Workspace } from '../../src/stats/workspace/spec.js';

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
        .tuple(
          sampleArb('signal', name, nBins, true),
          ...Array.from({ length: nBkg }, (_, i) => sampleArb(`bkg${i}`, name, nBins, false)),
        )
        .map((samples) => {
          // staterror must be carried by every sample of a channel consistently: keep it as drawn
          // (pyhf allows a subset of samples to carry it).
          return { name, samples };
        }),
    ),
  );
}

/** A random valid workspace: 1-2 channels of 1-4 bins, a signal with POI `mu`, 1-2 backgrounds. */
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

/**
 * A random point inside the box, with normsys/histosys values up to +-2.2 so that both the
 * interpolation and the extrapolation regions are exercised; factors in [0.5, 1.5].
 */
export function parametersArb(names: readonly string[], types: readonly string[]): fc.Arbitrary<number[]> {
  return fc.tuple(
    ...names.map((_, i) =>
      types[i] === 'normsys' || types[i] === 'histosys'
        ? fc.double({ min: -2.2, max: 2.2, noNaN: true })
        : fc.double({ min: 0.5, max: 1.5, noNaN: true }),
    ),
  );
}
