import type Database from 'better-sqlite3';
import type { ResultLookup, StoredResult } from './search-replay.js';

/**
 * Reads task results by id for a search replay: the status with the errors it decides on and
 * the wall time, from any connection (the analysis's read-only one, or a second one beside the
 * writing store: SQLite in WAL mode lets it read every committed result).
 */
export function storedResultLookup(db: Database.Database): ResultLookup {
  const stmt = db.prepare(`SELECT t.status AS status, r.l1_error AS l1,
      r.sharpened_l1 AS sharpenedL1, r.wall_ms AS wallMs
    FROM tasks t LEFT JOIN results r ON r.task_id = t.task_id WHERE t.task_id = ?`);
  return (taskId) => stmt.get(taskId) as StoredResult | undefined;
}
