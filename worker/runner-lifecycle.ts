import { LifecycleError } from '../shared/errors.js';

/** starting → ready → closing → closed; a runner that fails to start goes straight to closed. */
export type RunnerState = 'starting' | 'ready' | 'closing' | 'closed';

/**
 * The lifecycle both task runners share: which state allows run(), which tasks close() must wait
 * for, and a close() that runs its release step once however often it is called.
 */
export class RunnerLifecycle {
  #state: RunnerState = 'starting';
  readonly #inFlight = new Set<Promise<unknown>>();
  #closing: Promise<void> | undefined;

  get state(): RunnerState {
    return this.#state;
  }

  /** The runner finished starting. */
  markReady(): void {
    if (this.#state === 'starting') this.#state = 'ready';
  }

  /** The runner failed to start and has released what it had. */
  markFailed(): void {
    this.#state = 'closed';
  }

  /** Throws LifecycleError unless tasks may be submitted now. */
  assertAcceptingTasks(): void {
    if (this.#state !== 'ready') {
      throw new LifecycleError(this.#state, `cannot run a task: the task runner is ${this.#state}`);
    }
  }

  /** Counts `promise` as in flight until it settles, so that close() waits for it. */
  track<T>(promise: Promise<T>): Promise<T> {
    this.#inFlight.add(promise);
    const forget = (): void => {
      this.#inFlight.delete(promise);
    };
    promise.then(forget, forget);
    return promise;
  }

  /** Stops accepting tasks, waits for the tracked ones, then runs `release` (once). */
  close(release: () => Promise<void>): Promise<void> {
    this.#closing ??= (async () => {
      if (this.#state === 'closed') return;
      this.#state = 'closing';
      try {
        while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
        await release();
      } finally {
        this.#state = 'closed';
      }
    })();
    return this.#closing;
  }
}
