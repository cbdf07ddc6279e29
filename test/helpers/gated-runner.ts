import { TaskCancelledError } from '../../shared/errors.js';
import type { TaskOutcome } from '../../shared/result.js';
import type { Task } from '../../shared/task.js';
import type { TaskRunner } from '../../shared/task-runner.js';
import { doneOutcome } from './outcomes.js';

/**
 * A TaskRunner that trains nothing: each run resolves a done outcome once `release(taskId)` is
 * called, or at once when `autoRelease` is set. It records every run, and how many ran at once.
 */
export class FakeRunner implements TaskRunner {
  readonly backend = 'cpu' as const;
  readonly versions = { fake: '1' };
  readonly threads: number;
  readonly runs: string[] = [];
  maxConcurrent = 0;
  #running = 0;
  readonly #gates = new Map<string, () => void>();
  readonly #autoRelease: boolean;
  closed = false;

  constructor(threads: number, autoRelease: boolean) {
    this.threads = threads;
    this.#autoRelease = autoRelease;
  }

  get running(): number {
    return this.#running;
  }

  async run(task: Task, signal?: AbortSignal): Promise<TaskOutcome> {
    this.runs.push(task.id);
    this.#running++;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.#running);
    try {
      await new Promise<void>((resolve, reject) => {
        if (this.#autoRelease) return void setImmediate(resolve);
        this.#gates.set(task.id, resolve);
        signal?.addEventListener('abort', () => reject(new TaskCancelledError(task.id)), {
          once: true,
        });
      });
      return doneOutcome(task);
    } finally {
      this.#running--;
    }
  }

  /** Lets the run of `taskId` finish; false if it is not running. */
  release(taskId: string): boolean {
    const gate = this.#gates.get(taskId);
    if (gate === undefined) return false;
    this.#gates.delete(taskId);
    gate();
    return true;
  }

  /** The tasks waiting in release(), oldest first. */
  get blocked(): string[] {
    return [...this.#gates.keys()];
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}
