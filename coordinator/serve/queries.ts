import type Database from 'better-sqlite3';
import type { Statement } from 'better-sqlite3';
import type { StudySpec } from '../../shared/spec/study-spec.js';
import { median } from '../../shared/stats.js';
import { searchStatusOn } from '../search/search-status.js';
import { SqliteReadModel } from '../store/sqlite-read-model.js';
import type { StudyProgress } from '../store/read-model.js';

/** A study's task counts and result rate, aggregated in SQL. */
export interface StudyOverview extends StudyProgress {
  readonly description: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** finished_at of the newest stored result of the study's tasks. */
  readonly lastResultAt: string | null;
  /** Results stored in the last THROUGHPUT_WINDOW_MIN minutes, per minute. */
  readonly recentPerMinute: number;
}

/** Minutes over which throughput is counted. */
export const THROUGHPUT_WINDOW_MIN = 10;

/** One curve point of a study (curvePoints). */
export interface CurvePointRow {
  readonly target: string;
  readonly target_params: string;
  readonly kind: string;
  readonly mode: string;
  readonly dim: number;
  readonly width: number;
  readonly tasks: number;
  readonly done: number;
  readonly median_l1: number | null;
  readonly min_l1: number | null;
  readonly max_l1: number | null;
}

/** A task in a short list (recent results, failures). */
export interface TaskListRow {
  readonly task_id: string;
  readonly target: string;
  readonly dim: number;
  readonly width: number;
  readonly seed: number;
  readonly status: string;
  readonly l1_error: number | null;
  readonly finished_at: string | null;
  readonly error: string | null;
}

/** Everything the task page shows, straight from the tables. */
export interface TaskDetail {
  readonly task: Record<string, unknown> & {
    task_id: string;
    spec_json: string;
    status: string;
    error: string | null;
  };
  readonly result: (Record<string, unknown> & { loss_curve_json: string }) | undefined;
  readonly references: ReadonlyArray<Record<string, unknown>>;
  readonly studies: readonly string[];
}

const OVERVIEW_SELECT = `
SELECT s.study, json_extract(s.spec_json, '$.description') AS description,
  s.created_at AS createdAt, s.updated_at AS updatedAt,
  count(t.task_id) AS total,
  coalesce(sum(t.status = 'pending'), 0) AS pending,
  coalesce(sum(t.status = 'running'), 0) AS running,
  coalesce(sum(t.status = 'done'), 0) AS done,
  coalesce(sum(t.status = 'failed'), 0) AS failed,
  coalesce(sum(t.status = 'diverged'), 0) AS diverged,
  max(r.finished_at) AS lastResultAt,
  coalesce(sum(r.finished_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-${THROUGHPUT_WINDOW_MIN} minutes')), 0)
    * 1.0 / ${THROUGHPUT_WINDOW_MIN} AS recentPerMinute
FROM studies s
LEFT JOIN study_tasks st ON st.study = s.study
LEFT JOIN tasks AS t INDEXED BY tasks_summary ON t.task_id = st.task_id
LEFT JOIN results AS r INDEXED BY results_summary ON r.task_id = t.task_id`;

/**
 * One row per task of one study: its curve point and its trained L1 (NULL until done). Only
 * covering indexes are read. The medians are taken in JavaScript over this one pass: ranking
 * every row with window functions in SQL (the `convergence` view's way) took 1.7x as long on a
 * 100,000-task study, most of the study page's time.
 */
const CURVE_ROWS_SQL = `
SELECT t.target, t.target_params, t.kind, t.train_mode AS mode, t.dim, t.width, r.l1_error
FROM study_tasks st
JOIN tasks AS t INDEXED BY tasks_summary ON t.task_id = st.task_id
LEFT JOIN results AS r INDEXED BY results_summary ON r.task_id = t.task_id AND r.outcome = 'done'
WHERE st.study = ?`;

type CurveRow = [string, string, string, string, number, number, number | null];

/** Groups CURVE_ROWS_SQL's rows by curve point, in (target, params, mode, dim, width) order. */
function curvePoints(rows: Iterable<CurveRow>): CurvePointRow[] {
  const points = new Map<string, { row: CurveRow; tasks: number; values: number[] }>();
  for (const row of rows) {
    // NUL never occurs in a target name, its JSON parameters or a mode.
    const key = `${row[0]}\u0000${row[1]}\u0000${row[3]}\u0000${row[4]}\u0000${row[5]}`;
    let point = points.get(key);
    if (point === undefined) {
      point = { row, tasks: 0, values: [] };
      points.set(key, point);
    }
    point.tasks += 1;
    if (row[6] !== null) point.values.push(row[6]);
  }
  const text = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return [...points.values()]
    .map(({ row, tasks, values }) => ({
      target: row[0],
      target_params: row[1],
      kind: row[2],
      mode: row[3],
      dim: row[4],
      width: row[5],
      tasks,
      done: values.length,
      median_l1: values.length === 0 ? null : median(values),
      min_l1: values.length === 0 ? null : values.reduce((a, b) => Math.min(a, b)),
      max_l1: values.length === 0 ? null : values.reduce((a, b) => Math.max(a, b)),
    }))
    .sort(
      (a, b) =>
        text(a.target, b.target) ||
        text(a.target_params, b.target_params) ||
        text(a.mode, b.mode) ||
        a.dim - b.dim ||
        a.width - b.width,
    );
}

