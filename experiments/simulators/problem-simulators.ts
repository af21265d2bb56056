/**
 * The simulators of the INFERNO and neos problems as analysis-config sources, browser-safe (the
 * web page trains with them; experiments/simulators/registry.ts registers them for the CLI).
 */
import type { Simulator } from '../../src/models/config/compile.js';
import { InputError } from '../../src/stats/errors.js';
import { NEOS_BLOB_MEANS, type NeosDataset } from '../neos/problem.js';
import { simulateGaussian } from './gaussian.js';
import { simulateInferno, type InfernoProcess } from './inferno.js';

/** INFERNO's benchmark: processes signal, background; columns x0, x1, x2. */
export const INFERNO_SIMULATOR: Simulator = {
  columns: ['x0', 'x1', 'x2'],
  simulate: (process, n, seed) => {
    if (process !== 'signal' && process !== 'background') throw new InputError('argument', `simulator inferno process "${process}"`, 'expected signal or background');
    return simulateInferno({ process: process as InfernoProcess, n, seed }).x;
  },
};

/** The neos problem: processes signal, background, background_up, background_down; columns x0, x1. */
export const NEOS_SIMULATOR: Simulator = {
  columns: ['x0', 'x1'],
  simulate: (process, n, seed) => {
    const mean = NEOS_BLOB_MEANS[process as NeosDataset];
    if (!mean) throw new InputError('argument', `simulator neos process "${process}"`, `expected one of ${Object.keys(NEOS_BLOB_MEANS).join(', ')}`);
    const stream = process === 'signal' ? 'signal' : 'background';
    return simulateGaussian({ mean, n, seed: `neos/${stream}/${seed}` }).x;
  },
};
