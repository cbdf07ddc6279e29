import { runCleanup } from '../shared/cleanup.js';
import type { CleanupStep } from '../shared/cleanup.js';
import { hostname } from 'node:os';
import {
  describeError,
  LifecycleError,
  StoreError,
  TaskCancelledError,
  ValidationError,
} from '../shared/errors.js';
import { estimatedTaskCost, expandStudyInterruptibly } from '../shared/expand.js';
import type { TaskOutcome } from '../shared/result.js';
import type { StudySpec } from '../shared/spec/study-spec.js';
import type { Task } from '../shared/task.js';
import { backendOptimizers, canTrain } from '../shared/capabilities.js';
import type { TaskRunner } from '../shared/task-runner.js';
import type { RunSummary, SweepEvent } from './sweep-events.js';
import type { ResultStore } from './store/result-store.js';

export interface LocalCoordinatorOptions {
  /** Attempts per task within one run before it is recorded as failed. @default 3 */
  maxAttempts?: number;
  /** Recorded as the worker of each result. @default `local@<hostname>:<pid>` */
  workerName?: string;
}

export interface ResolvedLocalCoordinatorOptions {
  readonly maxAttempts: number;
  readonly workerName: string;
}

export function resolveLocalCoordinatorOptions(
  options: LocalCoordinatorOptions = {},
): ResolvedLocalCoordinatorOptions {
  const maxAttempts = options.maxAttempts ?? 3;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new ValidationError('maxAttempts', `expected a positive integer, got ${maxAttempts}`);
  }
  return { maxAttempts, workerName: options.workerName ?? `local@${hostname()}:${process.pid}` };
}

export type CoordinatorState = 'idle' | 'running' | 'closing' | 'closed';

/**
 * The embedded default: expands a study, trains what the database lacks on a local TaskRunner,
 * and stores each result as it arrives. It owns the runner and the store, and close() releases
 * them in order: stop dispatching, hand back in-flight tasks, close the pool, close the database.
 */
export class LocalCoordinator {
  #state: CoordinatorState = 'idle';
  readonly #store: ResultStore;
  readonly #runner: TaskRunner;
  readonly #options: ResolvedLocalCoordinatorOptions;
  readonly #abort = new AbortController();
  #running: Promise<unknown> | undefined;
  #closing: Promise<void> | undefined;

  constructor(store: ResultStore, runner: TaskRunner, options: LocalCoordinatorOptions = {}) {
    this.#store = store;
    this.#runner = runner;
    this.#options = resolveLocalCoordinatorOptions(options);
  }

  get state(): CoordinatorState {
    return this.#state;
  }

