import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expandStudy } from '../../shared/expand.js';
import { encodeFloat32 } from '../../shared/predictions.js';
import { validateStudySpec } from '../../shared/spec/validate.js';
import { resultSchema, WIRE_VERSION } from '../../shared/wire/messages.js';
import { surelyValidResult } from '../../shared/wire/result-fast-check.js';
import { divergedOutcome, doneOutcome } from '../helpers/outcomes.js';

const [task] = expandStudy(
  validateStudySpec({
    name: 'w',
    grid: { dims: [1], widths: [4], seeds: [0], targets: ['sine'] },
  }),
);
assert.ok(task !== undefined);

const base = {
  v: WIRE_VERSION,
  study: 'w',
  studyKey: '0123456789abcdef',
  taskId: task.id,
  worker: 'x',
  attempt: 1,
  taskSeq: 7,
};
const done = doneOutcome(task);
const metrics = done.type === 'done' ? done.metrics : undefined;
const predictions = (output: string, value: number) => ({
  dim: 1,
  size: 256,
  outputs: 1,
  output,
  encoding: 'float32le-base64',
  data: encodeFloat32(new Float64Array(256).fill(value)),
});

/** Valid messages of every kind, each field the fast check reads present at least once. */
const VALID: ReadonlyArray<Record<string, unknown>> = [
  { type: 'started', ...base },
  {
    type: 'outcome',
    ...base,
    task,
    outcome: {
      ...done,
      references: [{ method: 'random-features', metrics, trainRmse: 0.1, ridge: null, fitMs: 3 }],
      predictions: predictions('linear', 0.5),
      trainMetrics: { l1Error: 0.1, l2Error: null, maxError: 0.3, points: 32 },
    },
  },
  { type: 'outcome', ...base, task, outcome: { ...done, predictions: predictions('softmax', 1) } },
  { type: 'outcome', ...base, task, outcome: divergedOutcome(task) },
  { type: 'attempt-failed', ...base, task, error: 'boom', final: false },
];

/** Values a field is replaced by; `undefined` removes it. */
const REPLACEMENTS: readonly unknown[] = [
  undefined,
  null,
  true,
  -1,
  -0,
  0,
  0.5,
  1,
  1.5,
  2,
  1025,
  2 ** 53,
  Number.NaN,
  Infinity,
  '',
  'x',
  'x'.repeat(201),
  'regression',
  'linear',
  'random-features',
  '0123456789abcdef',
  task.id,
  [],
  [1],
  [1, 2],
  [1, 2, 3],
  {},
  { a: 'b' },
];

type Json = Record<string, unknown> | unknown[];

/** Every value the fast check may see: each field replaced, removed, or an object given a key. */
function* mutations(value: Json): Generator<unknown> {
  const keys = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  for (const key of keys) {
    const child = (value as Record<string | number, unknown>)[key];
    for (const r of REPLACEMENTS) yield replaced(value, key, r);
    if (typeof child === 'object' && child !== null) {
      for (const m of mutations(child as Json)) yield replaced(value, key, m);
    }
  }
  if (Array.isArray(value)) yield [...value, value[0]];
  else yield { ...value, extra: 1 };
}

function replaced(value: Json, key: string | number, by: unknown): Json {
  if (Array.isArray(value)) return value.map((v, i) => (i === key ? by : v));
  const copy: Record<string, unknown> = { ...value, [key]: by };
  if (by === undefined) delete copy[key];
  return copy;
}

test('wire fast check - accepts every valid message kind', () => {
  for (const message of VALID) {
    assert.equal(surelyValidResult(message, WIRE_VERSION), true, String(message.type));
    assert.equal(resultSchema.safeParse(message).success, true);
  }
});

test('wire fast check - never accepts what zod refuses, and zod returns what it accepts as is', () => {
  let accepted = 0;
  let refused = 0;
  for (const message of VALID) {
    for (const m of mutations(message)) {
      if (!surelyValidResult(m, WIRE_VERSION)) continue;
      const parsed = resultSchema.safeParse(m);
      if (!parsed.success) refused++;
      else assert.deepEqual(parsed.data, m);
      accepted++;
    }
  }
  assert.equal(refused, 0, 'messages the fast check accepts but zod refuses');
  // Mutations that keep a message valid (another number in range, an extra loose key) exist.
  assert.ok(accepted > 100);
});

test('wire fast check - refuses another wire version and a predictions value out of range', () => {
  const [started, outcome] = VALID;
  assert.equal(surelyValidResult({ ...started, v: WIRE_VERSION + 1 }, WIRE_VERSION), false);
  const o = outcome as { outcome: Record<string, unknown> };
  const bad = { ...o, outcome: { ...o.outcome, predictions: predictions('softmax', 1.5) } };
  assert.equal(surelyValidResult(bad, WIRE_VERSION), false);
});
