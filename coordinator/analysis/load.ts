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
 * the current schema (analysis needs the version 3 tables and views) and refuses a newer one, then
 * read-only for the queries.
 */
export function openForAnalysis(dbPath: string): Database.Database {
  if (!existsSync(dbPath)) throw new InputError(`no result database at ${dbPath}`);
  new SqliteResultStore(dbPath).close();
  return new Database(dbPath, { readonly: true, fileMustExist: true });
}

/** The study's tasks in spec order, with trained and reference errors. */
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
        ip.l1_error AS interpL1, ip.sharpened_l1 AS interpSharpenedL1
      FROM study_tasks st
      JOIN tasks t ON t.task_id = st.task_id
      LEFT JOIN results r ON r.task_id = t.task_id AND r.outcome = 'done'
      LEFT JOIN reference_results rf ON rf.task_id = t.task_id AND rf.method = 'random-features'
      LEFT JOIN reference_results ip ON ip.task_id = t.task_id AND ip.method = 'interpolant'
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
