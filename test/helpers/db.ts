import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';

/**
 * Rows of a read-only query on a database another process may still be creating: [] until the
 * file and its schema exist (a coordinator creates the file a moment before its tables).
 */
export function rowsWhenReady(
  db: string,
  sql: string,
  ...params: unknown[]
): Array<Record<string, unknown>> {
  if (!existsSync(db)) return [];
  const conn = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return conn.prepare(sql).all(...params) as Array<Record<string, unknown>>;
  } catch (err) {
    if (err instanceof Error && /no such table/.test(err.message)) return [];
    throw err;
  } finally {
    conn.close();
  }
}
