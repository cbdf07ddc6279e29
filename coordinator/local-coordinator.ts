import { runCleanup } from '../shared/cleanup.js';
import type { CleanupStep } from '../shared/cleanup.js';
import { hostname } from 'node:os';
import {
  describeError,
  LifecycleError,
  TaskCancelledError,
  ValidationError,
} from '../shared/errors.js';
import { estimatedTaskCost, expandStudy } from '../shared/expand.js';
import type { StudySpec } from '../shared/spec/study-spec.js';
import type { Task } from '../shared/task.js';
import { backendTrains } from '../worker/backends.js';
import type { TaskRunner } from '../worker/runner.js';
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

  /** `tasks` (default: the spec's grid) is the study's task set, e.g. a width search's rounds. */
  async run(
    spec: StudySpec,
    onEvent: (event: SweepEvent) => void = () => {},
    tasks: readonly Task[] = expandStudy(spec),
  ): Promise<RunSummary> {
    if (this.#state !== 'idle') {
      throw new LifecycleError(
        this.#state,
        `run() needs an idle coordinator, this one is ${this.#state}`,
      );
    }
    this.#state = 'running';
    const started = performance.now();
    this.#checkBackendTrains(tasks);
    const registered = this.#store.registerStudy(spec, tasks);
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
    const lane = async (): Promise<void> => {
      while (!this.#abort.signal.aborted && next < queue.length) {
        const task = queue[next++];
        if (task !== undefined) await this.#runTask(task, onEvent, counters);
      }
    };
    const lanes = Array.from({ length: Math.min(this.#runner.threads, queue.length) }, lane);
    this.#running = Promise.allSettled(lanes);
    await this.#running;
    const progress = this.#store.progress(spec.name);
    if (this.#state === 'running') this.#state = 'idle';
    return {
      study: spec.name,
      total: progress.total,
      done: progress.done,
      failed: progress.failed,
      diverged: progress.diverged,
      pending: progress.pending + progress.running,
      trained: counters.trained,
      skipped: registered.finished,
      failedNow: counters.failedNow,
      wallMs: performance.now() - started,
      backend: this.#runner.backend,
      interrupted: this.#abort.signal.aborted && progress.pending + progress.running > 0,
    };
  }

  /** Bad input is refused before anything is written: a recipe this backend cannot train. */
  #checkBackendTrains(tasks: readonly Task[]): void {
    const backend = this.#runner.backend;
    const refused = tasks.filter((t) => !backendTrains(backend, t.train.optimizer));
    const first = refused[0];
    if (first === undefined) return;
    throw new ValidationError(
      'train.optimizer',
      `${first.train.optimizer} (${refused.length} task(s)) needs the fused backend, and this run trains on ${backend}; use --backend fused or set train.optimizer to adam or sgd`,
    );
  }

  async #runTask(
    task: Task,
    onEvent: (event: SweepEvent) => void,
    counters: { trained: number; failedNow: number },
  ): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      if (this.#abort.signal.aborted) return;
      this.#store.markRunning(task.id);
      try {
        const outcome = await this.#runner.run(task, this.#abort.signal);
        if (this.#store.recordOutcome(outcome, { worker: this.#options.workerName }))
          counters.trained++;
        onEvent({ type: 'finished', task, outcome });
        return;
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
      }
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