const TASK_LIST_SELECT = `SELECT t.task_id, t.target, t.dim, t.width, t.seed, t.status,
  r.l1_error, r.finished_at, t.error
  FROM study_tasks st JOIN tasks AS t INDEXED BY tasks_summary ON t.task_id = st.task_id
  LEFT JOIN results AS r INDEXED BY results_summary ON r.task_id = t.task_id`;

function prepareStatements(db: Database.Database) {
  const p = (sql: string): Statement => db.prepare(sql);
  return {
    studies: p(`${OVERVIEW_SELECT} GROUP BY s.study ORDER BY s.created_at, s.study`),
    study: p(`${OVERVIEW_SELECT} WHERE s.study = ? GROUP BY s.study`),
    curves: p(CURVE_ROWS_SQL).raw(true),
    recent: p(`${TASK_LIST_SELECT} WHERE st.study = ? AND r.finished_at IS NOT NULL
      ORDER BY r.finished_at DESC LIMIT ?`),
    failed: p(`${TASK_LIST_SELECT} WHERE st.study = ? AND t.status = 'failed'
      ORDER BY t.updated_at DESC LIMIT ?`),
    task: p(`SELECT task_id, target, target_params, kind, dim, width, seed, spec_json, status,
      attempts, error, created_at, updated_at FROM tasks WHERE task_id = ?`),
    result: p(`SELECT * FROM results WHERE task_id = ?`),
    references: p(`SELECT * FROM reference_results WHERE task_id = ? ORDER BY method`),
    taskStudies: p(`SELECT study FROM study_tasks WHERE task_id = ? ORDER BY study`),
    resultMark: p(`SELECT max(rowid) AS mark FROM results`),
    spec: p(`SELECT spec_json FROM studies WHERE study = ?`),
  };
}

/*
 * The joins name their covering indexes (schema version 8): a database that was never ANALYZEd
 * leaves the planner to pick the primary keys instead, which read every wide row.
 */

/**
 * The dashboard's statements on its read-only connection. Pages aggregate in SQL and list at
 * most a page of tasks, so a 100,000-task study costs a few indexed scans, not 100,000 objects.
 */
export class DashboardQueries {
  readonly #db: Database.Database;
  readonly #s: ReturnType<typeof prepareStatements>;
  readonly #reads: SqliteReadModel;

  constructor(db: Database.Database) {
    this.#db = db;
    this.#s = prepareStatements(db);
    this.#reads = new SqliteReadModel(db);
  }

  /**
   * Changes whenever another connection commits (SQLite's own counter, per connection): the
   * watcher's cheap question "is there anything new?", which reads no rows.
   */
  dataVersion(): number {
    return this.#db.pragma('data_version', { simple: true }) as number;
  }

  /** The newest result's rowid: tells a new result from other writes (a task marked running). */
  resultMark(): number {
    return (this.#s.resultMark.get() as { mark: number | null }).mark ?? 0;
  }

  studies(): StudyOverview[] {
    return this.#all(this.#s.studies, []) as StudyOverview[];
  }

  study(study: string): StudyOverview | undefined {
    return this.#s.study.get(study) as StudyOverview | undefined;
  }

  curves(study: string): CurvePointRow[] {
    return curvePoints(this.#s.curves.iterate(study) as Iterable<CurveRow>);
  }

  /**
   * The study's width search as `status` shows it, replayed from the stored results; undefined
   * for a study without a search section.
   */
  searchText(study: string): string | undefined {
    const row = this.#s.spec.get(study) as { spec_json: string } | undefined;
    if (row === undefined) return undefined;
    const spec = JSON.parse(row.spec_json) as StudySpec;
    return searchStatusOn(this.#reads, { ...spec, routing: spec.routing ?? [] })?.text;
  }

  recentResults(study: string, limit: number): TaskListRow[] {
    return this.#all(this.#s.recent, [study, limit]) as TaskListRow[];
  }

  failedTasks(study: string, limit: number): TaskListRow[] {
    return this.#all(this.#s.failed, [study, limit]) as TaskListRow[];
  }

  task(taskId: string): TaskDetail | undefined {
    const task = this.#s.task.get(taskId) as TaskDetail['task'] | undefined;
    if (task === undefined) return undefined;
    return {
      task,
      result: this.#s.result.get(taskId) as TaskDetail['result'],
      references: this.#all(this.#s.references, [taskId]) as Array<Record<string, unknown>>,
      studies: (this.#all(this.#s.taskStudies, [taskId]) as Array<{ study: string }>).map(
        (r) => r.study,
      ),
    };
  }

  #all(stmt: Statement, params: unknown[]): unknown[] {
    return stmt.all(...params);
  }
}
