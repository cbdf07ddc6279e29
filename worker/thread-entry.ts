/**
 * The piscina worker module. Loading it initialises tfjs on the backend named in workerData,
 * once per thread, before piscina marks the thread ready; the default export then runs tasks.
 */
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { BackendUnavailableError } from '../shared/errors.js';
import type { TaskOutcome } from '../shared/result.js';
import type { Task } from '../shared/task.js';
import { loadBackend, type BackendContext } from './backend-context.js';
import { isBackendName } from './backends.js';
import { executeTask } from './execute-task.js';
import type { ThreadMessage, ThreadWorkerData } from './thread-protocol.js';

function post(message: ThreadMessage): void {
  parentPort?.postMessage(message);
}

async function initialise(): Promise<BackendContext> {
  const data = workerData as Partial<ThreadWorkerData> | undefined;
  const requested = data?.backend;
  const startMs = performance.now();
  try {
    if (!isBackendName(requested)) {
      throw new BackendUnavailableError(String(requested), 'thread started without a backend');
    }
    const ctx = await loadBackend(requested);
    const initMs = performance.now() - startMs;
    post({ type: 'thread-ready', threadId, backend: requested, versions: ctx.versions, initMs });
    return ctx;
  } catch (err) {
    const error = err instanceof Error ? err : new Error(String(err));
    post({ type: 'thread-init-failed', threadId, name: error.name, message: error.message });
    throw err;
  }
}

const context = await initialise();

/** Runs one task; errors cross to the runner as TaskFailedError with the cause in the message. */
export default function runTask(task: Task): Promise<TaskOutcome> {
  return executeTask(task, context);
}
