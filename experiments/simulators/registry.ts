/**
 * The simulators of the built-in problems as analysis-config sources (`simulate: { simulator,
 * process }`, src/models/config): `inferno` (processes signal, background; columns x0, x1, x2)
 * and `neos` (processes signal, background, background_up, background_down; columns x0, x1; the
 * three background blobs share their standard-normal draws, as `simulateNeos`).
 */
import type { Simulator } from '../../src/models/config/index.js';
import { CHALLENGE_CONFIG_SIMULATOR } from '../challenge/problem.js';
import { INFERNO_SIMULATOR as inferno, NEOS_SIMULATOR as neos } from './problem-simulators.js';

/** The simulators every diffinfer command registers (`challenge`: experiments/challenge/problem.ts). */
export const BUILTIN_SIMULATORS: Readonly<Record<string, Simulator>> = { inferno, neos, challenge: CHALLENGE_CONFIG_SIMULATOR };
