import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expandStudy } from '../../shared/expand.js';
import { validateStudySpec } from '../../shared/spec/validate.js';
import { executeTask } from '../../worker/execute-task.js';
import { loadFused } from '../../worker/fused/context.js';

test('lbfgs l1 - training on singular runs every step instead of stalling at a kink', async () => {
  const ctx = await loadFused();
  const spec = validateStudySpec({
    name: 'stall',
    grid: { dims: [1], widths: [8], seeds: [0], targets: [{ name: 'singular', alpha: 0.5 }] },
    train: { samples: 1024, optimizer: 'lbfgs' },
    eval: { samples: 1024 },
  });
  const [task] = expandStudy(spec);
  assert.ok(task !== undefined);
  assert.equal(task.train.loss, 'l1');
  const outcome = await executeTask(task, ctx);
  assert.equal(outcome.type, 'done');
  // lbfgs alone stopped after 232 of these 2000 steps.
  assert.equal(outcome.train.steps, 2000);
});
