import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { InputError } from '../../shared/errors.js';
import type { TargetKind } from '../../shared/targets/target.js';
import type { TrainMode } from '../../shared/train-mode.js';
import { SqliteReadModel } from '../store/sqlite-read-model.js';
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
 * The study's tasks in spec order, with trained, training-set and reference errors, read through
 * the read model (the best reference is the store's best_references view, the same rule as shared
 * bestReference()).
 */
export function loadStudy(db: Database.Database, study: string): StudyData {
  return new SqliteReadModel(db).studyData(study);
}

/** The stored prediction grids of the given tasks, by task id. */
export function loadPredictions(
  db: Database.Database,
  taskIds: readonly string[],
): Map<string, PredictionRecord> {
  return new SqliteReadModel(db).predictions(taskIds);
}
