/**
 * The worker-thread entry of the pool: runs one named task of `tasks.ts` per message. Loaded by
 * tinypool from compiled JavaScript (dist/src/parallel/worker.js), see `pool.ts`.
 */
import { runTaskOutcome, type TaskName, type TaskOutcome, type TaskPayload } from './tasks.js';

/** A task message: the task's name and its payload. */
export interface TaskMessage<K extends TaskName = TaskName> {
  readonly task: K;
  readonly payload: TaskPayload<K>;
}

export default function runTaskMessage(message: TaskMessage): Promise<TaskOutcome<unknown>> {
  return runTaskOutcome(message.task, message.payload as never);
}
