import { LifecycleError, TaskCancelledError, TaskFailedError } from '../../shared/errors.js';
import type { BackendName } from '../../shared/capabilities.js';
import type { TaskOutcome } from '../../shared/result.js';
import type { Task } from '../../shared/task.js';
import type { TaskRunner } from '../../shared/task-runner.js';
import { doneOutcome } from './outcomes.js';

/**
 * What the fake does with one attempt: an outcome, a failure, run until cancelled ('hang'), or
 * run until release(taskId) lets it end with a done outcome ('hold').
 */
export type FakeBehaviour = TaskOutcome | 'fail' | 'hang' | 'hold';

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
  readonly #holding = new Map<string, () => void>();
  #closed = false;
  #running = 0;
  closeCalls = 0;
  /** The most attempts that were in progress at once. */
  maxConcurrent = 0;

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

  /** Tasks held by a 'hold' attempt, oldest first. */
  get held(): string[] {
    return [...this.#holding.keys()];
  }

  /** Ends the 'hold' attempt of `taskId` with a done outcome; false if none is held. */
  release(taskId: string): boolean {
    const end = this.#holding.get(taskId);
    if (end === undefined) return false;
    this.#holding.delete(taskId);
    end();
    return true;
  }

  async run(task: Task, signal?: AbortSignal): Promise<TaskOutcome> {
    if (this.#closed) throw new LifecycleError('closed', 'the fake runner is closed');
    this.#running++;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.#running);
    try {
      return await this.#attempt(task, signal);
    } finally {
      this.#running--;
    }
  }

  async #attempt(task: Task, signal?: AbortSignal): Promise<TaskOutcome> {
    this.calls.push(task.id);
    const behaviour = this.#script(task, this.calls.filter((id) => id === task.id).length);
    await new Promise((r) => setImmediate(r));
    if (signal?.aborted === true) throw new TaskCancelledError(task.id);
    if (behaviour === 'fail') throw new TaskFailedError(task.id, `scripted failure of ${task.id}`);
    if (behaviour === 'hold') {
      await new Promise<void>((resolve, reject) => {
        this.#holding.set(task.id, resolve);
        signal?.addEventListener('abort', () => reject(new TaskCancelledError(task.id)), {
          once: true,
        });
      });
      return doneOutcome(task);
    }
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
