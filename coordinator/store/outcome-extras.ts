import type Database from 'better-sqlite3';
import type { Statement } from 'better-sqlite3';
import type { TaskOutcome } from '../../shared/result.js';

const REFERENCE_COLUMNS = `(task_id, method, l1_error, l1_stderr, l2_error, max_error, accuracy,
  sharpened_l1, misclassified, eval_points, train_rmse, ridge, fit_ms)`;
const REFERENCE_ROW = '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';

/**
 * Statements that store what a done outcome carries beside its metrics (schema version 3). An
 * outcome's four or five reference rows go in one multi-row INSERT (a statement per row was a
 * tenth of storing a backlog), prepared once per row count and kept.
 */
export class OutcomeExtraStatements {
  readonly #db: Database.Database;
  readonly #insertReferences = new Map<number, Statement>();
  readonly insertPrediction: Statement;

  constructor(db: Database.Database) {
    this.#db = db;
    this.insertPrediction = db.prepare(`INSERT OR IGNORE INTO predictions (task_id, dim, size,
      outputs, output, encoding, data) VALUES (?, ?, ?, ?, ?, 'float32le', ?)`);
  }

  /** INSERT OR IGNORE of `rows` reference rows, positional parameters row after row. */
  insertReferences(rows: number): Statement {
    let stmt = this.#insertReferences.get(rows);
    if (stmt === undefined) {
      stmt = this.#db.prepare(
        `INSERT OR IGNORE INTO reference_results ${REFERENCE_COLUMNS}
         VALUES ${Array.from({ length: rows }, () => REFERENCE_ROW).join(', ')}`,
      );
      this.#insertReferences.set(rows, stmt);
    }
    return stmt;
  }
}

export function prepareOutcomeExtras(db: Database.Database): OutcomeExtraStatements {
  return new OutcomeExtraStatements(db);
}

/**
 * A metric as SQLite stores it: undefined and NaN become NULL (SQLite has no NaN and would store
 * NULL anyway; saying so keeps the rows honest). The result row uses it too.
 */
export const num = (value: number | null | undefined): number | null =>
  value === null || value === undefined || Number.isNaN(value) ? null : value;

/**
 * Stores a done outcome's references and grid predictions; call it in the transaction that
 * inserted the result row. Outcomes from workers that predate them simply carry none.
 */
export function storeOutcomeExtras(stmts: OutcomeExtraStatements, outcome: TaskOutcome): void {
  if (outcome.type !== 'done') return;
  const refs = outcome.references ?? [];
  if (refs.length > 0) {
    const values: Array<string | number | null> = [];
    for (const ref of refs) {
      const m = ref.metrics;
      values.push(
        outcome.taskId,
        ref.method,
        num(m.l1Error),
        num(m.l1Stderr),
        num(m.l2Error),
        num(m.maxError),
        num(m.accuracy),
        num(m.sharpenedL1),
        num(m.misclassified),
        m.evalPoints,
        num(ref.trainRmse),
        num(ref.ridge),
        ref.fitMs,
      );
    }
    stmts.insertReferences(refs.length).run(values);
  }
  const p = outcome.predictions;
  if (p !== undefined && p !== null) {
    stmts.insertPrediction.run(
      outcome.taskId,
      p.dim,
      p.size,
      p.outputs,
      p.output,
      Buffer.from(p.data, 'base64'),
    );
  }
}
