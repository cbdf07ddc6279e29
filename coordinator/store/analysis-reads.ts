import type Database from 'better-sqlite3';
import { UnknownStudyError } from '../../shared/errors.js';
import type { PredictionRecord, StudyData, TaskRecord } from '../analysis/load.js';

// The analysis side of the SQLite read model (SqliteReadModel.studyData and predictions).

/**
 * The study's tasks in spec order, with trained, training-set and reference errors; the best
 * reference is the store's best_references view (the same rule as shared bestReference()).
 */
export function readStudyData(db: Database.Database, study: string): StudyData {
  const head = db.prepare('SELECT spec_json FROM studies WHERE study = ?').get(study) as
    { spec_json: string } | undefined;
  if (head === undefined) throw new UnknownStudyError(study);
  const rows = db
    .prepare(
      `SELECT t.task_id AS taskId, t.target, t.target_params AS targetParams, t.kind,
        coalesce(json_extract(t.spec_json, '$.train.mode'), 'direct') AS mode,
        t.dim, t.width, t.seed, t.status, r.l1_error AS l1, r.sharpened_l1 AS sharpenedL1,
        r.accuracy, rf.l1_error AS rfL1, rf.sharpened_l1 AS rfSharpenedL1,
        ip.l1_error AS interpL1, ip.sharpened_l1 AS interpSharpenedL1,
        r.l1_stderr AS l1Stderr, r.l2_error AS l2, r.train_l1_error AS trainL1,
        r.train_l2_error AS trainL2, CASE WHEN r.task_id IS NULL THEN NULL ELSE best.method END
        AS bestRefMethod, br.l1_error AS bestRefL1, br.sharpened_l1 AS bestRefSharpenedL1,
        json_extract(t.spec_json, '$.train.samples') AS samples,
        json_extract(t.spec_json, '$.train.optimizer') AS optimizer
      FROM study_tasks st
      JOIN tasks t ON t.task_id = st.task_id
      LEFT JOIN results r ON r.task_id = t.task_id AND r.outcome = 'done'
      LEFT JOIN reference_results rf ON rf.task_id = t.task_id AND rf.method = 'random-features'
      LEFT JOIN reference_results ip ON ip.task_id = t.task_id AND ip.method = 'interpolant'
      LEFT JOIN best_references best ON best.task_id = r.task_id
      LEFT JOIN reference_results br ON br.task_id = best.task_id AND br.method = best.method
      WHERE st.study = ? ORDER BY st.position`,
    )
    .all(study) as TaskRecord[];
  return { study, spec: JSON.parse(head.spec_json) as Record<string, unknown>, tasks: rows };
}

/** The stored prediction grids of the given tasks, by task id. */
export function readPredictions(
  db: Database.Database,
  taskIds: readonly string[],
): Map<string, PredictionRecord> {
  const stmt = db.prepare(
    'SELECT task_id, dim, size, outputs, output, encoding, data FROM predictions WHERE task_id = ?',
  );
  const out = new Map<string, PredictionRecord>();
  for (const id of taskIds) {
    const row = stmt.get(id) as
      | {
          task_id: string;
          dim: number;
          size: number;
          outputs: number;
          output: 'linear' | 'softmax';
          encoding: string;
          data: Buffer;
        }
      | undefined;
    if (row === undefined || row.encoding !== 'float32le') continue;
    const values = new Float32Array(row.data.length / 4);
    for (let i = 0; i < values.length; i++) values[i] = row.data.readFloatLE(i * 4);
    out.set(id, {
      taskId: id,
      dim: row.dim,
      size: row.size,
      outputs: row.outputs,
      output: row.output,
      values,
    });
  }
  return out;
}
