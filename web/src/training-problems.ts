/**
 * The problems of the training panel and the runs it trains: the configs are the CLI's
 * (experiments/neos `neosConfig`, experiments/inferno `infernoConfig`), so a seed gives the
 * CLI's runs. No tfjs here: the page's main thread reads this, the workers train.
 */
import { INFERNO_DEFAULTS, infernoConfig, type InfernoConfigOptions } from '../../experiments/inferno/benchmarks.js';
import { neosConfig } from '../../experiments/neos/problem.js';
import type { AnalysisConfigInput } from '../../src/models/config/schema.js';
import type { MethodName } from '../../src/models/methods.js';

/** The problems of the panel. */
export type ProblemId = 'neos' | 'inferno2';

/**
 * INFERNO benchmark 2 as `diffinfer inferno --benchmark 2` trains it ({@link INFERNO_DEFAULTS},
 * the CLI's), with 100k test events (`--test-events 100000`).
 */
const { epochs: _epochs, ...infernoTraining } = INFERNO_DEFAULTS;
export const PAGE_INFERNO_OPTIONS: Omit<InfernoConfigOptions, 'epochs'> = { ...infernoTraining, testEvents: 100_000 };

/** A problem: its objectives (inference-aware first, BCE second) and how it counts steps. */
export interface Problem {
  readonly id: ProblemId;
  readonly label: string;
  readonly objectives: readonly [MethodName, MethodName];
  /** The CLI's unit of length: neos steps, INFERNO epochs. */
  readonly unit: 'steps' | 'epochs';
  readonly defaultLength: number;
  /** Steps of a run of `length` units. */
  steps(length: number): number;
  config(objective: MethodName, seed: number, length: number): AnalysisConfigInput;
  /** The CLI command that trains the same runs. */
  command(seed: number, length: number): string;
}

const INFERNO_STEPS_PER_EPOCH = Math.max(1, Math.round((2 * PAGE_INFERNO_OPTIONS.trainEvents) / PAGE_INFERNO_OPTIONS.batch));

export const PROBLEMS: Readonly<Record<ProblemId, Problem>> = {
  neos: {
    id: 'neos',
    label: 'neos (4 Gaussian blobs, one shape nuisance)',
    objectives: ['cls', 'bce'],
    unit: 'steps',
    defaultLength: 200,
    steps: (n) => n,
    config: (objective, seed, n) => neosConfig(objective, seed, { steps: n }),
    command: (seed, n) => `diffinfer neos --objective cls,bce --steps ${n} --seeds ${seed + 1} --out runs/neos`,
  },
  inferno2: {
    id: 'inferno2',
    label: 'INFERNO benchmark 2 (r and λ nuisances)',
    objectives: ['inferno', 'bce'],
    unit: 'epochs',
    defaultLength: 2,
    steps: (epochs) => epochs * INFERNO_STEPS_PER_EPOCH,
    config: (objective, seed, epochs) => infernoConfig(2, objective, seed, { ...PAGE_INFERNO_OPTIONS, epochs }),
    command: (seed, epochs) => `diffinfer inferno --benchmark 2 --method inferno,bce --seeds ${seed + 1} --epochs ${epochs} --test-events ${PAGE_INFERNO_OPTIONS.testEvents} --out runs/inferno`,
  },
};

/** What a run trains. */
export interface RunSpec {
  readonly problem: ProblemId;
  readonly objective: MethodName;
  readonly seed: number;
  /** In the problem's unit (steps or epochs). */
  readonly length: number;
}
