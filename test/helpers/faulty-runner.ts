import { TaskFailedError } from '../../shared/errors.js';
import type { TaskOutcome } from '../../shared/result.js';
import type { Task } from '../../shared/task.js';
import type { TaskRunner } from '../../shared/task-runner.js';

/** The seeds WIDTHSWEEP_FAIL_SEEDS names (comma-separated), for the test-only worker entry. */
export function failSeedsFromEnv(env: NodeJS.ProcessEnv = process.env): number[] {
  return (env.WIDTHSWEEP_FAIL_SEEDS ?? '')
    .split(',')
    .filter((s) => s.trim() !== '')
    .map(Number);
}

/**
 * Fault injection for tests and drills: a runner whose tasks with one of `failSeeds` as grid
 * seed throw TaskFailedError instead of training; every other task goes to `inner`.
 */
export class FaultyRunner implements TaskRunner {
  readonly #inner: TaskRunner;
  readonly #failSeeds: ReadonlySet<number>;

  constructor(inner: TaskRunner, failSeeds: readonly number[]) {
    this.#inner = inner;
    this.#failSeeds = new Set(failSeeds);
  }

  get backend(): TaskRunner['backend'] {
    return this.#inner.backend;
  }

  get versions(): TaskRunner['versions'] {
    return this.#inner.versions;
  }

  get threads(): number {
    return this.#inner.threads;
  }

  run(task: Task, signal?: AbortSignal): Promise<TaskOutcome> {
    if (this.#failSeeds.has(task.seed)) {
      return Promise.reject(
        new TaskFailedError(
          task.id,
          `injected failure for seed ${task.seed} (WIDTHSWEEP_FAIL_SEEDS, test/helpers/faulty-worker-main.ts)`,
        ),
      );
    }
    return this.#inner.run(task, signal);
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}
