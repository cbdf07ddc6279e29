import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SpecError, ValidationError } from '../../shared/errors.js';
import { parseStudySpecText } from '../../shared/spec/load.js';
import { studySpecJsonSchema } from '../../shared/spec/json-schema.js';
import { validateStudySpec } from '../../shared/spec/validate.js';

const minimal = () => ({
  name: 'demo',
  grid: { dims: [1], widths: [4, 8], seeds: [0], targets: ['sine'] },
});

/** The messages of a spec that must fail, in order. */
function messages(raw: unknown): string[] {
  try {
    validateStudySpec(raw);
  } catch (err) {
    assert.ok(err instanceof SpecError, `expected SpecError, got ${String(err)}`);
    for (const issue of err.issues) assert.ok(issue instanceof ValidationError);
    return err.issues.map((i) => i.message);
  }
  assert.fail('spec was accepted');
}

test('spec - a minimal spec gets every default', () => {
  const spec = validateStudySpec(minimal());
  assert.equal(spec.train.steps, 2000);
  assert.equal(spec.train.optimizer, 'auto');
  assert.equal(spec.train.batch, 0);
  assert.equal(spec.train.loss, 'auto');
  assert.equal(spec.eval.samples, 16384);
  assert.equal(spec.eval.sampler, 'sobol');
  assert.deepEqual(spec.grid.targets[0]?.name, 'sine');
  assert.equal(typeof spec.grid.targets[0]?.params, 'object');
});

test('spec - a negative width names its exact path and value', () => {
  const raw = minimal();
  raw.grid.widths = [4, 8, -4];
  assert.deepEqual(messages(raw), ['grid.widths[2]: expected a positive integer, got -4']);
});

test('spec - wrong types, missing keys and unknown keys are all reported', () => {
  const raw = {
    name: 'demo',
    grid: { dims: [1.5], widths: 'many', targets: ['sine'] },
    train: { stepz: 3 },
  };
  assert.deepEqual(messages(raw), [
    'grid.dims[0]: expected a positive integer, got 1.5',
    'grid.widths: expected a list of hidden widths, got "many"',
    'grid.seeds: required',
    'train.stepz: unknown key',
  ]);
});

test('spec - name is required and must be a plain identifier', () => {
  const raw: Record<string, unknown> = minimal();
  delete raw.name;
  assert.deepEqual(messages(raw), ['name: required']);
  assert.match(messages({ ...minimal(), name: 'a b' })[0] ?? '', /^name: expected 1-64 letters/);
});

test('spec - enum fields list the allowed values', () => {
  assert.deepEqual(messages({ ...minimal(), train: { optimizer: 'rmsprop' } }), [
    'train.optimizer: expected one of auto, adam, sgd, lsgd, lbfgs, got "rmsprop"',
  ]);
});

test('spec - duplicate widths are rejected at the duplicate', () => {
  const raw = minimal();
  raw.grid.widths = [4, 8, 4];
  assert.deepEqual(messages(raw), ['grid.widths[2]: duplicate value 4']);
});

test('spec - unknown target names the entry and lists the known ones', () => {
  const raw = minimal();
  raw.grid.targets = ['sine', 'sinus'];
  const [message] = messages(raw);
  assert.match(message ?? '', /^grid\.targets\[1\]: unknown target "sinus" \(known: .*sine.*\)$/);
});

test('spec - target parameters are validated with their path', () => {
  const raw = {
    ...minimal(),
    grid: {
      ...minimal().grid,
      targets: [
        { name: 'sine', k: -1 },
        { name: 'bump', wdith: 2 },
      ],
    },
  };
  const out = messages(raw);
  assert.equal(out.length, 2);
  assert.match(out[0] ?? '', /^grid\.targets\[0\]\.k: expected .*got -1$/);
  assert.equal(out[1], 'grid.targets[1].wdith: unknown key');
});

test('spec - a target object without a name says so', () => {
  const raw = { ...minimal(), grid: { ...minimal().grid, targets: [{ k: 2 }] } };
  assert.deepEqual(messages(raw), ['grid.targets[0].name: expected a target name, got nothing']);
});

test('spec - targets incompatible with a dimension name the parameter and the dimension', () => {
  const raw = {
    ...minimal(),
    grid: { ...minimal().grid, dims: [1, 2], targets: [{ name: 'singular', alpha: 1.5 }] },
  };
  const out = messages(raw);
  assert.equal(out.length, 1);
  assert.match(out[0] ?? '', /^grid\.targets\[0\]\.alpha: .*\(grid\.dims\[0\] = 1\)$/);
  const spirals = { ...minimal(), grid: { ...minimal().grid, dims: [2, 3], targets: ['spirals'] } };
  assert.match(
    messages(spirals)[0] ?? '',
    /^grid\.targets\[0\]: .*d = 2.*\(grid\.dims\[1\] = 3\)$/,
  );
});

test('spec - a loss that does not fit the target kind is refused', () => {
  const raw = { ...minimal(), train: { loss: 'cross-entropy' } };
  assert.deepEqual(messages(raw), [
    "train.loss: cross-entropy cannot train grid.targets[0] ('sine', a regression target); use auto",
  ]);
});

test('spec - sobol evaluation needs a power of two per replicate', () => {
  assert.deepEqual(messages({ ...minimal(), eval: { samples: 1000 } }), [
    'eval.samples: expected eval.replicates (8) times a power of two for the sobol sampler, got 1000',
  ]);
  assert.doesNotThrow(() =>
    validateStudySpec({ ...minimal(), eval: { samples: 1000, sampler: 'uniform' } }),
  );
});

test('spec - a minibatch larger than the training set is refused', () => {
  assert.deepEqual(messages({ ...minimal(), train: { samples: 100, batch: 200 } }), [
    'train.batch: expected at most train.samples (100), got 200',
  ]);
});

test('spec - duplicate targets with equal parameters are refused', () => {
  const raw = { ...minimal(), grid: { ...minimal().grid, targets: ['sine', { name: 'sine' }] } };
  assert.deepEqual(messages(raw), [
    'grid.targets[1]: duplicate of grid.targets[0] (same target and parameters)',
  ]);
});

test('spec - YAML syntax errors and duplicate keys carry a line number', () => {
  assert.throws(
    () => parseStudySpecText('name: a\nname: b\n', 'x.yaml'),
    (err: unknown) => err instanceof SpecError && /line 2/.test(err.issues[0]?.message ?? ''),
  );
  assert.throws(
    () => parseStudySpecText('grid: [1,\n', 'x.yaml'),
    (err: unknown) => err instanceof SpecError && /syntax error/.test(err.message),
  );
});

test('spec - JSON text parses like YAML', () => {
  const spec = parseStudySpecText(JSON.stringify(minimal()));
  assert.equal(spec.name, 'demo');
});

test('spec - the JSON Schema lists every target and the defaults', () => {
  const schema = studySpecJsonSchema();
  const text = JSON.stringify(schema);
  for (const name of ['sine', 'singular', 'spirals', 'teacher'])
    assert.ok(text.includes(`"${name}"`), name);
  assert.ok(text.includes('"default":2000'));
});
