/**
 * The simulators of the built-in problems as analysis-config sources (`simulate: { simulator,
 * process }`, src/models/config): `inferno` (processes signal, background; columns x0, x1, x2)
 * and `neos` (processes signal, background, background_up, background_down; columns x0, x1; the
 * three background blobs share their standard-normal draws, as `simulateNeos`).
 */
import type { Simulator } from '../../src/models/config/index.js';
import { InputError } from '../../src/stats/errors.js';
import { NEOS_BLOB_MEANS, type NeosDataset } from '../neos/problem.js';
import { simulateGaussian } from './gaussian.js';
import { simulateInferno, type InfernoProcess } from './inferno.js';

const inferno: Simulator = {
  columns: ['x0', 'x1', 'x2'],
  simulate: (process, n, seed) => {
    if (process !== 'signal' && process !== 'background') throw new InputError('argument', `simulator inferno process "${process}"`, 'expected signal or background');
    return simulateInferno({ process: process as InfernoProcess, n, seed }).x;
  },
};

const neos: Simulator = {
  columns: ['x0', 'x1'],
  simulate: (process, n, seed) => {
    const mean = NEOS_BLOB_MEANS[process as NeosDataset];
    if (!mean) throw new InputError('argument', `simulator neos process "${process}"`, `expected one of ${Object.keys(NEOS_BLOB_MEANS).join(', ')}`);
    const stream = process === 'signal' ? 'signal' : 'background';
    return simulateGaussian({ mean, n, seed: `neos/${stream}/${seed}` }).x;
  },
};

/** The simulators every diffinfer command registers. */
export const BUILTIN_SIMULATORS: Readonly<Record<string, Simulator>> = { inferno, neos };
