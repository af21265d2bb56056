/**
 * The worker-side setup of a model coverage job, as its units receive it: runs the job's first
 * unit on an executor that records the `call` task's arguments instead of running it.
 */
import type { SimulatedPseudoExperiments } from '../../experiments/coverage-model.js';
import type { UnitJob } from '../../src/parallel/job.js';
import type { WorkUnit } from '../../src/parallel/units.js';
import { InProcessExecutor } from '../../src/parallel/pool.js';
import type { TaskName, TaskPayload, TaskResult } from '../../src/parallel/tasks.js';

export async function capturedSetup<U extends WorkUnit>(job: UnitJob<U, unknown>): Promise<SimulatedPseudoExperiments> {
  let setup: SimulatedPseudoExperiments | undefined;
  const spy = new (class extends InProcessExecutor {
    override async run<K extends TaskName>(_task: K, payload: TaskPayload<K>): Promise<TaskResult<K>> {
      setup = ((payload as TaskPayload<'call'>).args as { setup: SimulatedPseudoExperiments }).setup;
      return undefined as TaskResult<K>;
    }
  })();
  await job.run(job.units[0], spy);
  if (!setup) throw new Error('capturedSetup: the job ran no call task');
  return setup;
}
