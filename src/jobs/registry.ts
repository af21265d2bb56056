/**
 * The final step of every sharded command, by the command name its manifests record: what
 * `diffinfer merge DIR` runs on the shards. A new long command adds its finalizer here; one
 * outside `src/` (the experiments' training runs) as a lazy entry,
 * `ablate: async (input) => (await import('../../experiments/...')).finalizeAblate(input)`,
 * so that merging a coverage run never loads TensorFlow.js.
 *
 * Node-only.
 */
import { finalizeCoverage } from './coverage-job.js';
import { finalizePatchset } from './patchset-job.js';
import type { Finalizer } from './run.js';
import { finalizeScan } from './scan-job.js';
import { finalizeToys } from './toy-job.js';

/** Finalizers by command name (the `command` of a unit manifest). */
export const FINALIZERS: Readonly<Record<string, Finalizer>> = {
  coverage: finalizeCoverage as Finalizer,
  'cls-toys': finalizeToys as Finalizer,
  'limit-toys': finalizeToys as Finalizer,
  'limit-scan': finalizeScan as Finalizer,
  'limit-patchset': finalizePatchset as Finalizer,
  // the training commands: loaded when merged (tfjs-free merges of the statistics jobs)
  ablate: async (input) => (await import('../../experiments/commands.js')).finalizeTraining(input),
  inferno: async (input) => (await import('../../experiments/commands.js')).finalizeTraining(input),
};
