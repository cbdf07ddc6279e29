import Database from 'better-sqlite3';
import type { Statement } from 'better-sqlite3';
import type { StudySpec } from '../../shared/spec/study-spec.js';
import type { PredictionRecord, StudyData } from '../analysis/load.js';
import { readPredictions, readStudyData } from './analysis-reads.js';
import { prepareDeadLetters } from './dead-letters.js';
import type { StoredDeadLetter } from './dead-letters.js';
import type {
  ExportRows,
  ReadModel,
  ResultRow,
  StudyInfo,
  StoredResult,
  StudyProgress,
  TaskStatus,
} from './read-model.js';

/**
 * The read model over an SQLite connection: the writer's own (SqliteResultStore delegates to it)
 * or a read-only one opened with openReadModel, which never migrates nor locks the file.
 */
export class SqliteReadModel implements ReadModel {
  readonly #db: Database.Database;
  #prepared: ReturnType<typeof prepareReads> | undefined;

  constructor(db: Database.Database) {
    this.#db = db;
  }

  /** Prepared on first use: analysis builds a model per query and needs none of these. */
  get #stmts(): ReturnType<typeof prepareReads> {
    this.#prepared ??= prepareReads(this.#db);
    return this.#prepared;
  }

  progress(study: string): StudyProgress {
    const rows = this.#stmts.progress.all({ study }) as Array<{ status: TaskStatus; n: number }>;
    const counts = { pending: 0, running: 0, done: 0, failed: 0, diverged: 0 };
    for (const row of rows) counts[row.status] = row.n;
    const total = rows.reduce((sum, r) => sum + r.n, 0);
    return { study, total, ...counts };
  }

  hasStudy(study: string): boolean {
    return this.#stmts.hasStudy.get({ study }) !== undefined;
  }

  studySpec(study: string): StudySpec | undefined {
    const row = this.#stmts.studySpec.get({ study }) as { spec_json: string } | undefined;
    if (row === undefined) return undefined;
    // Specs stored before routing existed have none: every task goes to the default pool.
    const spec = JSON.parse(row.spec_json) as Omit<StudySpec, 'routing'> & {
      routing?: StudySpec['routing'];
    };
    return { ...spec, routing: spec.routing ?? [] };
  }

  listStudies(): StudyInfo[] {
    const rows = this.#stmts.listStudies.all() as Array<{
      study: string;
      created_at: string;
      updated_at: string;
    }>;
    return rows.map((r) => ({
      study: r.study,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      progress: this.progress(r.study),
    }));
  }

  results(study: string): ResultRow[] {
    return this.#stmts.results.all({ study }) as ResultRow[];
  }

  deadLetters(study: string): StoredDeadLetter[] {
    return this.#stmts.deadLetters.list.all({ study }) as StoredDeadLetter[];
  }

  deadLetterCount(study: string): number {
    return (this.#stmts.deadLetters.count.get({ study }) as { n: number }).n;
  }

  exportRows(study: string): ExportRows {
    // Prepared per call: the view's columns are read from the statement.
    const stmt = this.#db.prepare(
      'SELECT * FROM task_results WHERE study = ? ORDER BY target, dim, width, seed',
    );
    return {
      columns: stmt.columns().map((c) => c.name),
      rows: stmt.iterate(study) as Iterable<Record<string, unknown>>,
    };
  }

  studyData(study: string): StudyData {
    return readStudyData(this.#db, study);
  }

  predictions(taskIds: readonly string[]): Map<string, PredictionRecord> {
    return readPredictions(this.#db, taskIds);
  }

  storedResult(taskId: string): StoredResult | undefined {
    return this.#stmts.storedResult.get({ id: taskId }) as StoredResult | undefined;
  }
}

/** A read model over its own read-only connection; close() releases it. */
export function openReadModel(path: string): SqliteReadModel & { close(): void } {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  const model = new SqliteReadModel(db);
  return Object.assign(model, { close: () => db.close() });
}

function prepareReads(db: Database.Database) {
  const stmt = (sql: string): Statement => db.prepare(sql);
  return {
    deadLetters: prepareDeadLetters(db),
    progress: stmt(`SELECT t.status AS status, count(*) AS n FROM study_tasks st
      JOIN tasks t ON t.task_id = st.task_id WHERE st.study = @study GROUP BY t.status`),
    studySpec: stmt(`SELECT spec_json FROM studies WHERE study = @study`),
    hasStudy: stmt(`SELECT 1 FROM studies WHERE study = @study`),
    listStudies: stmt(`SELECT study, created_at, updated_at FROM studies ORDER BY created_at`),
    // Spec order (study_tasks.position), so tables list targets as the user wrote them.
    results: stmt(`SELECT t.target, t.target_params AS targetParams, t.kind, t.dim, t.width, t.seed,
      coalesce(json_extract(t.spec_json, '$.train.mode'), 'direct') AS mode, t.status, r.l1_error AS l1Error, r.accuracy FROM study_tasks st
      JOIN tasks t ON t.task_id = st.task_id LEFT JOIN results r ON r.task_id = t.task_id
      WHERE st.study = @study ORDER BY st.position`),
    storedResult: stmt(`SELECT t.status AS status, r.l1_error AS l1,
      r.sharpened_l1 AS sharpenedL1, r.wall_ms AS wallMs
      FROM tasks t LEFT JOIN results r ON r.task_id = t.task_id WHERE t.task_id = @id`),
  };
}
