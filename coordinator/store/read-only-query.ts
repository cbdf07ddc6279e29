import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { InputError, QueryError } from '../../shared/errors.js';

export interface QueryResult {
  readonly columns: readonly string[];
  readonly rows: ReadonlyArray<Record<string, unknown>>;
}

/**
 * Runs one statement on a read-only connection. The statement is refused before it runs when
 * SQLite says it could write, so even an ATTACH or a pragma assignment never reaches the file.
 */
export function runReadOnlyQuery(dbPath: string, sql: string): QueryResult {
  if (!existsSync(dbPath)) throw new InputError(`no result database at ${dbPath}`);
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
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
    const columns = stmt.columns().map((c) => c.name);
    try {
      return { columns, rows: stmt.all() as Array<Record<string, unknown>> };
    } catch (err) {
      throw new QueryError(`query: ${(err as Error).message}`, { cause: err });
    }
  } finally {
    db.close();
  }
}
