import type { TaskOutcome } from '../../shared/result.js';
import type { StudySpec } from '../../shared/spec/study-spec.js';
import type { Task } from '../../shared/task.js';
import type { DeadLetter, StoredDeadLetter } from './dead-letters.js';

export type TaskStatus = 'pending' | 'running' | 'done' | 'failed' | 'diverged';

/** Counts of a study's tasks by status. */
export interface StudyProgress {
  readonly study: string;
  readonly total: number;
  readonly pending: number;
  readonly running: number;
  readonly done: number;
  readonly failed: number;
  readonly diverged: number;
}

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
  /** The delivery count of a distributed attempt; attempts becomes at least this. */
  readonly attempt?: number;
}

/** What the collector needs to judge a failure report against the task's latest attempt. */
export interface TaskState {
  readonly status: TaskStatus;
  readonly attempts: number;
  /** Stream sequence of the task's latest published copy; null if never published. */
  readonly streamSeq: number | null;
}

/** A finished task as the summary table needs it. */
export interface ResultRow {
  readonly target: string;
  readonly targetParams: string;
  readonly kind: string;
  readonly dim: number;
  readonly width: number;
  readonly seed: number;
  /** `direct`, or `construction` for the paper's softmax construction. */
  readonly mode: string;
  readonly status: TaskStatus;
  readonly l1Error: number | null;
  readonly accuracy: number | null;
}

export interface StudyInfo {
  readonly study: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly progress: StudyProgress;
}

/**
 * The result database as the coordinator sees it. Implementations are synchronous on purpose:
 * one process writes, and every method is one short transaction.
 */
export interface ResultStore {
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
  /** Marks a task running and returns its attempt number (1 for the first). */
  markRunning(taskId: string): number;
  /** Hands a running task back (cancelled, or to be retried) without a result. */
  markPending(taskId: string, error?: string): void;
  /**
   * Stores a done or diverged outcome. Returns false, changing nothing, when the task already has
   * a final result: a result is never stored twice nor overwritten.
   */
  recordOutcome(outcome: TaskOutcome, attempt: AttemptInfo): boolean;
  /** Records a failure that will not be retried; a task with a final result is left as it is. */
  recordFailure(taskId: string, error: string): boolean;
  /** A distributed attempt began: the task is running, attempts is at least `attempt`. */
  markStarted(taskId: string, attempt: number): void;
  /** A distributed attempt failed and the task will be delivered again. */
  noteAttemptFailed(taskId: string, attempt: number, error: string): void;
  /** Where the latest published copy of the task sits in the task stream. */
  recordPublished(taskId: string, streamSeq: number): void;
  /** The unfinished task whose latest published copy has this stream sequence. */
  unfinishedTaskAtStreamSeq(streamSeq: number): string | undefined;
  /** Inserts a task the database lacks (a result can arrive for a task of another spec version). */
  ensureTask(task: Task): void;
  /**
   * Whether a result for this task belongs to the study: the study contains it, or this
   * database published it (a task an earlier version of the spec had).
   */
  acceptsResult(study: string, taskId: string): boolean;
  /** Status, attempts and latest stream copy of a task, if the database has it. */
  taskState(taskId: string): TaskState | undefined;
  /**
   * The study's key, drawn at random the first time it is asked for and kept from then on:
   * it scopes the study's NATS subjects to this database.
   */
  studyKey(study: string): string;
  /** Keeps a message that could not be decoded or stored, with the reason. */
  recordDeadLetter(letter: DeadLetter): void;
  deadLetters(study: string): StoredDeadLetter[];
  deadLetterCount(study: string): number;
  /** A task by id, if the database has it. */
  getTask(taskId: string): Task | undefined;
  /** The last error recorded for a task, if any. */
  taskError(taskId: string): string | null;
  /** Runs fn in one transaction, so a batch of messages commits (and is acked) together. */
  transaction<T>(fn: () => T): T;
  progress(study: string): StudyProgress;
  hasStudy(study: string): boolean;
  /** The study's latest registered spec. */
  studySpec(study: string): StudySpec | undefined;
  listStudies(): StudyInfo[];
  results(study: string): ResultRow[];
  close(): void;
}
