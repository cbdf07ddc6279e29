import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { analyzeStudy } from '../../coordinator/analysis/analyze-study.js';
import { loadPredictions, loadStudy, openForAnalysis } from '../../coordinator/analysis/load.js';
import { analysisJson } from '../../coordinator/analysis/render.js';
import { SqliteResultStore } from '../../coordinator/store/sqlite-store.js';
import { expandStudy } from '../../shared/expand.js';
import { encodeFloat32 } from '../../shared/predictions.js';
import type { TaskOutcome } from '../../shared/result.js';
import { validateStudySpec } from '../../shared/spec/validate.js';
import type { Task } from '../../shared/task.js';
import { doneOutcome } from '../helpers/outcomes.js';
import { tempDir } from '../helpers/temp.js';

const dir = tempDir();
after(() => dir.remove());

const spec = validateStudySpec({
  name: 'conv',
  grid: { dims: [1], widths: [4, 8, 16, 32], seeds: [0, 1, 2], targets: ['sine'] },
});
const tasks = expandStudy(spec);

/**
 * A done outcome whose L1 is 3 m^-1.5 times a per-seed factor, with a reference at m^-2 and
 * training-set errors half the evaluation's (L2 a third).
 */
function outcome(task: Task): TaskOutcome {
  const base = doneOutcome(task, 3 * task.width ** -1.5 * ([0.9, 1, 1.2][task.seed] ?? 1));
  if (base.type !== 'done') throw new Error('unreachable');
  const metrics = { ...base.metrics, l1Error: 2 * task.width ** -2 };
  const l2 = base.metrics.l2Error ?? 0;
  return {
    ...base,
    trainMetrics: {
      l1Error: base.metrics.l1Error / 2,
      l2Error: l2 / 3,
      maxError: base.metrics.maxError,
      points: 1024,
    },
    references: [
      { method: 'random-features', metrics, trainRmse: 0.01, ridge: 1e-6, fitMs: 3 },
      {
        method: 'interpolant',
        metrics: { ...metrics, l1Error: task.width ** -2 },
        trainRmse: null,
        ridge: null,
        fitMs: 1,
      },
    ],
    predictions: {
      dim: 1,
      size: 256,
      outputs: 1,
      output: 'linear',
      encoding: 'float32le-base64',
      data: encodeFloat32(new Float32Array(256).fill(task.seed)),
    },
  };
}

const db = join(dir.path, 'conv.sqlite');
{
  const store = new SqliteResultStore(db);
  store.registerStudy(spec, tasks);
  for (const task of tasks) store.recordOutcome(outcome(task), { worker: 'test' });
  store.close();
}

test('analysis store - the convergence view gives per-width medians and the gap', () => {
  const conn = new Database(db, { readonly: true });
  try {
    const rows = conn
      .prepare("SELECT * FROM convergence WHERE study = 'conv' ORDER BY width")
      .all() as Array<Record<string, number | string>>;
    assert.deepEqual(
      rows.map((r) => [r.width, r.tasks, r.done, r.mode]),
      [
        [4, 3, 3, 'direct'],
        [8, 3, 3, 'direct'],
        [16, 3, 3, 'direct'],
        [32, 3, 3, 'direct'],
      ],
    );
    for (const r of rows) {
      const w = r.width as number;
      assert.ok(Math.abs((r.median_l1 as number) - 3 * w ** -1.5) < 1e-12);
      assert.ok(Math.abs((r.min_l1 as number) - 0.9 * 3 * w ** -1.5) < 1e-12);
      assert.ok(Math.abs((r.median_rf_l1 as number) - 2 * w ** -2) < 1e-12);
      assert.ok(Math.abs((r.median_interp_l1 as number) - w ** -2) < 1e-12);
      assert.ok(Math.abs((r.gap as number) - (3 * w ** -1.5) / (2 * w ** -2)) < 1e-9);
      // The decomposition (schema version 5): ratios of the medians.
      assert.ok(Math.abs((r.median_train_l1 as number) - 1.5 * w ** -1.5) < 1e-12);
      assert.ok(Math.abs((r.estimation_gap as number) - 2) < 1e-9);
      assert.ok(Math.abs((r.estimation_gap_l2 as number) - 3) < 1e-9);
      assert.ok(Math.abs((r.median_best_reference_l1 as number) - w ** -2) < 1e-12);
      assert.ok(Math.abs((r.optimisation_gap as number) - 3 * w ** 0.5) < 1e-9);
    }
    const refs = conn
      .prepare(
        "SELECT method, count(*) AS n FROM task_references WHERE study = 'conv' GROUP BY method",
      )
      .all();
    assert.deepEqual(refs, [
      { method: 'interpolant', n: 12 },
      { method: 'random-features', n: 12 },
    ]);
  } finally {
    conn.close();
  }
});

