/**
 * Schema version 5: the error decomposition. Training-set errors beside the evaluation errors,
 * the best-known reference approximants (free-knot, ridge interpolant, teacher, greedy), the
 * best reference of each task, and NULL L2 errors for targets outside L2. It is a migration: once
 * released, never edit it; add a new version instead.
 */
import { POINT, sqlMedian, sqlRankColumns } from './analysis-schema.js';

/** Columns whose per-point median the version 5 convergence view reports. */
const MEDIAN_COLUMNS = [
  'l1_error',
  'sharpened_l1',
  'accuracy',
  'rf_l1',
  'rf_sharpened_l1',
  'interp_l1',
  'train_l1',
  'best_l1',
];

/** The reference table of version 3 with every method of version 5 allowed. */
const REFERENCE_TABLE = `
CREATE TABLE reference_results_v4 (
  task_id       TEXT NOT NULL REFERENCES results (task_id),
  method        TEXT NOT NULL CHECK (method IN ('random-features', 'interpolant', 'free-knot',
                                               'ridge-interpolant', 'teacher', 'greedy')),
  l1_error      REAL,
  l1_stderr     REAL,
  l2_error      REAL,
  max_error     REAL,
  accuracy      REAL,
  sharpened_l1  REAL,
  misclassified REAL,
  eval_points   INTEGER,
  train_rmse    REAL,
  ridge         REAL,
  fit_ms        REAL NOT NULL,
  PRIMARY KEY (task_id, method)
) WITHOUT ROWID;
INSERT INTO reference_results_v4 SELECT task_id, method, l1_error, l1_stderr, l2_error,
  max_error, accuracy, sharpened_l1, misclassified, eval_points, train_rmse, ridge, fit_ms
  FROM reference_results;
DROP TABLE reference_results;
ALTER TABLE reference_results_v4 RENAME TO reference_results;
`;

/** Tasks of `singular` targets with alpha >= d/2, whose L2 error is infinite. */
const NOT_IN_L2 = `SELECT task_id FROM tasks WHERE target = 'singular'
  AND 2 * coalesce(json_extract(target_params, '$.alpha'), 0.5) >= dim`;

