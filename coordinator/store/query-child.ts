import Database from 'better-sqlite3';

/**
 * The child process of `widthsweep query`: runs one statement the parent has already checked
 * (read-only, returns rows) and sends back its rows. A statement in SQLite's C code cannot be
 * interrupted from JavaScript (better-sqlite3 has no sqlite3_interrupt), so the parent bounds it
 * by killing this process.
 */
interface QueryRequest {
  readonly db: string;
  readonly sql: string;
}

process.once('message', (message: QueryRequest) => {
  let reply: unknown;
  try {
    const db = new Database(message.db, { readonly: true, fileMustExist: true });
    try {
      reply = { rows: db.prepare(message.sql).all() };
    } finally {
      db.close();
    }
  } catch (err) {
    reply = { error: err instanceof Error ? err.message : String(err) };
  }
  process.send?.(reply, () => process.disconnect());
});
