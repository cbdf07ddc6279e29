import { fork } from 'node:child_process';
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import {
  InputError,
  InterruptedError,
  QueryError,
  QueryTimeoutError,
} from '../../shared/errors.js';

export interface QueryResult {
  readonly columns: readonly string[];
  readonly rows: ReadonlyArray<Record<string, unknown>>;
}

export interface ReadOnlyQueryOptions {
  /** How long the statement may run before it is stopped. Unit: ms. @default 60000 */
  timeoutMs?: number;
  /** Aborting stops the statement at once (the CLI aborts on SIGINT/SIGTERM). */
  signal?: AbortSignal;
}

export interface ResolvedReadOnlyQueryOptions {
  readonly timeoutMs: number;
  readonly signal: AbortSignal | undefined;
}

export function resolveReadOnlyQueryOptions(
  options: ReadOnlyQueryOptions = {},
): ResolvedReadOnlyQueryOptions {
  const timeoutMs = options.timeoutMs ?? 60_000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new InputError(`query timeout: expected a positive number of ms, got ${timeoutMs}`);
  }
  return { timeoutMs, signal: options.signal };
}

const QUERY_CHILD = fileURLToPath(new URL('./query-child.js', import.meta.url));

/** A regular file (not a directory, not missing): SQLite says only "disk I/O error" otherwise. */
function checkDatabaseFile(dbPath: string): void {
  let isFile: boolean;
  try {
    const info = statSync(dbPath);
    if (info.isDirectory()) {
      throw new InputError(`${dbPath} is a directory, not a result database (give --db FILE)`);
    }
    isFile = info.isFile();
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`no result database at ${dbPath}`, { cause: err });
  }
  if (!isFile) throw new InputError(`${dbPath} is not a regular file, not a result database`);
}

/**
 * Refuses, before anything runs, a statement SQLite says could write (so even an ATTACH or a
 * pragma assignment never reaches the file) or one that returns no rows; returns its columns.
 */
function checkStatement(dbPath: string, sql: string): string[] {
  let db: Database.Database;
  try {
    db = new Database(dbPath, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new QueryError(`query: cannot open ${dbPath}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  try {
    let stmt: Database.Statement;
    try {
      stmt = db.prepare(sql);
    } catch (err) {
      throw new QueryError(`query: ${(err as Error).message}`, { cause: err });
    }
    if (!stmt.readonly) {
      throw new QueryError(
        'query: refused, the statement would write; the query command is read-only',
      );
    }
    if (!stmt.reader) throw new QueryError('query: the statement returns no rows');
    return stmt.columns().map((c) => c.name);
  } finally {
    db.close();
  }
}

type ChildReply = { rows: Array<Record<string, unknown>> } | { error: string };

/**
 * Runs one read-only statement in a child process, which is killed when the statement outlives
 * `timeoutMs` (QueryTimeoutError) or the signal aborts (InterruptedError).
 */
export async function runReadOnlyQuery(
  dbPath: string,
  sql: string,
  options: ReadOnlyQueryOptions = {},
): Promise<QueryResult> {
  const { timeoutMs, signal } = resolveReadOnlyQueryOptions(options);
  checkDatabaseFile(dbPath);
  const columns = checkStatement(dbPath, sql);
  const child = fork(QUERY_CHILD, [], { serialization: 'advanced', stdio: 'inherit' });
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    const reply = await new Promise<ChildReply>((resolve, reject) => {
      timer = setTimeout(() => {
        reject(
          new QueryTimeoutError(
            timeoutMs,
            `query: stopped after ${timeoutMs / 1000} s, the time limit (--timeout SECONDS raises it)`,
          ),
        );
      }, timeoutMs);
      onAbort = () => reject(new InterruptedError('query: interrupted, the statement was stopped'));
      if (signal?.aborted === true) onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      child.once('message', (m) => resolve(m as ChildReply));
      child.once('error', reject);
      child.once('exit', (code, sig) =>
        reject(new QueryError(`query: the query process ended (${sig ?? `exit ${code}`})`)),
      );
      child.send({ db: dbPath, sql });
    });
    if ('error' in reply) throw new QueryError(`query: ${reply.error}`);
    return { columns, rows: reply.rows };
  } finally {
    clearTimeout(timer);
    if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}
