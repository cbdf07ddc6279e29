import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import type { Statement } from 'better-sqlite3';
import { StoreError } from '../../shared/errors.js';
import type { TaskOutcome } from '../../shared/result.js';
import type { StudySpec } from '../../shared/spec/study-spec.js';
import type { Task } from '../../shared/task.js';
import type { PredictionRecord, StudyData } from '../analysis/load.js';
import type { JetStreamLedger } from '../distributed/ledger.js';
import { prepareDeadLetters } from './dead-letters.js';
import type { DeadLetter, StoredDeadLetter } from './dead-letters.js';
import { migrate } from './migrations.js';
import { num, prepareOutcomeExtras, storeOutcomeExtras } from './outcome-extras.js';
import type {
  ExportRows,
  ReadModel,
  ResultRow,
  StoredResult,
  StudyInfo,
  StudyProgress,
  TaskStatus,
} from './read-model.js';
import type { AttemptInfo, RegisterSummary, ResultStore, TaskState } from './result-store.js';
import { SqliteReadModel } from './sqlite-read-model.js';

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

/** Tasks registered between two turns of the event loop by registerStudyInterruptibly. */
const REGISTER_SLICE = 2000;

/**
 * Refuses, by reading only, a file that is some other program's SQLite database: one with tables
 * but no widthsweep schema version, or a version without widthsweep's tables. It runs before
 * anything (journal mode included) changes the file.
 */
function checkOwnDatabase(db: Database.Database, path: string): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  const tables = db
    .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
    .pluck()
    .all() as string[];
  const ours = version === 0 ? tables.length === 0 : tables.includes('studies');
  if (ours) return;
  const listed = tables.slice(0, 5).join(', ') + (tables.length > 5 ? ', …' : '');
  throw new StoreError(
    `${path} is an SQLite database of another program (tables: ${listed || 'none'}; schema version ${version}), not a widthsweep result database; it was not changed, give another --db`,
  );
}

