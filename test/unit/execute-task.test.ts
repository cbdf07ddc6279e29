import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadBackend } from '../../worker/backend-context.js';
import { executeTask } from '../../worker/execute-task.js';
import { teacherTask } from '../helpers/teacher-task.js';

const fused = await loadBackend('fused');

test('execute task - a done outcome carries training-set errors beside the evaluation errors', async () => {
  const task = teacherTask({ width: 8, train: { steps: 300, optimizer: 'lsgd', samples: 200 } });
  const outcome = await executeTask(task, fused);
  assert.equal(outcome.type, 'done');
  if (outcome.type !== 'done') return;
  const train = outcome.trainMetrics;
  assert.ok(train !== undefined);
  assert.equal(train.points, 200);
  // A representable target fitted well: small on both point sets, and the same measure.
  assert.ok(train.l1Error < 1e-3, `train L1 ${train.l1Error}`);
  assert.ok(
    train.l1Error <= (train.l2Error ?? 0) + 1e-12 && (train.l2Error ?? 0) <= train.maxError,
  );
  assert.ok(outcome.metrics.l1Error < 1e-3, `eval L1 ${outcome.metrics.l1Error}`);
});

test('execute task - too few samples for the width show as an estimation gap', async () => {
  // 12 points and 64 units: least squares interpolates the training set and misses between.
  const task = teacherTask({ width: 64, train: { steps: 200, optimizer: 'lsgd', samples: 12 } });
  const outcome = await executeTask(task, fused);
  assert.equal(outcome.type, 'done');
  if (outcome.type !== 'done') return;
  const train = outcome.trainMetrics;
  assert.ok(train !== undefined);
  assert.equal(train.points, 12);
  assert.ok(
    outcome.metrics.l1Error > 5 * train.l1Error,
    `eval ${outcome.metrics.l1Error} vs train ${train.l1Error}`,
  );
});
