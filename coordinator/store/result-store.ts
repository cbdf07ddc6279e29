import type { TaskOutcome } from '../../shared/result.js';
import type { StudySpec } from '../../shared/spec/study-spec.js';
import type { Task } from '../../shared/task.js';
import type { ReadModel, TaskStatus } from './read-model.js';

/** What registering a study's tasks found. */
export interface RegisterSummary {
  readonly total: number;
  /** Tasks whose id was not in the database before. */
  readonly added: number;
  /** Tasks with a final result already (done or diverged), from this study or any other. */
  readonly finished: number;
}

/** Who ran an attempt, recorded with its result. */
export interface AttemptInfo {
  readonly worker: string;
  /** The attempt's number; attempts becomes at least this. */
  readonly attempt?: number;
}

/** What result application needs to judge a failure report against the task's latest attempt. */
export interface TaskState {
  readonly status: TaskStatus;
  readonly attempts: number;
  /**
   * Which dispatched copy of the task is the latest, as its dispatcher numbers them (JetStream:
   * the task message's stream sequence); null if it never recorded one.
   */
  readonly latestCopy: number | null;
}

/**
 * The result database as the coordinator core writes it: registration, the transitions that
 * result application makes, and the few reads both need. Implementations are synchronous on
 * purpose: one process writes, and every method is one short transaction.
 */
export interface ResultStore extends Pick<ReadModel, 'progress' | 'hasStudy' | 'studySpec'> {
  /**
   * Records the study as its latest spec: its task set becomes exactly `tasks` (new ones are
   * inserted; tasks only earlier versions had are unlinked, their results kept).
   */
  registerStudy(spec: StudySpec, tasks: readonly Task[]): RegisterSummary;
  /** registerStudy that lets signal handlers run; undefined (rolled back) when `signal` aborts. */
  registerStudyInterruptibly(
    spec: StudySpec,
    tasks: readonly Task[],
    signal: AbortSignal,
  ): Promise<RegisterSummary | undefined>;
  /** The study's tasks without a final result (failed ones unless excluded), in grid order. */
  unfinishedTasks(study: string, includeFailed?: boolean): Task[];
  /**
   * Stores a done or diverged outcome. Returns false, changing nothing, when the task already has
   * a final result: a result is never stored twice nor overwritten.
   */
  recordOutcome(outcome: TaskOutcome, attempt: AttemptInfo): boolean;
  /**
   * Records a failure that will not be retried, after `attempt` attempts (attempts becomes at
   * least that: a failing attempt may have sent no start report); a task with a final result is
   * left as it is.
   */
  recordFailure(taskId: string, error: string, attempt?: number): boolean;
  /**
   * An attempt began: the task is running and attempts is at least `attempt`. A finished task is
   * left as it is, and a failed one starts again only with an attempt newer than its last.
   */
  markStarted(taskId: string, attempt: number): void;
  /** An attempt failed (or was cancelled) and the task will be tried again: it is pending. */
  noteAttemptFailed(taskId: string, attempt: number, error: string): void;
  /**
   * Whether a result for this task belongs to the study: the study contains it, or this
   * database dispatched it (a task an earlier version of the spec had).
   */
  acceptsResult(study: string, taskId: string): boolean;
  /** Status, attempts and latest dispatched copy of a task, if the database has it. */
  taskState(taskId: string): TaskState | undefined;
  /**
   * The study's key, drawn at random the first time it is asked for and kept from then on:
   * results name it, so a message meant for another database's study of the same name is refused.
   */
  studyKey(study: string): string;
  /** A task by id, if the database has it. */
  getTask(taskId: string): Task | undefined;
  /** The last error recorded for a task, if any. */
  taskError(taskId: string): string | null;
  /** Runs fn in one transaction (nested: a savepoint); a throw rolls back what fn changed. */
  transaction<T>(fn: () => T): T;
  close(): void;
}
