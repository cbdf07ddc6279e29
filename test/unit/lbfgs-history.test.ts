import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ValidationError } from '../../shared/errors.js';
import { lbfgsHistoryFor } from '../../worker/train/methods.js';
import { resolveTrainerOptions } from '../../worker/train/options.js';

const options = resolveTrainerOptions();

test('lbfgs history - 10 pairs in 1-D, 100 in d >= 2', () => {
  assert.equal(lbfgsHistoryFor({ dim: 1, paramCount: 769 }, options), 10);
  assert.equal(lbfgsHistoryFor({ dim: 2, paramCount: 1025 }, options), 100);
  assert.equal(lbfgsHistoryFor({ dim: 4, paramCount: 1537 }, options), 100);
});

test('lbfgs history - fewer pairs where 100 would take over 64 MiB, never under the 1-D count', () => {
  // 2^20 parameters: a pair is 16 MiB, so 4 fit; the floor of 10 wins.
  assert.equal(lbfgsHistoryFor({ dim: 16, paramCount: 2 ** 20 }, options), 10);
  // 2^16 parameters: 1 MiB a pair, 64 fit.
  assert.equal(lbfgsHistoryFor({ dim: 16, paramCount: 2 ** 16 }, options), 64);
});

test('lbfgs history - the d >= 2 count is a trainer option', () => {
  const custom = resolveTrainerOptions({ lbfgsHistoryMultiDim: 30 });
  assert.equal(lbfgsHistoryFor({ dim: 3, paramCount: 500 }, custom), 30);
  assert.throws(
    () => resolveTrainerOptions({ lbfgsHistoryMultiDim: 0 }),
    (err) => err instanceof ValidationError && err.field === 'lbfgsHistoryMultiDim',
  );
});
