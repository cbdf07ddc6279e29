import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { InputError, UnknownStudyError } from '../../shared/errors.js';
import type { TargetKind } from '../../shared/targets/target.js';
import type { TrainMode } from '../../shared/train-mode.js';
import { SqliteResultStore } from '../store/sqlite-store.js';

/** One task of a study with its trained and reference errors (null until done). */
export interface TaskRecord {
  readonly taskId: string;
  readonly target: string;
  /** The target's resolved parameters, as canonical JSON text. */
  readonly targetParams: string;
  readonly kind: TargetKind;
  readonly mode: TrainMode;
  readonly dim: number;
  readonly width: number;
  readonly seed: number;
  readonly status: string;
  readonly l1: number | null;
  readonly sharpenedL1: number | null;
  readonly accuracy: number | null;
  readonly rfL1: number | null;
  readonly rfSharpenedL1: number | null;
  readonly interpL1: number | null;
  readonly interpSharpenedL1: number | null;
  /** Standard error of l1 (the evaluation's own noise). */
  readonly l1Stderr: number | null;
  /** Null where the target is not in L2 (singular with alpha >= d/2). */
  readonly l2: number | null;
  /** The trained net's errors on its own training points, in the evaluation's measure. */
  readonly trainL1: number | null;
  readonly trainL2: number | null;
  /** The reference with the smallest error in the gap's measure (sharpened L1 for classification). */
  readonly bestRefMethod: string | null;
  readonly bestRefL1: number | null;
  readonly bestRefSharpenedL1: number | null;
  /** The task's resolved training sample count and optimizer, for the advice on what lifts a limit. */
  readonly samples: number | null;
  readonly optimizer: string | null;
}

/** A stored prediction grid, decoded. */
export interface PredictionRecord {
  readonly taskId: string;
  readonly dim: number;
  readonly size: number;
  readonly outputs: number;
  readonly output: 'linear' | 'softmax';
  readonly values: Float32Array;
}

export interface StudyData {
  readonly study: string;
  /** The study's latest validated spec, as stored. */
  readonly spec: Record<string, unknown>;
  readonly tasks: readonly TaskRecord[];
}

/**
 * Opens the result database for analysis: once through the store, which brings an older file to
 * the current schema (analysis needs the version 5 tables and views) and refuses a newer one, then
 * read-only for the queries.
 */
export function openForAnalysis(dbPath: string): Database.Database {
  if (!existsSync(dbPath)) throw new InputError(`no result database at ${dbPath}`);
  new SqliteResultStore(dbPath).close();
  return new Database(dbPath, { readonly: true, fileMustExist: true });
}

/**
 * The study's tasks in spec order, with trained, training-set and reference errors; the best
 * reference is the store's best_references view (the same rule as shared bestReference()).
 */
export function loadStudy(db: Database.Database, study: string): StudyData {
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
export function loadPredictions(
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
