import { LifecycleError, TaskCancelledError, TaskFailedError } from '../../shared/errors.js';
import type { BackendName } from '../../shared/capabilities.js';
import type { TaskOutcome } from '../../shared/result.js';
import type { Task } from '../../shared/task.js';
import type { TaskRunner } from '../../shared/task-runner.js';
import { doneOutcome } from './outcomes.js';

/** What the fake does with one attempt: an outcome, a failure, or run until cancelled. */
export type FakeBehaviour = TaskOutcome | 'fail' | 'hang';

/**
 * A TaskRunner that trains nothing: `script(task, n)` (n counts this runner's calls for the task
 * from 1) decides each attempt. It keeps the real runners' contract: a cancelled task rejects
 * with TaskCancelledError, run() after close() with LifecycleError.
 */
export class FakeTaskRunner implements TaskRunner {
  readonly backend: BackendName = 'wasm';
  readonly versions = { fake: '1' };
  readonly threads: number;
  readonly calls: string[] = [];
  readonly #script: (task: Task, n: number) => FakeBehaviour;
  readonly #hanging = new Set<() => void>();
  #closed = false;
  closeCalls = 0;

  constructor(
    threads: number,
    script: (task: Task, n: number) => FakeBehaviour = (t) => doneOutcome(t),
  ) {
    this.threads = threads;
    this.#script = script;
  }

  /** Resolves once `n` attempts are in progress or done. */
  async waitForCalls(n: number): Promise<void> {
    while (this.calls.length < n) await new Promise((r) => setImmediate(r));
  }

  async run(task: Task, signal?: AbortSignal): Promise<TaskOutcome> {
    if (this.#closed) throw new LifecycleError('closed', 'the fake runner is closed');
    this.calls.push(task.id);
    const behaviour = this.#script(task, this.calls.filter((id) => id === task.id).length);
    await new Promise((r) => setImmediate(r));
    if (signal?.aborted === true) throw new TaskCancelledError(task.id);
    if (behaviour === 'fail') throw new TaskFailedError(task.id, `scripted failure of ${task.id}`);
    if (behaviour !== 'hang') return behaviour;
    return new Promise<TaskOutcome>((_, reject) => {
      const cancel = (): void => {
        this.#hanging.delete(cancel);
        reject(new TaskCancelledError(task.id));
      };
      this.#hanging.add(cancel);
      signal?.addEventListener('abort', cancel, { once: true });
    });
  }

  close(): Promise<void> {
    this.closeCalls++;
    this.#closed = true;
    return Promise.resolve();
  }
}