test('analysis store - predictions come back as the float32 grid they were stored as', () => {
  const conn = openForAnalysis(db);
  try {
    const data = loadStudy(conn, 'conv');
    const grids = loadPredictions(
      conn,
      data.tasks.map((t) => t.taskId),
    );
    assert.equal(grids.size, 12);
    const first = data.tasks[2];
    assert.ok(first !== undefined);
    const grid = grids.get(first.taskId);
    assert.equal(grid?.values.length, 256);
    assert.equal(grid?.values[100], first.seed);
  } finally {
    conn.close();
  }
});

test('analysis - a study becomes groups with a rate, an interval and eps-widths (JSON keys)', () => {
  const conn = openForAnalysis(db);
  try {
    const analysis = analyzeStudy(loadStudy(conn, 'conv'), { eps: [0.05, 1e-3] });
    const json = analysisJson(analysis) as {
      study: string;
      groups: Array<Record<string, unknown> & { points: Array<Record<string, unknown>> }>;
    };
    assert.equal(json.study, 'conv');
    const [group] = json.groups;
    assert.ok(group !== undefined);
    for (const key of [
      'target',
      'task',
      'dim',
      'points',
      'slope',
      'slope_ci',
      'saturation_width',
      'eps_width',
      'verdict',
    ]) {
      assert.ok(key in group, key);
    }
    for (const key of ['width', 'n', 'median_l1', 'q1', 'q3', 'min_l1', 'median_ref_l1']) {
      assert.ok(key in (group.points[0] ?? {}), key);
    }
    assert.equal(group.task, 'regression');
    assert.ok(Math.abs((group.slope as number) + 1.5) < 1e-3);
    const ci = group.slope_ci as [number, number];
    assert.ok(ci[0] <= -1.5 && -1.5 <= ci[1]);
    const epsWidth = group.eps_width as Record<string, number | null>;
    // 3 m^-1.5 = 0.05 at m = 60^(2/3) ~ 15.3.
    assert.ok(Math.abs((epsWidth['0.05'] ?? 0) - 60 ** (2 / 3)) < 0.01);
    assert.equal(epsWidth['0.001'], null);
    // Trained 3 m^-1.5 against the interpolant's m^-2: 6-17 x the best reference, so the
    // optimizer, not the width, limits the curve and 1e-3 is not extrapolated.
    assert.equal((group.eps_extrapolated_width as Record<string, number | null>)['0.001'], null);
    assert.equal((group.eps_refusal as Record<string, string | null>)['0.001'], 'optimizer');
    assert.equal((group.limit as { factor: string }).factor, 'optimizer');
    assert.equal(group.rate_meaningful, false);
    assert.equal(group.saturation_width, null);
    assert.match(group.verdict as string, /falls as m\^-1\.5/);
    const point = group.points[0] ?? {};
    assert.equal(point.best_ref_method, 'interpolant');
    assert.equal(point.estimation_gap, 2);
    assert.ok(Math.abs((point.optimisation_gap as number) - 6) < 1e-9);
  } finally {
    conn.close();
  }
});
