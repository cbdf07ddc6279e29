import type { Database } from 'better-sqlite3';
import { StoreError } from '../../shared/errors.js';
import { ANALYSIS_SCHEMA_SQL, CONVERGENCE_VIEW_V5_SQL } from './analysis-schema.js';
import { DECOMPOSITION_SCHEMA_SQL } from './decomposition-schema.js';
import { DEAD_LETTER_SCHEMA_SQL } from './dead-letters.js';

/** The schema version with the covering indexes the dashboard's queries name. */
export const DASHBOARD_INDEXES_VERSION = 8;

/**
 * Schema versions, applied in order inside one transaction each; PRAGMA user_version records
 * the last one applied. Never edit a released migration: add a new one.
 */
const MIGRATIONS: ReadonlyArray<{ readonly version: number; readonly sql: string }> = [
  {
    version: 1,
    sql: `
CREATE TABLE studies (
  study      TEXT PRIMARY KEY,
  spec_json  TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

-- A task is content-addressed: the same computation is one row, whichever studies contain it.
CREATE TABLE tasks (
  task_id       TEXT PRIMARY KEY,
  target        TEXT NOT NULL,
  target_params TEXT NOT NULL,
  kind          TEXT NOT NULL CHECK (kind IN ('regression', 'classification')),
  dim           INTEGER NOT NULL,
  width         INTEGER NOT NULL,
  seed          INTEGER NOT NULL,
  spec_json     TEXT NOT NULL,
  status        TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'running', 'done', 'failed', 'diverged')),
  attempts      INTEGER NOT NULL DEFAULT 0,
  error         TEXT,
  created_at    TEXT NOT NULL,
  updated_at    TEXT NOT NULL
);

CREATE TABLE study_tasks (
  study    TEXT NOT NULL REFERENCES studies (study) ON DELETE CASCADE,
  task_id  TEXT NOT NULL REFERENCES tasks (task_id),
  position INTEGER NOT NULL,
  PRIMARY KEY (study, task_id)
) WITHOUT ROWID;
CREATE INDEX study_tasks_by_task ON study_tasks (task_id);

-- At most one result per task: the primary key is the dedupe guarantee.
CREATE TABLE results (
  task_id         TEXT PRIMARY KEY REFERENCES tasks (task_id),
  outcome         TEXT NOT NULL CHECK (outcome IN ('done', 'diverged')),
  l1_error        REAL,
  l1_stderr       REAL,
  l2_error        REAL,
  max_error       REAL,
  accuracy        REAL,
  sharpened_l1    REAL,
  misclassified   REAL,
  eval_points     INTEGER,
  train_loss      REAL,
  steps           INTEGER NOT NULL,
  train_ms        REAL NOT NULL,
  wall_ms         REAL NOT NULL,
  backend         TEXT NOT NULL,
  versions_json   TEXT NOT NULL,
  loss_curve_json TEXT NOT NULL,
  worker          TEXT NOT NULL,
  finished_at     TEXT NOT NULL
);

CREATE VIEW task_results AS
SELECT st.study, t.task_id, t.target, t.target_params, t.kind, t.dim, t.width, t.seed, t.status,
       r.l1_error, r.l1_stderr, r.l2_error, r.max_error, r.accuracy, r.sharpened_l1, r.misclassified,
       r.train_loss, r.steps, r.wall_ms, r.train_ms, r.backend, t.attempts, t.error, r.worker,
       r.finished_at
FROM study_tasks st
JOIN tasks t ON t.task_id = st.task_id
LEFT JOIN results r ON r.task_id = t.task_id;
`,
  },
  {
    version: 2,
    // Distributed sweeps: where the latest published copy of a task sits in the JetStream task
    // stream, so a max-deliveries advisory (which names only a stream sequence) finds its task.
    sql: `
ALTER TABLE tasks ADD COLUMN stream_seq INTEGER;
ALTER TABLE tasks ADD COLUMN published_at TEXT;
CREATE INDEX tasks_by_stream_seq ON tasks (stream_seq);
`,
  },
  {
    version: 3,
    // Convergence analysis: reference approximants, plot predictions, the convergence views.
    sql: ANALYSIS_SCHEMA_SQL,
  },
  {
    version: 4,
    // Every backend runs every optimizer: the optimizer that trained each result, next to its
    // backend (NULL for results from workers that predate it).
    sql: `ALTER TABLE results ADD COLUMN optimizer TEXT;`,
  },
  {
    version: 5,
    // Error decomposition: training-set errors, the best-known references, NULL L2 errors for
    // targets outside L2, best_reference_* and optimizer in task_results.
    sql: DECOMPOSITION_SCHEMA_SQL,
  },
  {
    version: 6,
    // Reliability: dead letters, and studies.study_key (scopes a study's NATS subjects).
    sql: DEAD_LETTER_SCHEMA_SQL,
  },
  {
    version: 7,
    // The convergence view gains the estimation and optimisation gaps (width-analysis).
    sql: CONVERGENCE_VIEW_V5_SQL,
  },
  {
    version: DASHBOARD_INDEXES_VERSION,
    // Live dashboard: covering indexes for per-study aggregates. A task row keeps its wide
    // spec_json before status, and a result row its loss curve before finished_at, both in
    // overflow pages; counting a 100,000-task study by status or by result time through these
    // indexes reads none of them. The training mode lives inside spec_json: a virtual column
    // names it, so the index can hold it (an index on the json_extract expression is not used to
    // answer a GROUP BY).
    sql: `
ALTER TABLE tasks ADD COLUMN train_mode TEXT
  GENERATED ALWAYS AS (coalesce(json_extract(spec_json, '$.train.mode'), 'direct')) VIRTUAL;
CREATE INDEX tasks_summary ON tasks (task_id, status, target, target_params, kind, train_mode,
  dim, width, seed, updated_at);
CREATE INDEX results_summary ON results (task_id, outcome, finished_at, l1_error);
`,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

/**
 * Brings the database to SCHEMA_VERSION (or to `upTo`, which tests use to build an older file);
 * refuses one written by a newer widthsweep.
 */
export function migrate(db: Database, upTo: number = SCHEMA_VERSION): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new StoreError(
      `the database has schema version ${current}, newer than this widthsweep supports (${SCHEMA_VERSION}); upgrade widthsweep`,
    );
  }
  for (const migration of MIGRATIONS) {
    if (migration.version <= current || migration.version > upTo) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    })();
  }
}
