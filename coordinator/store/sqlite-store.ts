import Database from 'better-sqlite3';
import type { Statement } from 'better-sqlite3';
import { StoreError } from '../../shared/errors.js';
import type { TaskOutcome } from '../../shared/result.js';
import type { StudySpec } from '../../shared/spec/study-spec.js';
import type { Task } from '../../shared/task.js';
import { migrate } from './migrations.js';
import { prepareOutcomeExtras, storeOutcomeExtras } from './outcome-extras.js';
import type {
  AttemptInfo,
  RegisterSummary,
  ResultRow,
  ResultStore,
  StudyInfo,
  StudyProgress,
  TaskStatus,
} from './result-store.js';

export interface SqliteStoreOptions {
  /** How long a statement waits for another connection's lock. Unit: ms. @default 5000 */
  busyTimeoutMs?: number;
}

export interface ResolvedSqliteStoreOptions {
  readonly busyTimeoutMs: number;
}

export function resolveSqliteStoreOptions(
  options: SqliteStoreOptions = {},
): ResolvedSqliteStoreOptions {
  return { busyTimeoutMs: options.busyTimeoutMs ?? 5000 };
}

const now = (): string => new Date().toISOString();

/** Undefined metrics and NaN become NULL; SQLite has no NaN and would store NULL anyway. */
const num = (value: number | null | undefined): number | null =>
  value === null || value === undefined || Number.isNaN(value) ? null : value;