export const DECOMPOSITION_SCHEMA_SQL = `
-- The views read reference_results, which is rebuilt below (SQLite cannot alter a CHECK).
DROP VIEW task_results;
DROP VIEW task_references;
DROP VIEW convergence;
${REFERENCE_TABLE}
-- The evaluated network's errors on its own training points (same measure as l1_error etc.).
ALTER TABLE results ADD COLUMN train_l1_error REAL;
ALTER TABLE results ADD COLUMN train_l2_error REAL;
ALTER TABLE results ADD COLUMN train_max_error REAL;
ALTER TABLE results ADD COLUMN train_points INTEGER;

-- Earlier versions stored a finite (and meaningless) estimate of an infinite L2 error.
UPDATE results SET l2_error = NULL WHERE task_id IN (${NOT_IN_L2});
UPDATE reference_results SET l2_error = NULL WHERE task_id IN (${NOT_IN_L2});

-- The best reference of each task: the smallest L1 error (classification: the smallest sharpened
-- L1, which does not depend on a logit scale), ties to the first method name. The same rule as
-- bestReference() in shared/reference/best-reference.ts.
CREATE VIEW best_references AS
SELECT task_id, method, l1 FROM (
  SELECT ref.task_id, ref.method,
         CASE WHEN t.kind = 'classification' THEN ref.sharpened_l1 ELSE ref.l1_error END AS l1,
         row_number() OVER (
           PARTITION BY ref.task_id
           ORDER BY CASE WHEN t.kind = 'classification' THEN ref.sharpened_l1 ELSE ref.l1_error END,
                    ref.method
         ) AS position
  FROM reference_results ref
  JOIN tasks t ON t.task_id = ref.task_id
  WHERE (CASE WHEN t.kind = 'classification' THEN ref.sharpened_l1 ELSE ref.l1_error END)
        IS NOT NULL
)
WHERE position = 1;

CREATE VIEW task_results AS
SELECT st.study, t.task_id, t.target, t.target_params, t.kind, t.dim, t.width, t.seed, t.status,
       r.l1_error, r.l1_stderr, r.l2_error, r.max_error, r.accuracy, r.sharpened_l1, r.misclassified,
       r.train_loss, r.steps, r.wall_ms, r.train_ms, r.backend, r.optimizer, t.attempts, t.error, r.worker,
       r.finished_at, r.train_l1_error, r.train_l2_error, r.train_max_error, r.train_points,
       best.method AS best_reference_method, best.l1 AS best_reference_l1
FROM study_tasks st
JOIN tasks t ON t.task_id = st.task_id
LEFT JOIN results r ON r.task_id = t.task_id
LEFT JOIN best_references best ON best.task_id = t.task_id AND r.outcome = 'done';

-- Unchanged from version 3 (recreated because its table was rebuilt).
CREATE VIEW task_references AS
SELECT st.study, t.task_id, t.target, t.target_params, t.kind,
       coalesce(json_extract(t.spec_json, '$.train.mode'), 'direct') AS mode,
       t.dim, t.width, t.seed, ref.method,
       r.l1_error, ref.l1_error AS ref_l1_error, ref.l1_stderr AS ref_l1_stderr,
       r.sharpened_l1, ref.sharpened_l1 AS ref_sharpened_l1, ref.accuracy AS ref_accuracy,
       CASE WHEN t.kind = 'classification' THEN r.sharpened_l1 / nullif(ref.sharpened_l1, 0)
            ELSE r.l1_error / nullif(ref.l1_error, 0) END AS gap,
       ref.train_rmse, ref.ridge, ref.fit_ms
FROM study_tasks st
JOIN tasks t ON t.task_id = st.task_id
JOIN results r ON r.task_id = t.task_id
JOIN reference_results ref ON ref.task_id = t.task_id;

-- Version 3's columns, then the medians over the done seeds of the training-set L1 and of each
-- task's best reference (in the cell's measure: sharpened L1 for classification).
CREATE VIEW convergence AS
WITH base AS (
  SELECT st.study, t.target, t.target_params, t.kind,
         coalesce(json_extract(t.spec_json, '$.train.mode'), 'direct') AS mode,
         t.dim, t.width, t.seed, r.l1_error, r.sharpened_l1, r.accuracy,
         rf.l1_error AS rf_l1, rf.sharpened_l1 AS rf_sharpened_l1, ip.l1_error AS interp_l1,
         r.train_l1_error AS train_l1, CASE WHEN r.task_id IS NULL THEN NULL ELSE best.l1 END AS best_l1
  FROM study_tasks st
  JOIN tasks t ON t.task_id = st.task_id
  LEFT JOIN results r ON r.task_id = t.task_id AND r.outcome = 'done'
  LEFT JOIN reference_results rf ON rf.task_id = t.task_id AND rf.method = 'random-features'
  LEFT JOIN reference_results ip ON ip.task_id = t.task_id AND ip.method = 'interpolant'
  LEFT JOIN best_references best ON best.task_id = t.task_id
),
ranked AS (
  SELECT *,
    ${sqlRankColumns(MEDIAN_COLUMNS, POINT)}
  FROM base
),
point AS (
  SELECT study, target, target_params, kind, mode, dim, width,
         count(*) AS tasks,
         count(l1_error) AS done,
         ${sqlMedian('l1_error')} AS median_l1,
         min(l1_error) AS min_l1,
         max(l1_error) AS max_l1,
         exp(avg(ln(l1_error))) AS geomean_l1,
         ${sqlMedian('sharpened_l1')} AS median_sharpened_l1,
         ${sqlMedian('accuracy')} AS median_accuracy,
         ${sqlMedian('rf_l1')} AS median_rf_l1,
         ${sqlMedian('rf_sharpened_l1')} AS median_rf_sharpened_l1,
         ${sqlMedian('interp_l1')} AS median_interp_l1,
         ${sqlMedian('train_l1')} AS median_train_l1,
         ${sqlMedian('best_l1')} AS median_best_reference_l1
  FROM ranked
  GROUP BY study, target, target_params, kind, mode, dim, width
)
SELECT *,
       CASE WHEN kind = 'classification' THEN median_sharpened_l1 / nullif(median_rf_sharpened_l1, 0)
            ELSE median_l1 / nullif(median_rf_l1, 0) END AS gap
FROM point;
`;
