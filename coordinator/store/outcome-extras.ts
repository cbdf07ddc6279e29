import type Database from 'better-sqlite3';
import type { Statement } from 'better-sqlite3';
import type { TaskOutcome } from '../../shared/result.js';

/** Statements that store what a done outcome carries beside its metrics (schema version 3). */
export interface OutcomeExtraStatements {
  readonly insertReference: Statement;
  readonly insertPrediction: Statement;
}

export function prepareOutcomeExtras(db: Database.Database): OutcomeExtraStatements {
  return {
    insertReference: db.prepare(`INSERT OR IGNORE INTO reference_results (task_id, method,
      l1_error, l1_stderr, l2_error, max_error, accuracy, sharpened_l1, misclassified, eval_points,
      train_rmse, ridge, fit_ms)
      VALUES (@id, @method, @l1, @l1se, @l2, @max, @acc, @sharp, @mis, @points, @rmse, @ridge,
      @fitMs)`),
    insertPrediction: db.prepare(`INSERT OR IGNORE INTO predictions (task_id, dim, size, outputs,
      output, encoding, data) VALUES (@id, @dim, @size, @outputs, @output, 'float32le', @data)`),
  };
}

/** SQLite has no NaN and would store NULL anyway; saying so keeps the rows honest. */
const num = (value: number | null | undefined): number | null =>
  value === null || value === undefined || Number.isNaN(value) ? null : value;

/**
 * Stores a done outcome's references and grid predictions; call it in the transaction that
 * inserted the result row. Outcomes from workers that predate them simply carry none.
 */
export function storeOutcomeExtras(stmts: OutcomeExtraStatements, outcome: TaskOutcome): void {
  if (outcome.type !== 'done') return;
  for (const ref of outcome.references ?? []) {
    const m = ref.metrics;
    stmts.insertReference.run({
      id: outcome.taskId,
      method: ref.method,
      l1: num(m.l1Error),
      l1se: num(m.l1Stderr),
      l2: num(m.l2Error),
      max: num(m.maxError),
      acc: num(m.accuracy),
      sharp: num(m.sharpenedL1),
      mis: num(m.misclassified),
      points: m.evalPoints,
      rmse: num(ref.trainRmse),
      ridge: num(ref.ridge),
      fitMs: ref.fitMs,
    });
  }
  const p = outcome.predictions;
  if (p !== undefined && p !== null) {
    stmts.insertPrediction.run({
      id: outcome.taskId,
      dim: p.dim,
      size: p.size,
      outputs: p.outputs,
      output: p.output,
      data: Buffer.from(p.data, 'base64'),
    });
  }
}