function open(path: string, options: ResolvedSqliteStoreOptions): Database.Database {
  try {
    const db = new Database(path);
    db.pragma(`busy_timeout = ${options.busyTimeoutMs}`);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    return db;
  } catch (err) {
    throw new StoreError(`cannot open result database ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/** The SQLite result store. Only the coordinator process opens one for writing. */
export class SqliteResultStore implements ResultStore {
  readonly path: string;
  readonly #db: Database.Database;
  readonly #stmts: ReturnType<typeof prepare>;
  #closed = false;

  constructor(path: string, options: SqliteStoreOptions = {}) {
    this.path = path;
    this.#db = open(path, resolveSqliteStoreOptions(options));
    try {
      migrate(this.#db);
    } catch (err) {
      this.#db.close();
      throw err;
    }
    this.#stmts = prepare(this.#db);
  }

  registerStudy(spec: StudySpec, tasks: readonly Task[]): RegisterSummary {
    const s = this.#stmts;
    return this.#db.transaction(() => {
      const stamp = now();
      s.upsertStudy.run({ study: spec.name, spec: JSON.stringify(spec), stamp });
      let added = 0;
      let finished = 0;
      // The study is its latest spec: links from earlier versions go, their results stay.
      s.unlinkStudy.run({ study: spec.name });
      let position = 0;
      for (const task of tasks) {
        const inserted = s.insertTask.run(taskRow(task, stamp));
        added += inserted.changes;
        position += s.linkTask.run({ study: spec.name, id: task.id, position }).changes;
        const status = (s.taskStatus.get({ id: task.id }) as { status: TaskStatus }).status;
        if (status === 'done' || status === 'diverged') finished++;
      }
      return { total: tasks.length, added, finished };
    })();
  }

  unfinishedTasks(study: string, includeFailed = true): Task[] {
    const stmt = includeFailed ? this.#stmts.unfinished : this.#stmts.openTasks;
    const rows = stmt.all({ study }) as Array<{ spec_json: string }>;
    return rows.map((r) => JSON.parse(r.spec_json) as Task);
  }

  markRunning(taskId: string): number {
    const row = this.#stmts.markRunning.get({ id: taskId, stamp: now() }) as
      { attempts: number } | undefined;
    if (row === undefined) throw new StoreError(`markRunning: unknown or finished task ${taskId}`);
    return row.attempts;
  }

  markPending(taskId: string, error?: string): void {
    this.#stmts.markPending.run({ id: taskId, error: error ?? null, stamp: now() });
  }

  recordOutcome(outcome: TaskOutcome, attempt: AttemptInfo): boolean {
    const s = this.#stmts;
    return this.#db.transaction(() => {
      const stamp = now();
      const m = outcome.type === 'done' ? outcome.metrics : undefined;
      const inserted = s.insertResult.run({
        id: outcome.taskId,
        outcome: outcome.type,
        l1: num(m?.l1Error),
        l1se: num(m?.l1Stderr),
        l2: num(m?.l2Error),
        max: num(m?.maxError),
        acc: num(m?.accuracy),
        sharp: num(m?.sharpenedL1),
        mis: num(m?.misclassified),
        points: m?.evalPoints ?? null,
        loss: num(outcome.train.trainLoss),
        steps: outcome.train.steps,
        trainMs: outcome.train.trainMs,
        wallMs: outcome.wallMs,
        backend: outcome.train.backend,
        optimizer: outcome.train.optimizer ?? null,
        versions: JSON.stringify(outcome.train.versions),
        curve: JSON.stringify(outcome.train.lossCurve.map(([st, l]) => [st, num(l)])),
        worker: attempt.worker,
        stamp,
      });
      if (inserted.changes === 0) return false;
      s.finishTask.run({
        id: outcome.taskId,
        status: outcome.type,
        error: outcome.type === 'diverged' ? outcome.reason : null,
        attempt: attempt.attempt ?? 0,
        stamp,
      });
      storeOutcomeExtras(s.extras, outcome);
      return true;
    })();
  }

  markStarted(taskId: string, attempt: number): void {
    this.#stmts.markStarted.run({ id: taskId, attempt, stamp: now() });
  }

  noteAttemptFailed(taskId: string, attempt: number, error: string): void {
    this.#stmts.noteAttemptFailed.run({ id: taskId, attempt, error, stamp: now() });
  }

  recordPublished(taskId: string, streamSeq: number): void {
    this.#stmts.recordPublished.run({ id: taskId, seq: streamSeq, stamp: now() });
  }

  unfinishedTaskAtStreamSeq(streamSeq: number): string | undefined {
    const row = this.#stmts.taskAtSeq.get({ seq: streamSeq }) as { task_id: string } | undefined;
    return row?.task_id;
  }

  ensureTask(task: Task): void {
    this.#stmts.insertTask.run(taskRow(task, now()));
  }

  getTask(taskId: string): Task | undefined {
    const row = this.#stmts.getTask.get({ id: taskId }) as { spec_json: string } | undefined;
    return row === undefined ? undefined : (JSON.parse(row.spec_json) as Task);
  }

  taskError(taskId: string): string | null {
    const row = this.#stmts.taskError.get({ id: taskId }) as { error: string | null } | undefined;
    return row?.error ?? null;
  }

  transaction<T>(fn: () => T): T {
    return this.#db.transaction(fn)();
  }

  recordFailure(taskId: string, error: string): boolean {
    return this.#stmts.markFailed.run({ id: taskId, error, stamp: now() }).changes > 0;
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

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.close();
  }
}

function taskRow(task: Task, stamp: string) {
  return {
    id: task.id,
    target: task.target.name,
    params: JSON.stringify(task.target.params),
    kind: task.kind,
    dim: task.dim,
    width: task.width,
    seed: task.seed,
    spec: JSON.stringify(task),
    stamp,
  };
}

function prepare(db: Database.Database) {
  const stmt = (sql: string): Statement => db.prepare(sql);
  return {
    extras: prepareOutcomeExtras(db),
    upsertStudy: stmt(`INSERT INTO studies (study, spec_json, created_at, updated_at)
      VALUES (@study, @spec, @stamp, @stamp)
      ON CONFLICT (study) DO UPDATE SET spec_json = excluded.spec_json, updated_at = excluded.updated_at`),
    unlinkStudy: stmt(`DELETE FROM study_tasks WHERE study = @study`),
    insertTask: stmt(`INSERT OR IGNORE INTO tasks
      (task_id, target, target_params, kind, dim, width, seed, spec_json, created_at, updated_at)
      VALUES (@id, @target, @params, @kind, @dim, @width, @seed, @spec, @stamp, @stamp)`),
    linkTask: stmt(`INSERT OR IGNORE INTO study_tasks (study, task_id, position)
      VALUES (@study, @id, @position)`),
    getTask: stmt(`SELECT spec_json FROM tasks WHERE task_id = @id`),
    taskError: stmt(`SELECT error FROM tasks WHERE task_id = @id`),
    taskStatus: stmt(`SELECT status FROM tasks WHERE task_id = @id`),
    unfinished: stmt(`SELECT t.spec_json FROM study_tasks st JOIN tasks t ON t.task_id = st.task_id
      WHERE st.study = @study AND t.status NOT IN ('done', 'diverged') ORDER BY st.position`),
    openTasks: stmt(`SELECT t.spec_json FROM study_tasks st JOIN tasks t ON t.task_id = st.task_id
      WHERE st.study = @study AND t.status IN ('pending', 'running') ORDER BY st.position`),
    markRunning:
      stmt(`UPDATE tasks SET status = 'running', attempts = attempts + 1, updated_at = @stamp
      WHERE task_id = @id AND status NOT IN ('done', 'diverged') RETURNING attempts`),
    markPending:
      stmt(`UPDATE tasks SET status = 'pending', error = coalesce(@error, error), updated_at = @stamp
      WHERE task_id = @id AND status = 'running'`),
    markFailed: stmt(`UPDATE tasks SET status = 'failed', error = @error, updated_at = @stamp
      WHERE task_id = @id AND status NOT IN ('done', 'diverged')`),
    insertResult:
      stmt(`INSERT OR IGNORE INTO results (task_id, outcome, l1_error, l1_stderr, l2_error,
      max_error, accuracy, sharpened_l1, misclassified, eval_points, train_loss, steps, train_ms, wall_ms,
      backend, optimizer, versions_json, loss_curve_json, worker, finished_at)
      VALUES (@id, @outcome, @l1, @l1se, @l2, @max, @acc, @sharp, @mis, @points, @loss, @steps, @trainMs,
      @wallMs, @backend, @optimizer, @versions, @curve, @worker, @stamp)`),
    finishTask: stmt(`UPDATE tasks SET status = @status, error = @error,
      attempts = max(attempts, @attempt), updated_at = @stamp WHERE task_id = @id`),
    markStarted: stmt(`UPDATE tasks SET status = 'running', attempts = max(attempts, @attempt),
      updated_at = @stamp WHERE task_id = @id AND status NOT IN ('done', 'diverged', 'failed')`),
    noteAttemptFailed:
      stmt(`UPDATE tasks SET status = 'pending', attempts = max(attempts, @attempt),
      error = @error, updated_at = @stamp WHERE task_id = @id AND status NOT IN ('done', 'diverged', 'failed')`),
    recordPublished: stmt(`UPDATE tasks SET stream_seq = @seq, published_at = @stamp,
      status = CASE WHEN status = 'failed' THEN 'pending' ELSE status END, updated_at = @stamp
      WHERE task_id = @id`),
    taskAtSeq: stmt(`SELECT task_id FROM tasks WHERE stream_seq = @seq
      AND status NOT IN ('done', 'diverged', 'failed')`),
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
  };
}
