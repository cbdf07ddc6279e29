import type { TaskOutcome } from '../../shared/result.js';
import type { StudySpec } from '../../shared/spec/study-spec.js';
import type { Task } from '../../shared/task.js';

export type TaskStatus = 'pending' | 'running' | 'done' | 'failed' | 'diverged';

export const TASK_STATUSES: readonly TaskStatus[] = [
  'pending',
  'running',
  'done',
  'failed',
  'diverged',
];

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
}

/** A finished task as the summary table needs it. */
export interface ResultRow {
  readonly target: string;
  readonly targetParams: string;
  readonly kind: string;
  readonly dim: number;
  readonly width: number;
  readonly seed: number;
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
  /** The study's tasks without a final result, in insertion order. */
  unfinishedTasks(study: string): Task[];
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
  progress(study: string): StudyProgress;
  hasStudy(study: string): boolean;
  listStudies(): StudyInfo[];
  results(study: string): ResultRow[];
  close(): void;
}