function open(path: string, options: ResolvedSqliteStoreOptions): Database.Database {
  let db: Database.Database | undefined;
  try {
    db = new Database(path);
    db.pragma(`busy_timeout = ${options.busyTimeoutMs}`);
    checkOwnDatabase(db, path);
    db.pragma('journal_mode = WAL');
    // WAL with synchronous NORMAL: a commit is durable against a crash of the process (the WAL
    // is in the OS's page cache), not against a power loss or OS crash, which can lose the last
    // transactions (never corrupt the file). The collector acks a batch after its commit, so
    // results of a batch that a power loss takes back are gone from the stream too: their tasks
    // are unfinished again, and the next `run` or `collect` publishes them again.
    db.pragma('synchronous = NORMAL');
    // Room for a whole collector batch's dirty pages (a few MB), so a transaction does not spill
    // pages into the WAL before its commit. Unit: KiB (negative).
    db.pragma('cache_size = -65536');
    // Checkpoints every 64 MiB of WAL rather than SQLite's 4 MiB: each one copies pages into the
    // database file and syncs it, and at the default a collector storing a backlog spent a
    // quarter of its commit time there. The WAL file is cut back to that size afterwards.
    // Units: pages of 4 KiB; bytes.
    db.pragma('wal_autocheckpoint = 16384');
    db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
    db.pragma('foreign_keys = ON');
    return db;
  } catch (err) {
    db?.close();
    if (err instanceof StoreError) throw err;
    throw new StoreError(`cannot open result database ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/**
 * The SQLite result store: the core's write side, the JetStream dispatcher's ledger and the read
 * model over one connection. Only the coordinator process opens one for writing.
 */
export class SqliteResultStore implements ResultStore, JetStreamLedger, ReadModel {
  readonly path: string;
  readonly #db: Database.Database;
  readonly #stmts: ReturnType<typeof prepare>;
  readonly #reads: SqliteReadModel;
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
    this.#reads = new SqliteReadModel(this.#db);
  }

  registerStudy(spec: StudySpec, tasks: readonly Task[]): RegisterSummary {
    return this.#db.transaction(() => {
      const steps = this.#registerSteps(spec, tasks);
      for (;;) {
        const step = steps.next();
        if (step.done === true) return step.value;
      }
    })();
  }

  /**
   * registerStudy in one transaction that yields to the event loop every REGISTER_SLICE tasks
   * (100k tasks take seconds), so a signal handler runs promptly; when `signal` aborts it rolls
   * back and returns undefined. Nothing else may use the store until it settles.
   */
  async registerStudyInterruptibly(
    spec: StudySpec,
    tasks: readonly Task[],
    signal: AbortSignal,
  ): Promise<RegisterSummary | undefined> {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const steps = this.#registerSteps(spec, tasks);
      for (;;) {
        const step = steps.next();
        if (step.done === true) {
          this.#db.exec('COMMIT');
          return step.value;
        }
        await new Promise((resolve) => setImmediate(resolve));
        if (signal.aborted) {
          this.#db.exec('ROLLBACK');
          return undefined;
        }
      }
    } catch (err) {
      if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
      throw err;
    }
  }

  /** The statements of registering a study, pausing (yield) every REGISTER_SLICE tasks. */
  *#registerSteps(spec: StudySpec, tasks: readonly Task[]): Generator<void, RegisterSummary> {
    const s = this.#stmts;
    const stamp = now();
    s.upsertStudy.run({ study: spec.name, spec: JSON.stringify(spec), stamp });
    let added = 0;
    let finished = 0;
    // The study is its latest spec: links from earlier versions go, their results stay.
    s.unlinkStudy.run({ study: spec.name });
    let position = 0;
    for (const [i, task] of tasks.entries()) {
      if (i > 0 && i % REGISTER_SLICE === 0) yield;
      const inserted = s.insertTask.run(taskRow(task, stamp));
      added += inserted.changes;
      position += s.linkTask.run({ study: spec.name, id: task.id, position }).changes;
      const status = (s.taskStatus.get({ id: task.id }) as { status: TaskStatus }).status;
      if (status === 'done' || status === 'diverged') finished++;
    }
    return { total: tasks.length, added, finished };
  }

  unfinishedTasks(study: string, includeFailed = true): Task[] {
    const stmt = includeFailed ? this.#stmts.unfinished : this.#stmts.openTasks;
    const rows = stmt.all({ study }) as Array<{ spec_json: string }>;
    return rows.map((r) => JSON.parse(r.spec_json) as Task);
  }

  recordOutcome(outcome: TaskOutcome, attempt: AttemptInfo): boolean {
    // Inside a caller's transaction (the collector's batch) a savepoint per result would only
    // add two statements: the caller's transaction already makes the writes atomic.
    return this.#db.inTransaction
      ? this.#recordOutcome(outcome, attempt)
      : this.#db.transaction(() => this.#recordOutcome(outcome, attempt))();
  }

  #recordOutcome(outcome: TaskOutcome, attempt: AttemptInfo): boolean {
    const s = this.#stmts;
    const stamp = now();
    const m = outcome.type === 'done' ? outcome.metrics : undefined;
    const tm = outcome.type === 'done' ? outcome.trainMetrics : undefined;
    // Positional, in the statement's column order: binding 24 named parameters from an object
    // cost twice as much per result as the array.
    const inserted = s.insertResult.run(
      outcome.taskId,
      outcome.type,
      num(m?.l1Error),
      num(m?.l1Stderr),
      num(m?.l2Error),
      num(m?.maxError),
      num(m?.accuracy),
      num(m?.sharpenedL1),
      num(m?.misclassified),
      m?.evalPoints ?? null,
      num(tm?.l1Error),
      num(tm?.l2Error),
      num(tm?.maxError),
      tm?.points ?? null,
      num(outcome.train.trainLoss),
      outcome.train.steps,
      outcome.train.trainMs,
      outcome.wallMs,
      outcome.train.backend,
      outcome.train.optimizer ?? null,
      JSON.stringify(outcome.train.versions),
      JSON.stringify(outcome.train.lossCurve.map(([st, l]) => [st, num(l)])),
      attempt.worker,
      stamp,
    );
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

  acceptsResult(study: string, taskId: string): boolean {
    return this.#stmts.acceptsResult.get({ study, id: taskId }) !== undefined;
  }

  taskState(taskId: string): TaskState | undefined {
    return this.#stmts.taskState.get({ id: taskId }) as TaskState | undefined;
  }

  studyKey(study: string): string {
    return this.#db.transaction(() => {
      const row = this.#stmts.studyKey.get({ study }) as { key: string | null } | undefined;
      if (row === undefined) throw new StoreError(`studyKey: unknown study ${study}`);
      if (row.key !== null) return row.key;
      const key = randomBytes(8).toString('hex');
      this.#stmts.setStudyKey.run({ study, key });
      return key;
    })();
  }

  recordDeadLetter(letter: DeadLetter): void {
    this.#stmts.deadLetters.insert.run({
      study: letter.study,
      subject: letter.subject,
      seq: letter.streamSeq,
      reason: letter.reason,
      payload: letter.payload,
      stamp: now(),
    });
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

  recordFailure(taskId: string, error: string, attempt = 0): boolean {
    return this.#stmts.markFailed.run({ id: taskId, error, attempt, stamp: now() }).changes > 0;
  }

  progress(study: string): StudyProgress {
    return this.#reads.progress(study);
  }

  hasStudy(study: string): boolean {
    return this.#reads.hasStudy(study);
  }

  studySpec(study: string): StudySpec | undefined {
    return this.#reads.studySpec(study);
  }

  listStudies(): StudyInfo[] {
    return this.#reads.listStudies();
  }

  results(study: string): ResultRow[] {
    return this.#reads.results(study);
  }

  deadLetters(study: string): StoredDeadLetter[] {
    return this.#reads.deadLetters(study);
  }

  deadLetterCount(study: string): number {
    return this.#reads.deadLetterCount(study);
  }

  exportRows(study: string): ExportRows {
    return this.#reads.exportRows(study);
  }

  studyData(study: string): StudyData {
    return this.#reads.studyData(study);
  }

  predictions(taskIds: readonly string[]): Map<string, PredictionRecord> {
    return this.#reads.predictions(taskIds);
  }

  storedResult(taskId: string): StoredResult | undefined {
    return this.#reads.storedResult(taskId);
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
    deadLetters: prepareDeadLetters(db),
    acceptsResult: stmt(`SELECT 1 FROM tasks t WHERE t.task_id = @id AND (t.stream_seq IS NOT NULL
      OR EXISTS (SELECT 1 FROM study_tasks st WHERE st.study = @study AND st.task_id = t.task_id))`),
    taskState: stmt(
      `SELECT status, attempts, stream_seq AS latestCopy FROM tasks WHERE task_id = @id`,
    ),
    studyKey: stmt(`SELECT study_key AS key FROM studies WHERE study = @study`),
    setStudyKey: stmt(`UPDATE studies SET study_key = @key WHERE study = @study`),
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
    markFailed: stmt(`UPDATE tasks SET status = 'failed', error = @error,
      attempts = max(attempts, @attempt), updated_at = @stamp
      WHERE task_id = @id AND status NOT IN ('done', 'diverged')`),
    insertResult:
      stmt(`INSERT OR IGNORE INTO results (task_id, outcome, l1_error, l1_stderr, l2_error,
      max_error, accuracy, sharpened_l1, misclassified, eval_points, train_l1_error, train_l2_error,
      train_max_error, train_points, train_loss, steps, train_ms, wall_ms, backend, optimizer,
      versions_json, loss_curve_json, worker, finished_at)
      VALUES (${Array.from({ length: 24 }, () => '?').join(', ')})`),
    finishTask: stmt(`UPDATE tasks SET status = @status, error = @error,
      attempts = max(attempts, @attempt), updated_at = @stamp WHERE task_id = @id`),
    // A failed task starts again only with a newer attempt (an in-process retry of it); a late
    // report of an older attempt leaves it failed.
    markStarted: stmt(`UPDATE tasks SET status = 'running', attempts = max(attempts, @attempt),
      updated_at = @stamp WHERE task_id = @id AND status NOT IN ('done', 'diverged')
      AND (status <> 'failed' OR @attempt > attempts)`),
    noteAttemptFailed:
      stmt(`UPDATE tasks SET status = 'pending', attempts = max(attempts, @attempt),
      error = @error, updated_at = @stamp WHERE task_id = @id AND status NOT IN ('done', 'diverged', 'failed')`),
    recordPublished: stmt(`UPDATE tasks SET stream_seq = @seq, published_at = @stamp,
      status = CASE WHEN status = 'failed' THEN 'pending' ELSE status END, updated_at = @stamp
      WHERE task_id = @id`),
    taskAtSeq: stmt(`SELECT task_id FROM tasks WHERE stream_seq = @seq
      AND status NOT IN ('done', 'diverged', 'failed')`),
  };
}
