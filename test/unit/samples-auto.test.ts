import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SpecError } from '../../shared/errors.js';
import { expandStudy } from '../../shared/expand.js';
import { validateStudySpec } from '../../shared/spec/validate.js';
import {
  AUTO_MAX_SAMPLES,
  AUTO_MIN_SAMPLES,
  AUTO_MAX_SAMPLES_PER_UNIT_1D,
  AUTO_SAMPLES_PER_UNIT_1D,
  autoSampleCount,
  autoSamplesPerParameter,
  parameterCount,
} from '../../shared/training-data.js';

const spec = (train: Record<string, unknown> = {}, widths = [8, 256, 1024]) =>
  validateStudySpec({
    name: 'auto',
    grid: { dims: [1, 4], widths, seeds: [0], targets: ['sine', 'disk'] },
    train,
  });

test('samples auto - the default, resolved per task to a count that grows with the net', () => {
  const tasks = expandStudy(spec());
  for (const task of tasks) {
    const outputs = task.kind === 'classification' ? 2 : 1;
    const params = parameterCount(task.dim, task.width, outputs);
    const perUnit =
      task.dim === 1 && outputs === 1
        ? Math.min(AUTO_SAMPLES_PER_UNIT_1D * task.width, AUTO_MAX_SAMPLES_PER_UNIT_1D)
        : 0;
    const wanted = Math.max(autoSamplesPerParameter(task.dim) * params, perUnit);
    assert.ok(Number.isInteger(task.train.samples));
    assert.ok(task.train.samples >= AUTO_MIN_SAMPLES);
    assert.ok(task.train.samples >= wanted, `${task.width}`);
    assert.ok(task.train.samples < wanted + 1024 || params < 256);
  }
  const sine1 = tasks.filter((t) => t.target.name === 'sine' && t.dim === 1);
  assert.deepEqual(
    sine1.map((t) => t.train.samples),
    [1024, 8192, 13312],
  );
  const disk1 = tasks.filter((t) => t.target.name === 'disk' && t.dim === 1);
  assert.deepEqual(
    disk1.map((t) => t.train.samples),
    [1024, 5120, 17408],
  );
  const sine4 = tasks.filter((t) => t.target.name === 'sine' && t.dim === 4);
  assert.deepEqual(
    sine4.map((t) => t.train.samples),
    [1024, 13312, 50176],
  );
});

test('samples auto - spelling out the resolved count gives the same task id', () => {
  const [auto] = expandStudy(spec({}, [256]));
  assert.ok(auto !== undefined);
  const [explicit] = expandStudy(spec({ samples: auto.train.samples }, [256]));
  assert.equal(explicit?.id, auto.id);
  const [other] = expandStudy(spec({ samples: 1024 }, [256]));
  assert.notEqual(other?.id, auto.id);
});

test('samples auto - at least the minibatch, at most the cap', () => {
  assert.equal(autoSampleCount(1, 4, 1, 5000), 5000);
  assert.equal(autoSampleCount(16, 8192, 1), AUTO_MAX_SAMPLES);
  assert.equal(autoSampleCount(1, 1, 1), AUTO_MIN_SAMPLES);
});

test('samples auto - a bad value names train.samples', () => {
  for (const samples of [0, -3, 2.5, 'many']) {
    try {
      spec({ samples });
      assert.fail('accepted');
    } catch (err) {
      assert.ok(err instanceof SpecError);
      assert.deepEqual(
        err.issues.map((i) => i.field),
        ['train.samples'],
      );
      assert.match(err.issues[0]?.message ?? '', /a positive integer or "auto"/);
    }
  }
});

test('train init - absent: reference for lbfgs and lsgd, random (not stored) for adam', () => {
  const [lbfgs] = expandStudy(spec({}, [8]));
  assert.equal(lbfgs?.train.optimizer, 'lbfgs');
  assert.equal(lbfgs?.train.init, 'reference');
  const [adam] = expandStudy(spec({ optimizer: 'adam' }, [8]));
  assert.equal(adam !== undefined && 'init' in adam.train, false);
  const [random] = expandStudy(spec({ init: 'random' }, [8]));
  assert.equal(random !== undefined && 'init' in random.train, false);
  const [explicit] = expandStudy(spec({ init: 'reference' }, [8]));
  assert.equal(explicit?.id, lbfgs?.id);
});
