/**
 * The simulators the page's problems read (`simulate: { simulator, process }` in their configs):
 * `neos` and `inferno`, the same entries the CLI registers (experiments/simulators/registry.ts
 * `BUILTIN_SIMULATORS` also registers the challenge simulator, which the page does not use).
 */
import { INFERNO_SIMULATOR, NEOS_SIMULATOR } from '../../experiments/simulators/problem-simulators.js';
import type { Simulator } from '../../src/models/config/compile.js';

export const PAGE_SIMULATORS: Readonly<Record<'neos' | 'inferno', Simulator>> = { inferno: INFERNO_SIMULATOR, neos: NEOS_SIMULATOR };
