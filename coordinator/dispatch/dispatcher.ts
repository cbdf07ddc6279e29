import type { StudyRef } from '../../shared/nats/subjects.js';
import type { StudySpec } from '../../shared/spec/study-spec.js';
import type { Task } from '../../shared/task.js';
import type { ResultMessage } from '../../shared/wire/messages.js';
import type { AttemptRules } from '../apply-result.js';
import type { SweepEvent } from '../sweep-events.js';

/**
 * Where a dispatcher hands every result: the coordinator core, which applies each one to the
 * store in the one way (applyResult). apply() and gaveUp() change the store and return the event
 * to report; emit() reports it, once the change is committed.
 */
export interface ResultSink {
  /** Throws RejectedResultError for a message that must not be stored; store errors pass through. */
  apply(message: ResultMessage, rules: AttemptRules): SweepEvent | undefined;
  /** The dispatcher gave up on a task after `attempts` attempts that sent no report. */
  gaveUp(taskId: string, attempts: number): SweepEvent | undefined;
  emit(event: SweepEvent): void;
}

/** One pass of dispatching a registered study, as the core hands it to its dispatcher. */
export interface DispatchJob {
  readonly study: StudyRef;
  /** The study's latest registered spec (its routing decides a task's pool). */
  readonly spec: StudySpec;
  /** Failed tasks are tried again (a `run`), not only unfinished ones (a `collect`). */
  readonly retryFailed: boolean;
  /**
   * Queue the work and return instead of waiting for the study to finish (`--detach`, `--once`);
   * an in-process dispatcher, which has no queue to leave work in, trains to the end regardless.
   */
  readonly once: boolean;
  /** Aborts when the coordinator closes: stop dispatching, hand running tasks back. */
  readonly signal: AbortSignal;
  readonly sink: ResultSink;
  /** The study's tasks without a final result, failed ones if `includeFailed`, in grid order. */
  openTasks(includeFailed: boolean): Task[];
  /** True when no task of the study is pending or running. */
  settled(): boolean;
  /** Attempts recorded for the task so far (0 if none): a new attempt numbers after them. */
  attempts(taskId: string): number;
  /** The work is queued; `runner` says where it trains, for the log (`2 wasm thread(s)`). */
  started(runner: string): void;
}

/**
 * How tasks reach whatever trains them: an in-process TaskRunner or JetStream workers. The
 * coordinator core owns expansion, the store, result application and the summary; a dispatcher
 * only moves tasks out and result messages back in.
 */
export interface Dispatcher {
  /** Named in the run summary: the local backend, or `nats`. */
  readonly backend: string;
  /** Refuses bad input before anything is written (a recipe this backend cannot train). */
  check?(tasks: readonly Task[]): void;
  /** After a `run` registered the study, before anything is dispatched. */
  prepare?(job: DispatchJob): Promise<void>;
  /** Dispatches the job's tasks and collects their results until settled, `once`, or aborted. */
  dispatch(job: DispatchJob): Promise<void>;
  /** Releases what the dispatcher holds (threads, a connection). Idempotent. */
  close(): Promise<void>;
}