  /**
   * Trains what the database lacks. A store failure (a full disk, a broken file) stops every lane
   * and rejects with a StoreError: the database keeps what was stored, and the next run resumes.
   * `tasks` (default: the spec's grid) is the study's task set, e.g. a width search's rounds.
   */
  async run(
    spec: StudySpec,
    onEvent: (event: SweepEvent) => void = () => {},
    tasks?: readonly Task[],
  ): Promise<RunSummary> {
    if (this.#state !== 'idle') {
      throw new LifecycleError(
        this.#state,
        `run() needs an idle coordinator, this one is ${this.#state}`,
      );
    }
    this.#state = 'running';
    // close() waits for all of run(), expansion included, before it closes the store.
    const running = this.#run(spec, onEvent, tasks);
    this.#running = running.catch(() => undefined);
    try {
      return await running;
    } finally {
      if (this.#state === 'running') this.#state = 'idle';
    }
  }

  async #run(
    spec: StudySpec,
    onEvent: (event: SweepEvent) => void,
    given: readonly Task[] | undefined,
  ): Promise<RunSummary> {
    const started = performance.now();
    const none = { trained: 0, failedNow: 0 };
    // Expansion and registration of a large grid take seconds: both yield, so a signal stops them.
    const tasks = given ?? (await expandStudyInterruptibly(spec, this.#abort.signal));
    if (tasks === undefined) return this.#summary(spec, started, 0, none);
    this.#checkBackendTrains(tasks);
    const registered = await this.#store.registerStudyInterruptibly(
      spec,
      tasks,
      this.#abort.signal,
    );
    if (registered === undefined) return this.#summary(spec, started, 0, none);
    // Longest first, so the last tasks to finish are short and threads do not idle at the end.
    const queue = this.#store
      .unfinishedTasks(spec.name)
      .sort((a, b) => estimatedTaskCost(b) - estimatedTaskCost(a));
    onEvent({
      type: 'start',
      study: spec.name,
      total: registered.total,
      skipped: registered.finished,
      queued: queue.length,
      runner: `${this.#runner.threads} ${this.#runner.backend} thread(s)`,
    });
    const counters = { trained: 0, failedNow: 0 };
    let next = 0;
    let storeFailure: { error: unknown } | undefined;
    const lane = async (): Promise<void> => {
      try {
        while (!this.#abort.signal.aborted && next < queue.length) {
          const task = queue[next++];
          if (task !== undefined) await this.#runTask(task, onEvent, counters);
        }
      } catch (err) {
        // Only store calls throw out of #runTask. Keep the first failure, stop the other lanes.
        storeFailure ??= { error: err };
        this.#abort.abort();
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#runner.threads, queue.length) }, lane));
    if (storeFailure !== undefined) {
      const why = storeFailure.error instanceof Error ? storeFailure.error.message : 'unknown';
      throw new StoreError(
        `storing results failed (${why}); the run stopped with the study unfinished: fix the cause and run again to resume`,
        { cause: storeFailure.error },
      );
    }
    return this.#summary(spec, started, registered.finished, counters);
  }

  #summary(
    spec: StudySpec,
    started: number,
    skipped: number,
    counters: { trained: number; failedNow: number },
  ): RunSummary {
    const progress = this.#store.progress(spec.name);
    const unfinished = progress.pending + progress.running;
    return {
      study: spec.name,
      total: progress.total,
      done: progress.done,
      failed: progress.failed,
      diverged: progress.diverged,
      pending: unfinished,
      trained: counters.trained,
      skipped,
      failedNow: counters.failedNow,
      wallMs: performance.now() - started,
      backend: this.#runner.backend,
      // Stopped before or during training: a study stopped while expanding may have no rows yet.
      interrupted: this.#abort.signal.aborted && (unfinished > 0 || progress.total === 0),
    };
  }

  /** Bad input is refused before anything is written: a recipe this backend cannot train. */
  #checkBackendTrains(tasks: readonly Task[]): void {
    const backend = this.#runner.backend;
    const capability = { backend, optimizers: backendOptimizers(backend) };
    const refused = tasks.filter((t) => !canTrain(capability, t));
    const first = refused[0];
    if (first === undefined) return;
    throw new ValidationError(
      'train.optimizer',
      `${first.train.optimizer} (${refused.length} task(s)) does not run on ${backend}, ` +
        `which runs ${capability.optimizers.join(', ')}; choose another --backend or train.optimizer`,
    );
  }

  /** Runner failures are retried or recorded; a store failure is thrown to the lane. */
  async #runTask(
    task: Task,
    onEvent: (event: SweepEvent) => void,
    counters: { trained: number; failedNow: number },
  ): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      if (this.#abort.signal.aborted) return;
      this.#store.markRunning(task.id);
      let outcome: TaskOutcome;
      try {
        outcome = await this.#runner.run(task, this.#abort.signal);
      } catch (err) {
        if (err instanceof TaskCancelledError || this.#abort.signal.aborted) {
          this.#store.markPending(task.id);
          return;
        }
        const error = describeError(err);
        const final = attempt >= this.#options.maxAttempts;
        if (final) {
          this.#store.recordFailure(task.id, error);
          counters.failedNow++;
        } else {
          this.#store.markPending(task.id, error);
        }
        onEvent({ type: 'attempt-failed', task, error, attempt, final });
        if (final) return;
        continue;
      }
      if (this.#store.recordOutcome(outcome, { worker: this.#options.workerName }))
        counters.trained++;
      onEvent({ type: 'finished', task, outcome });
      return;
    }
  }

  /** Idempotent; safe to call while run() is in progress (it then resolves as interrupted). */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#state = 'closing';
    const steps: CleanupStep[] = [
      [
        'stop dispatching and hand back in-flight tasks',
        async () => {
          this.#abort.abort();
          await this.#running;
        },
      ],
      ['close the task pool', () => this.#runner.close()],
      ['close the result database', () => this.#store.close()],
    ];
    try {
      await runCleanup(steps, 'coordinator');
    } finally {
      this.#state = 'closed';
    }
  }
}
