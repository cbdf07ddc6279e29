import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SpecError } from '../../shared/errors.js';
import { expandStudy } from '../../shared/expand.js';
import { parseStudySpecText } from '../../shared/spec/load.js';
import { MAX_STEPS, MAX_STUDY_TASKS, MAX_WIDTH, studyTaskCount } from '../../shared/spec/limits.js';
import { validateStudySpec } from '../../shared/spec/validate.js';

const minimal = () => ({
  name: 'demo',
  grid: { dims: [1], widths: [4, 8], seeds: [0], targets: ['sine'] as unknown[] },
});

/** The fields of the issues of a spec that must fail. */
function refused(raw: unknown): string[] {
  try {
    validateStudySpec(raw);
  } catch (err) {
    assert.ok(err instanceof SpecError, String(err));
    return err.issues.map((i) => i.message);
  }
  assert.fail('spec was accepted');
}

test('spec limits - a width of 1e12 is refused naming the field and the limit', () => {
  const raw = minimal();
  raw.grid.widths = [4, 1e12];
  assert.deepEqual(refused(raw), [
    `grid.widths[1]: expected at most ${MAX_WIDTH}, got 1000000000000`,
  ]);
});

test('spec limits - a width below the cap but beyond the memory estimate is refused', () => {
  const raw = { ...minimal(), grid: { ...minimal().grid, widths: [4, 1_000_000] } };
  const [message] = refused(raw);
  assert.match(
    message ?? '',
    /^grid\.widths\[1\]: width 1000000 needs about .* GiB per task .*limit 4\.00 GiB/,
  );
  const samples = {
    ...minimal(),
    grid: { ...minimal().grid, dims: [64], targets: ['bump'] },
    train: { samples: 16_000_000, optimizer: 'adam' },
  };
  assert.match(refused(samples)[0] ?? '', /^train\.samples: 16000000 training points need about/);
});

test('spec limits - steps and eval samples have caps', () => {
  const raw = { ...minimal(), train: { steps: MAX_STEPS + 1 }, eval: { samples: 2 ** 30 } };
  const messages = refused(raw);
  assert.ok(messages.some((m) => m.startsWith(`train.steps: expected at most ${MAX_STEPS}`)));
  assert.ok(messages.some((m) => m.startsWith('eval.samples: expected at most')));
});

test('spec limits - a grid beyond the task cap is refused before expansion', () => {
  const widths = Array.from({ length: 1000 }, (_, i) => i + 1);
  const seeds = Array.from({ length: 101 }, (_, i) => i);
  const raw = { ...minimal(), grid: { ...minimal().grid, widths, seeds } };
  assert.deepEqual(refused(raw), [
    `grid: expands into 101000 tasks, more than the limit of ${MAX_STUDY_TASKS} per study; split it into several studies`,
  ]);
});

test('spec limits - the task count matches the expansion, modes included', () => {
  const spec = validateStudySpec({
    name: 'count',
    grid: { dims: [1, 2], widths: [4, 8, 16], seeds: [0, 1], targets: ['sine', 'disk'] },
    train: { mode: 'both' },
  });
  assert.equal(studyTaskCount(spec, spec.grid.targets), expandStudy(spec).length);
  assert.equal(expandStudy(spec).length, 2 * 3 * 2 * (1 + 2));
});

test('spec - momentum with a non-sgd optimizer is refused naming train.momentum', () => {
  for (const optimizer of ['adam', 'auto', 'lbfgs']) {
    const raw = { ...minimal(), train: { optimizer, momentum: 0.9 } };
    assert.deepEqual(
      refused(raw).map((m) => m.split(':')[0]),
      ['train.momentum'],
      optimizer,
    );
  }
  validateStudySpec({ ...minimal(), train: { optimizer: 'sgd', momentum: 0.9 } });
  validateStudySpec({ ...minimal(), train: { optimizer: 'adam', momentum: 0 } });
});

test('spec - a .json spec is strict JSON, a .yaml one may be any YAML', () => {
  const trailing =
    '{"name": "j", "grid": {"dims": [1], "widths": [4,], "seeds": [0], "targets": ["sine"]}}';
  assert.throws(
    () => parseStudySpecText(trailing, 'x.json'),
    (err: unknown) =>
      err instanceof SpecError && /syntax error/.test(err.message) && err.source === 'x.json',
  );
  assert.equal(parseStudySpecText(trailing, 'x.yaml').grid.widths.length, 1);
  assert.throws(
    () => parseStudySpecText('{"name": "a", "name": "b"}', 'dup.json'),
    (err: unknown) => err instanceof SpecError && /unique/i.test(err.message),
  );
});

test('spec - a YAML alias bomb is a spec error naming the file', () => {
  const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
  for (let i = 1; i < 10; i++) {
    const prev = String.fromCharCode(96 + i);
    const name = String.fromCharCode(97 + i);
    lines.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
  }
  lines.push('name: bomb');
  assert.throws(
    () => parseStudySpecText(lines.join('\n'), 'bomb.yaml'),
    (err: unknown) =>
      err instanceof SpecError && err.source === 'bomb.yaml' && /alias/i.test(err.message),
  );
});
