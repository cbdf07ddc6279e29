import type { StudySpec } from '../../shared/spec/study-spec.js';
import type { PredictionRecord, StudyData } from '../analysis/load.js';
import type { StoredDeadLetter } from './dead-letters.js';

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

/** What the database holds for one task: its status with the errors a search decides on. */
export interface StoredResult {
  readonly status: TaskStatus;
  readonly l1: number | null;
  readonly sharpenedL1: number | null;
  /** Unit: ms. */
  readonly wallMs: number | null;
}

export interface StudyInfo {
  readonly study: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly progress: StudyProgress;
}

/** A study's rows of the task_results view, streamed: a study of any size exports in constant memory. */
export interface ExportRows {
  readonly columns: readonly string[];
  readonly rows: Iterable<Record<string, unknown>>;
}

/**
 * The result database as status, summaries and export read it. It never writes, so it is also
 * served by a read-only connection (SqliteReadModel) while a coordinator holds the database.
 */
export interface ReadModel {
  progress(study: string): StudyProgress;
  hasStudy(study: string): boolean;
  /** The study's latest registered spec. */
  studySpec(study: string): StudySpec | undefined;
  listStudies(): StudyInfo[];
  /** The study's tasks in spec order with their status and headline errors. */
  results(study: string): ResultRow[];
  deadLetters(study: string): StoredDeadLetter[];
  deadLetterCount(study: string): number;
  /** The study's task_results rows ordered by target, dim, width, seed. */
  exportRows(study: string): ExportRows;
  /** What analysis reads: the study's tasks in spec order with trained and reference errors. */
  studyData(study: string): StudyData;
  /** The stored prediction grids of the given tasks, by task id. */
  predictions(taskIds: readonly string[]): Map<string, PredictionRecord>;
  /** One task's status and errors, whichever study it belongs to; undefined without a row. */
  storedResult(taskId: string): StoredResult | undefined;
}
