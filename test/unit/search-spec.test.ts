import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SpecError } from '../../shared/errors.js';
import { studySpecJsonSchema } from '../../shared/spec/json-schema.js';
import { validateStudySpec } from '../../shared/spec/validate.js';

const searchOnly = (search: Record<string, unknown> = { eps: [1e-3] }) => ({
  name: 'demo',
  grid: { dims: [1], targets: ['sine'] },
  search,
});

function messages(raw: unknown): string[] {
  try {
    validateStudySpec(raw);
  } catch (err) {
    assert.ok(err instanceof SpecError, `expected SpecError, got ${String(err)}`);
    return err.issues.map((i) => i.message);
  }
  assert.fail('spec was accepted');
}

test('search spec - a search section replaces grid.widths and gets every default', () => {
  const spec = validateStudySpec(searchOnly({ eps: [1e-3, 1e-2] }));
  assert.deepEqual(spec.grid.widths, []);
  assert.deepEqual(spec.grid.seeds, []);
  assert.deepEqual(spec.search, {
    eps: [1e-2, 1e-3],
    minWidth: 4,
    maxWidth: 4096,
    resolution: 1.25,
    ladder: 4,
    confirm: 1,
    seeds: 3,
    maxSeeds: 5,
    maxTasks: 2000,
  });
});

test('search spec - beside a grid, the grid keeps its widths and seeds', () => {
  const spec = validateStudySpec({
    ...searchOnly(),
    grid: { dims: [1], widths: [8], seeds: [0], targets: ['sine'] },
  });
  assert.deepEqual(spec.grid.widths, [8]);
  assert.equal(spec.search?.eps[0], 1e-3);
});

test('search spec - without a search, grid.widths and grid.seeds are required', () => {
  assert.deepEqual(messages({ name: 'demo', grid: { dims: [1], targets: ['sine'] } }), [
    'grid.widths: required',
    'grid.seeds: required',
  ]);
  assert.deepEqual(
    messages({ ...searchOnly(), grid: { dims: [1], widths: [8], targets: ['sine'] } }),
    ['grid.seeds: required beside grid.widths'],
  );
});

test('search spec - bad search fields are named by their path', () => {
  assert.deepEqual(
    messages(
      searchOnly({
        eps: [2, 1e-3],
        minWidth: 0,
        resolution: 1,
        confirm: 0,
        seeds: 2.5,
        maxTasks: -1,
        x: 1,
      }),
    ),
    [
      'search.eps[0]: expected a number in (0, 1), got 2',
      'search.minWidth: expected a positive integer, got 0',
      'search.resolution: expected a number greater than 1, got 1',
      'search.confirm: expected a positive integer, got 0',
      'search.seeds: expected a positive integer, got 2.5',
      'search.maxTasks: expected a positive integer, got -1',
      'search.x: unknown key',
    ],
  );
  assert.deepEqual(
    messages(searchOnly({ eps: [1e-3], minWidth: 64, maxWidth: 16, seeds: 3, maxSeeds: 2 })),
    [
      'search.maxWidth: expected at least search.minWidth (64), got 16',
      'search.maxSeeds: expected at least search.seeds (3), got 2',
    ],
  );
  assert.deepEqual(messages(searchOnly({})), ['search.eps: required']);
});

test('search spec - the JSON Schema has the search section with its defaults', () => {
  const schema = studySpecJsonSchema() as {
    properties: { search: { properties: Record<string, { default?: unknown }> } };
  };
  const props = schema.properties.search.properties;
  assert.equal(props.resolution?.default, 1.25);
  assert.equal(props.maxTasks?.default, 2000);
  assert.ok('eps' in props && 'maxSeeds' in props);
});
