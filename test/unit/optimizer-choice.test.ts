import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SpecError } from '../../shared/errors.js';
import { expandStudy, taskId } from '../../shared/expand.js';
import { chooseOptimizer, LSGD_MAX_WIDTH } from '../../shared/optimizer-choice.js';
import { validateStudySpec } from '../../shared/spec/validate.js';

function spec(
  train: Record<string, unknown> = {},
  targets: unknown[] = ['sine', 'halfspaces', 'singular'],
) {
  return validateStudySpec({
    name: 'choice',
    grid: { dims: [1], widths: [16, LSGD_MAX_WIDTH * 2], seeds: [0], targets },
    train,
  });
}

test('optimizer choice - auto resolves per task kind and width when the grid expands', () => {
  const chosen = expandStudy(spec()).map((t) => `${t.target.name}/${t.width}/${t.train.optimizer}`);
  assert.deepEqual(chosen, [
    'sine/16/lbfgs',
    `sine/${LSGD_MAX_WIDTH * 2}/lbfgs`,
    'halfspaces/16/lbfgs',
    `halfspaces/${LSGD_MAX_WIDTH * 2}/lbfgs`,
    'singular/16/lbfgs',
    `singular/${LSGD_MAX_WIDTH * 2}/lbfgs`,
  ]);
  const minibatch = expandStudy(spec({ batch: 64 })).map((t) => t.train.optimizer);
  assert.deepEqual(minibatch, ['lsgd', 'adam', 'adam', 'adam', 'adam', 'adam']);
});

test('optimizer choice - auto and the optimizer it picks give the same task', () => {
  const auto = expandStudy(spec({}, ['sine']));
  const explicit = expandStudy(spec({ optimizer: 'lbfgs' }, ['sine']));
  assert.equal(auto[0]?.id, explicit[0]?.id);
  const [adam] = expandStudy(spec({ optimizer: 'adam' }, ['sine']));
  assert.equal(adam?.train.optimizer, 'adam');
  if (adam !== undefined) {
    const { id, ...rest } = adam;
    assert.equal(taskId(rest), id);
  }
});

test('optimizer choice - explicit names pass through; 1-D mse gets lbfgs after the knot warm start, lsgd otherwise', () => {
  const net = { dim: 1, width: 16, samples: 100 };
  assert.equal(chooseOptimizer({ optimizer: 'sgd', loss: 'mse', batch: 0 }, net), 'sgd');
  assert.equal(chooseOptimizer({ optimizer: 'auto', loss: 'l1', batch: 100 }, net), 'lbfgs');
  assert.equal(chooseOptimizer({ optimizer: 'auto', loss: 'l1', batch: 99 }, net), 'adam');
  assert.equal(chooseOptimizer({ optimizer: 'auto', loss: 'mse', batch: 0 }, net), 'lbfgs');
  const random = { optimizer: 'auto', loss: 'mse', batch: 0, init: 'random' } as const;
  assert.equal(chooseOptimizer(random, net), 'lsgd');
  assert.equal(chooseOptimizer(random, { ...net, width: LSGD_MAX_WIDTH * 2 }), 'lbfgs');
  assert.equal(
    chooseOptimizer({ optimizer: 'auto', loss: 'mse', batch: 0 }, { ...net, outputs: 3 }),
    'lsgd',
  );
  assert.equal(
    chooseOptimizer({ optimizer: 'auto', loss: 'mse', batch: 0, mode: 'construction' }, net),
    'lsgd',
  );
  assert.equal(
    chooseOptimizer({ optimizer: 'auto', loss: 'mse', batch: 0 }, { ...net, dim: 2 }),
    'lbfgs',
  );
});

test('optimizer choice - lsgd without mse and lbfgs with minibatches are spec errors', () => {
  assert.throws(
    () => spec({ optimizer: 'lsgd' }),
    (err) =>
      err instanceof SpecError &&
      err.issues.map((i) => i.message).join('\n') ===
        [
          "train.optimizer: lsgd needs the mse loss, but grid.targets[1] ('halfspaces') trains with cross-entropy",
          "train.optimizer: lsgd needs the mse loss, but grid.targets[2] ('singular') trains with l1",
        ].join('\n'),
  );
  assert.doesNotThrow(() => spec({ optimizer: 'lsgd', mode: 'construction' }, ['halfspaces']));
  assert.throws(
    () => spec({ optimizer: 'lbfgs', batch: 32 }),
    (err) =>
      err instanceof SpecError &&
      err.issues.length === 1 &&
      err.issues[0]?.message === 'train.batch: lbfgs trains full batch: expected 0, got 32',
  );
});
