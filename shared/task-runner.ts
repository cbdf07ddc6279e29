import type { TaskOutcome } from './result.js';
import type { Task } from './task.js';
import type { BackendName } from './capabilities.js';

/**
 * Trains tasks in parallel on one backend. Implemented by ThreadTaskRunner (piscina threads) and
 * ProcessTaskRunner (child processes); build one with createTaskRunner (worker/runner.ts implements it).
 */
export interface TaskRunner {
  readonly backend: BackendName;
  /** Library versions the threads or processes reported when they initialised the backend. */
  readonly versions: Readonly<Record<string, string>>;
  /** How many tasks run at once. */
  readonly threads: number;
  /**
   * Trains and evaluates one task. Rejects with TaskCancelledError when `signal` aborts (the
   * task is stopped, not merely abandoned), TaskFailedError when the task fails or its thread or
   * process dies, LifecycleError once close() has been called.
   */
  run(task: Task, signal?: AbortSignal): Promise<TaskOutcome>;
  /**
   * Waits for every task already accepted by run() to settle, then stops the threads or
   * processes. It cancels nothing: abort the tasks' signals first for a quick shutdown.
   * Idempotent: every call returns the same promise.
   */
  close(): Promise<void>;
}
