/** fast-check arbitraries of the tests: the public kit's workspaces, and parameter points. */
import fc from 'fast-check';
export { workspaceArb } from '../../src/stats/testing/arbitraries.js';

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
