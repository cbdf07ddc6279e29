import { hostname } from 'node:os';
import { backendOptimizers, canTrain } from '../../shared/capabilities.js';
import {
  describeError,
  StoreError,
  TaskCancelledError,
  ValidationError,
} from '../../shared/errors.js';
import { estimatedTaskCost } from '../../shared/expand.js';
import type { TaskOutcome } from '../../shared/result.js';
import type { Task } from '../../shared/task.js';
import type { TaskRunner } from '../../shared/task-runner.js';
import { WIRE_VERSION } from '../../shared/wire/messages.js';
import type { ResultMessage } from '../../shared/wire/messages.js';
import type { AttemptRules } from '../apply-result.js';
import type { DispatchJob, Dispatcher } from './dispatcher.js';

export interface InProcessDispatcherOptions {
  /** Attempts per task within one run before it is recorded as failed. @default 3 */
  maxAttempts?: number;
  /** Recorded as the worker of each result. @default `local@<hostname>:<pid>` */
  workerName?: string;
}

export interface ResolvedInProcessDispatcherOptions {
  readonly maxAttempts: number;
  readonly workerName: string;
}

export function resolveInProcessDispatcherOptions(
  options: InProcessDispatcherOptions = {},
): ResolvedInProcessDispatcherOptions {
  const maxAttempts = options.maxAttempts ?? 3;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new ValidationError('maxAttempts', `expected a positive integer, got ${maxAttempts}`);
  }
  return { maxAttempts, workerName: options.workerName ?? `local@${hostname()}:${process.pid}` };
}

/**
 * This dispatcher runs one attempt of a task at a time and reports it in order, so every report
 * is about the current attempt, and it decides finality itself (after maxAttempts in this run).
 */
const IN_PROCESS_RULES: AttemptRules = {
  isCurrent: (state, message) => message.attempt >= state.attempts,
  isFinal: (message) => message.final,
};

/** Why a handed-back attempt is pending again, kept as the task's last error. */
const CANCELLED = 'cancelled: the run stopped before this attempt finished';

/**
 * The embedded default: trains a job's tasks on a local TaskRunner, longest first, one lane per
 * runner thread, retrying a failed attempt up to maxAttempts. Each attempt is reported to the
 * core as the same wire messages a JetStream worker sends (started, outcome, attempt-failed).
 */
export class InProcessDispatcher implements Dispatcher {
  readonly #runner: TaskRunner;
  readonly #options: ResolvedInProcessDispatcherOptions;

  constructor(runner: TaskRunner, options: InProcessDispatcherOptions = {}) {
    this.#runner = runner;
    this.#options = resolveInProcessDispatcherOptions(options);
  }

  get backend(): string {
    return this.#runner.backend;
  }

  check(tasks: readonly Task[]): void {
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

  /**
   * Trains until every task is settled or the job's signal aborts. A store failure (a full disk,
   * a broken file) stops every lane and rejects with a StoreError.
   */
  async dispatch(job: DispatchJob): Promise<void> {
    // Longest first, so the last tasks to finish are short and threads do not idle at the end.
    const queue = job
      .openTasks(job.retryFailed)
      .sort((a, b) => estimatedTaskCost(b) - estimatedTaskCost(a));
    job.started(`${this.#runner.threads} ${this.#runner.backend} thread(s)`);
    const stop = new AbortController();
    const signal = AbortSignal.any([job.signal, stop.signal]);
    let next = 0;
    let storeFailure: { error: unknown } | undefined;
    const lane = async (): Promise<void> => {
      try {
        while (!signal.aborted && next < queue.length) {
          const task = queue[next++];
          if (task !== undefined) await this.#runTask(job, task, signal);
        }
      } catch (err) {
        // Only the sink throws out of #runTask. Keep the first failure, stop the other lanes.
        storeFailure ??= { error: err };
        stop.abort();
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
  }

  /** Runner failures are retried or reported final; whatever the sink throws goes to the lane. */
  async #runTask(job: DispatchJob, task: Task, signal: AbortSignal): Promise<void> {
    const before = job.attempts(task.id);
    for (let n = 1; ; n++) {
      if (signal.aborted) return;
      const attempt = before + n;
      this.#deliver(job, { ...this.#base(job, task, attempt), type: 'started' });
      let outcome: TaskOutcome;
      try {
        outcome = await this.#runner.run(task, signal);
      } catch (err) {
        const cancelled = err instanceof TaskCancelledError || signal.aborted;
        const final = !cancelled && n >= this.#options.maxAttempts;
        const error = cancelled ? CANCELLED : describeError(err);
        const base = this.#base(job, task, attempt);
        this.#deliver(job, { ...base, type: 'attempt-failed', task, error, final });
        if (cancelled || final) return;
        continue;
      }
      this.#deliver(job, { ...this.#base(job, task, attempt), type: 'outcome', outcome, task });
      return;
    }
  }

  #deliver(job: DispatchJob, message: ResultMessage): void {
    const event = job.sink.apply(message, IN_PROCESS_RULES);
    if (event !== undefined) job.sink.emit(event);
  }

  /** No stream copies here: an attempt's own number stands for its copy. */
  #base(job: DispatchJob, task: Task, attempt: number) {
    return {
      v: WIRE_VERSION,
      study: job.study.name,
      studyKey: job.study.key,
      taskId: task.id,
      worker: this.#options.workerName,
      attempt,
      taskSeq: attempt,
    } as const;
  }

  close(): Promise<void> {
    return this.#runner.close();
  }
}
