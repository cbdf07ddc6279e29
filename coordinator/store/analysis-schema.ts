/**
 * Schema version 3: reference approximants, plot predictions, and views for convergence
 * questions. It is a migration: once released, never edit it; add a new version instead.
 */

/** The window that groups a study's tasks into one curve point. */
export const POINT = 'PARTITION BY study, target, target_params, mode, dim, width';

/** Columns whose per-point median the convergence view reports. */
const MEDIAN_COLUMNS = [
  'l1_error',
  'sharpened_l1',
  'accuracy',
  'rf_l1',
  'rf_sharpened_l1',
  'interp_l1',
];

/**
 * Rank and count of each column within its point, NULLs last, so that ranks (n+1)/2 and (n+2)/2
 * (integer division) are the one or two middle values of the non-NULL ones. Later migrations
 * reuse it: its output for a given column list must never change.
 */
export const sqlRankColumns = (columns: readonly string[], partition: string): string =>
  columns
    .map(
      (c) =>
        `row_number() OVER (${partition} ORDER BY ${c} IS NULL, ${c}) AS ${c}_rank,
    count(${c}) OVER (${partition}) AS ${c}_n`,
    )
    .join(',\n    ');

const rankColumns = sqlRankColumns(MEDIAN_COLUMNS, POINT);

/** The median of `column` over its partition, from the columns sqlRankColumns adds. */
export const sqlMedian = (column: string): string =>
  `avg(CASE WHEN ${column}_rank IN ((${column}_n + 1) / 2, (${column}_n + 2) / 2) THEN ${column} END)`;

export const ANALYSIS_SCHEMA_SQL = `
-- Reference approximants of a done task at its width, evaluated on the task's own evaluation
-- points: 'random-features' (the initial hidden layer, least-squares output layer) and, in d = 1,
-- 'interpolant' (the piecewise-linear interpolant at m + 1 uniform knots).
CREATE TABLE reference_results (
  task_id       TEXT NOT NULL REFERENCES results (task_id),
  method        TEXT NOT NULL CHECK (method IN ('random-features', 'interpolant')),
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

-- A done network's outputs on a plot grid: d = 1, 256 points i/255; d = 2, 64 x 64 cell centres
-- with x_1 varying fastest. data holds float32 little-endian values, point-major: the value
-- (linear output) or the class probabilities (softmax output).
CREATE TABLE predictions (
  task_id  TEXT PRIMARY KEY REFERENCES results (task_id),
  dim      INTEGER NOT NULL,
  size     INTEGER NOT NULL,
  outputs  INTEGER NOT NULL,
  output   TEXT NOT NULL CHECK (output IN ('linear', 'softmax')),
  encoding TEXT NOT NULL CHECK (encoding IN ('float32le')),
  data     BLOB NOT NULL
);

-- One row per (study, task, reference method): the trained and the reference error side by side.
-- gap = trained / reference, on the L1 error for regression and on the sharpened L1 (which does
-- not depend on a logit scale) for classification.
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

-- One row per curve point (study, target, target_params, mode, dim, width): task counts and the
-- medians over the done seeds of the trained and reference errors.
CREATE VIEW convergence AS
WITH base AS (
  SELECT st.study, t.target, t.target_params, t.kind,
         coalesce(json_extract(t.spec_json, '$.train.mode'), 'direct') AS mode,
         t.dim, t.width, t.seed, r.l1_error, r.sharpened_l1, r.accuracy,
         rf.l1_error AS rf_l1, rf.sharpened_l1 AS rf_sharpened_l1, ip.l1_error AS interp_l1
  FROM study_tasks st
  JOIN tasks t ON t.task_id = st.task_id
  LEFT JOIN results r ON r.task_id = t.task_id AND r.outcome = 'done'
  LEFT JOIN reference_results rf ON rf.task_id = t.task_id AND rf.method = 'random-features'
  LEFT JOIN reference_results ip ON ip.task_id = t.task_id AND ip.method = 'interpolant'
),
ranked AS (
  SELECT *,
    ${rankColumns}
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
         ${sqlMedian('interp_l1')} AS median_interp_l1
  FROM ranked
  GROUP BY study, target, target_params, kind, mode, dim, width
)
SELECT *,
       CASE WHEN kind = 'classification' THEN median_sharpened_l1 / nullif(median_rf_sharpened_l1, 0)
            ELSE median_l1 / nullif(median_rf_l1, 0) END AS gap
FROM point;
`;

/** Columns whose per-point median the version 5 convergence view reports. */
const MEDIAN_COLUMNS_V5 = [
  'l1_error',
  'sharpened_l1',
  'accuracy',
  'rf_l1',
  'rf_sharpened_l1',
  'interp_l1',
  'train_l1',
  'best_l1',
  'l2_error',
  'train_l2',
];

/**
 * Schema version 7: the convergence view with the error decomposition per curve point: version
 * 5's columns, then the medians of the evaluation L2 error and the training RMSE, the estimation
 * gaps (evaluation / training set, in L1 and in L2) and the optimisation gap (trained / best
 * reference, in the gap's measure). Ratios of medians, as the analysis computes them. A migration:
 * never edit it once released.
 */
export const CONVERGENCE_VIEW_V5_SQL = `
DROP VIEW convergence;
CREATE VIEW convergence AS
WITH base AS (
  SELECT st.study, t.target, t.target_params, t.kind,
         coalesce(json_extract(t.spec_json, '$.train.mode'), 'direct') AS mode,
         t.dim, t.width, t.seed, r.l1_error, r.sharpened_l1, r.accuracy,
         rf.l1_error AS rf_l1, rf.sharpened_l1 AS rf_sharpened_l1, ip.l1_error AS interp_l1,
         r.train_l1_error AS train_l1,
         CASE WHEN r.task_id IS NULL THEN NULL ELSE best.l1 END AS best_l1,
         r.l2_error, r.train_l2_error AS train_l2
  FROM study_tasks st
  JOIN tasks t ON t.task_id = st.task_id
  LEFT JOIN results r ON r.task_id = t.task_id AND r.outcome = 'done'
  LEFT JOIN reference_results rf ON rf.task_id = t.task_id AND rf.method = 'random-features'
  LEFT JOIN reference_results ip ON ip.task_id = t.task_id AND ip.method = 'interpolant'
  LEFT JOIN best_references best ON best.task_id = t.task_id
),
ranked AS (
  SELECT *,
    ${sqlRankColumns(MEDIAN_COLUMNS_V5, POINT)}
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
         ${sqlMedian('best_l1')} AS median_best_reference_l1,
         ${sqlMedian('l2_error')} AS median_l2,
         ${sqlMedian('train_l2')} AS median_train_l2
  FROM ranked
  GROUP BY study, target, target_params, kind, mode, dim, width
)
SELECT *,
       CASE WHEN kind = 'classification' THEN median_sharpened_l1 / nullif(median_rf_sharpened_l1, 0)
            ELSE median_l1 / nullif(median_rf_l1, 0) END AS gap,
       median_l1 / nullif(median_train_l1, 0) AS estimation_gap,
       median_l2 / nullif(median_train_l2, 0) AS estimation_gap_l2,
       CASE WHEN kind = 'classification' THEN median_sharpened_l1 ELSE median_l1 END
         / nullif(median_best_reference_l1, 0) AS optimisation_gap
FROM point;
`;
