import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WireFormatError } from '../../shared/errors.js';
import { expandStudy } from '../../shared/expand.js';
import { encodeFloat32 } from '../../shared/predictions.js';
import { validateStudySpec } from '../../shared/spec/validate.js';
import { encodeWire } from '../../shared/wire/json.js';
import { parseResultMessage, WIRE_VERSION } from '../../shared/wire/messages.js';
import { doneOutcome } from '../helpers/outcomes.js';

const [task, other] = expandStudy(
  validateStudySpec({
    name: 'w',
    grid: { dims: [1], widths: [4, 8], seeds: [0], targets: ['sine'] },
  }),
);
assert.ok(task !== undefined && other !== undefined);

const predictions = {
  dim: 1,
  size: 256,
  outputs: 1,
  output: 'linear',
  encoding: 'float32le-base64',
  data: encodeFloat32(new Float64Array(256).fill(0.5)),
};
const reference = {
  method: 'random-features',
  metrics:
    doneOutcome(task).type === 'done' ? (doneOutcome(task) as { metrics: object }).metrics : {},
  trainRmse: 0.1,
  ridge: 1e-8,
  fitMs: 3,
};

function message(outcome: Record<string, unknown> = {}, top: Record<string, unknown> = {}) {
  return {
    type: 'outcome',
    v: WIRE_VERSION,
    study: 'w',
    studyKey: '0123456789abcdef',
    taskId: task?.id,
    worker: 'x',
    attempt: 1,
    taskSeq: 7,
    task,
    outcome: {
      ...doneOutcome(task as NonNullable<typeof task>),
      references: [reference],
      predictions,
      trainMetrics: { l1Error: 0.1, l2Error: null, maxError: 0.3, points: 32 },
      ...outcome,
    },
    ...top,
  };
}

const metrics = (patch: Record<string, unknown>) => ({
  metrics: { ...(message().outcome as { metrics: object }).metrics, ...patch },
});

test('wire outcome - a complete done outcome passes, l2Error may be null', () => {
  const parsed = parseResultMessage(encodeWire(message(metrics({ l2Error: null }))));
  assert.equal(parsed.type, 'outcome');
});

const bad: Array<[string, Record<string, unknown>, Record<string, unknown>?]> = [
  ['l1Error an object', metrics({ l1Error: {} })],
  ['l1Error negative', metrics({ l1Error: -123 })],
  ['l1Error NaN', metrics({ l1Error: Number.NaN })],
  ['l2Error infinite', metrics({ l2Error: Number.POSITIVE_INFINITY })],
  ['l2Error -infinite', metrics({ l2Error: Number.NEGATIVE_INFINITY })],
  ['stderr negative', metrics({ l1Stderr: -1 })],
  ['accuracy -5', metrics({ accuracy: -5 })],
  ['accuracy 1.5', metrics({ accuracy: 1.5 })],
  ['misclassified 2', metrics({ misclassified: 2 })],
  ['evalPoints fractional', metrics({ evalPoints: 10.5 })],
  ['metrics missing', { metrics: undefined }],
  ['steps fractional', { train: { ...doneOutcome(task).train, steps: 1.5 } }],
  ['loss curve not pairs', { train: { ...doneOutcome(task).train, lossCurve: [[0]] } }],
  ['loss curve negative step', { train: { ...doneOutcome(task).train, lossCurve: [[-1, 1]] } }],
  ['versions not strings', { train: { ...doneOutcome(task).train, versions: { node: 20 } } }],
  ['backend empty', { train: { ...doneOutcome(task).train, backend: '' } }],
  ['wallMs negative', { wallMs: -1 }],
  ['reference method unknown', { references: [{ ...reference, method: 'magic' }] }],
  ['reference l1 negative', { references: [{ ...reference, metrics: { l1Error: -1 } }] }],
  ['predictions wrong size', { predictions: { ...predictions, size: 10 } }],
  ['predictions short data', { predictions: { ...predictions, data: encodeFloat32([1, 2]) } }],
  [
    // Decodes to the right length (a decoder skips the newline): only the text check sees it.
    'predictions data not plain base64',
    {
      predictions: {
        ...predictions,
        data: `${predictions.data.slice(0, 8)}\n${predictions.data.slice(8)}`,
      },
    },
  ],
  ['reference fitMs infinite', { references: [{ ...reference, fitMs: Number.POSITIVE_INFINITY }] }],
  ['wallMs NaN', { wallMs: Number.NaN }],
  [
    'predictions NaN values',
    {
      predictions: { ...predictions, data: encodeFloat32(new Float64Array(256).fill(Number.NaN)) },
    },
  ],
  [
    'trainMetrics l1 negative',
    { trainMetrics: { l1Error: -1, l2Error: 0, maxError: 0, points: 1 } },
  ],
  ['outcome for another task', { taskId: other.id }],
  ['task content forged', {}, { task: { ...task, width: 999 } }],
  ['taskId not the task', {}, { taskId: other.id }],
  ['taskSeq missing', {}, { taskSeq: undefined }],
  ['studyKey missing', {}, { studyKey: undefined }],
];

for (const [what, outcome, top] of bad) {
  test(`wire outcome - refuses ${what}`, () => {
    assert.throws(() => parseResultMessage(encodeWire(message(outcome, top))), WireFormatError);
  });
}

test('wire outcome - a diverged outcome keeps its NaN loss', () => {
  const diverged = {
    type: 'diverged',
    taskId: task.id,
    wallMs: 3,
    reason: 'loss is NaN',
    train: { ...doneOutcome(task).train, trainLoss: Number.NaN, lossCurve: [[0, Number.NaN]] },
  };
  const parsed = parseResultMessage(encodeWire({ ...message(), outcome: diverged }));
  assert.ok(parsed.type === 'outcome' && Number.isNaN(parsed.outcome.train.trainLoss));
});
