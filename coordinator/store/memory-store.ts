import { randomBytes } from 'node:crypto';
import { StoreError } from '../../shared/errors.js';
import type { TaskOutcome } from '../../shared/result.js';
import type { StudySpec } from '../../shared/spec/study-spec.js';
import type { Task } from '../../shared/task.js';
import type { StudyProgress, TaskStatus } from './read-model.js';
import type { AttemptInfo, RegisterSummary, ResultStore, TaskState } from './result-store.js';

interface TaskRow {
  readonly task: Task;
  readonly status: TaskStatus;
  readonly attempts: number;
  readonly error: string | null;
}

interface StudyRow {
  readonly spec: StudySpec;
  readonly taskIds: readonly string[];
  readonly key: string | null;
}

/** A stored outcome with who produced it. */
export interface MemoryResult {
  readonly outcome: TaskOutcome;
  readonly worker: string;
}

/** Rows are replaced, never mutated, so a transaction's snapshot is a copy of three maps. */
interface State {
  tasks: Map<string, TaskRow>;
  studies: Map<string, StudyRow>;
  results: Map<string, MemoryResult>;
}

const FINAL: ReadonlySet<TaskStatus> = new Set(['done', 'diverged']);

/**
 * The coordinator's write side in memory, with the SQLite store's rules (a final result is never
 * overwritten, a failed task starts again only with a newer attempt, a throw inside transaction()
 * rolls back): for tests that build a Coordinator without a database file.
 */
export class MemoryResultStore implements ResultStore {
  #state: State = { tasks: new Map(), studies: new Map(), results: new Map() };
  #closed = false;

  get closed(): boolean {
    return this.#closed;
  }

  /** The stored outcome of a task, if any. */
  result(taskId: string): MemoryResult | undefined {
    return this.#state.results.get(taskId);
  }

  registerStudy(spec: StudySpec, tasks: readonly Task[]): RegisterSummary {
    this.#open();
    let added = 0;
    let finished = 0;
    const ids = new Set<string>();
    for (const task of tasks) {
      const row = this.#state.tasks.get(task.id);
      if (row === undefined) {
        this.#state.tasks.set(task.id, { task, status: 'pending', attempts: 0, error: null });
        added++;
      } else if (FINAL.has(row.status)) {
        finished++;
      }
      ids.add(task.id);
    }
    const key = this.#state.studies.get(spec.name)?.key ?? null;
    this.#state.studies.set(spec.name, { spec, taskIds: [...ids], key });
    return { total: tasks.length, added, finished };
  }

  registerStudyInterruptibly(
    spec: StudySpec,
    tasks: readonly Task[],
    signal: AbortSignal,
  ): Promise<RegisterSummary | undefined> {
    return Promise.resolve(signal.aborted ? undefined : this.registerStudy(spec, tasks));
  }

  unfinishedTasks(study: string, includeFailed = true): Task[] {
    return this.#rows(study)
      .filter((r) => !FINAL.has(r.status) && (includeFailed || r.status !== 'failed'))
      .map((r) => r.task);
  }

  recordOutcome(outcome: TaskOutcome, attempt: AttemptInfo): boolean {
    this.#open();
    const row = this.#state.tasks.get(outcome.taskId);
    if (row === undefined || this.#state.results.has(outcome.taskId)) return false;
    this.#state.results.set(outcome.taskId, { outcome, worker: attempt.worker });
    this.#set(row, {
      status: outcome.type,
      error: outcome.type === 'diverged' ? outcome.reason : null,
      attempts: Math.max(row.attempts, attempt.attempt ?? 0),
    });
    return true;
  }

  recordFailure(taskId: string, error: string, attempt = 0): boolean {
    const row = this.#row(taskId);
    if (row === undefined || FINAL.has(row.status)) return false;
    this.#set(row, { status: 'failed', error, attempts: Math.max(row.attempts, attempt) });
    return true;
  }

  markStarted(taskId: string, attempt: number): void {
    const row = this.#row(taskId);
    if (row === undefined || FINAL.has(row.status)) return;
    if (row.status === 'failed' && attempt <= row.attempts) return;
    this.#set(row, { status: 'running', attempts: Math.max(row.attempts, attempt) });
  }

  noteAttemptFailed(taskId: string, attempt: number, error: string): void {
    const row = this.#row(taskId);
    if (row === undefined || FINAL.has(row.status) || row.status === 'failed') return;
    this.#set(row, { status: 'pending', attempts: Math.max(row.attempts, attempt), error });
  }

  acceptsResult(study: string, taskId: string): boolean {
    return this.#state.studies.get(study)?.taskIds.includes(taskId) ?? false;
  }

  taskState(taskId: string): TaskState | undefined {
    const row = this.#row(taskId);
    return row && { status: row.status, attempts: row.attempts, latestCopy: null };
  }

  studyKey(study: string): string {
    const row = this.#state.studies.get(study);
    if (row === undefined) throw new StoreError(`studyKey: unknown study ${study}`);
    if (row.key !== null) return row.key;
    const key = randomBytes(8).toString('hex');
    this.#state.studies.set(study, { ...row, key });
    return key;
  }

  getTask(taskId: string): Task | undefined {
    return this.#row(taskId)?.task;
  }

  taskError(taskId: string): string | null {
    return this.#row(taskId)?.error ?? null;
  }

  transaction<T>(fn: () => T): T {
    const snapshot: State = {
      tasks: new Map(this.#state.tasks),
      studies: new Map(this.#state.studies),
      results: new Map(this.#state.results),
    };
    try {
      return fn();
    } catch (err) {
      this.#state = snapshot;
      throw err;
    }
  }

  progress(study: string): StudyProgress {
    const counts = { pending: 0, running: 0, done: 0, failed: 0, diverged: 0 };
    const rows = this.#rows(study);
    for (const row of rows) counts[row.status]++;
    return { study, total: rows.length, ...counts };
  }

  hasStudy(study: string): boolean {
    return this.#state.studies.has(study);
  }

  studySpec(study: string): StudySpec | undefined {
    return this.#state.studies.get(study)?.spec;
  }

  close(): void {
    this.#closed = true;
  }

  #open(): void {
    if (this.#closed) throw new StoreError('the memory store is closed');
  }

  #row(taskId: string): TaskRow | undefined {
    this.#open();
    return this.#state.tasks.get(taskId);
  }

  #rows(study: string): TaskRow[] {
    this.#open();
    const ids = this.#state.studies.get(study)?.taskIds ?? [];
    return ids.flatMap((id) => this.#state.tasks.get(id) ?? []);
  }

  #set(row: TaskRow, change: Partial<Omit<TaskRow, 'task'>>): void {
    this.#state.tasks.set(row.task.id, { ...row, ...change });
  }
}
