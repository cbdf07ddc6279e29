import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WireFormatError, ValidationError } from '../../shared/errors.js';
import { expandStudy } from '../../shared/expand.js';
import { resolveNatsConnectionOptions } from '../../shared/nats/connection-options.js';
import { redactUrl } from '../../shared/nats/server-url.js';
import { studyToken, taskSubject } from '../../shared/nats/subjects.js';
import { validateStudySpec } from '../../shared/spec/validate.js';
import { decodeWire, encodeWire } from '../../shared/wire/json.js';
import { parseResultMessage, parseTaskMessage, WIRE_VERSION } from '../../shared/wire/messages.js';
import { divergedOutcome } from '../helpers/outcomes.js';

const [task] = expandStudy(
  validateStudySpec({ name: 'w', grid: { dims: [1], widths: [4], seeds: [0], targets: ['sine'] } }),
);
assert.ok(task !== undefined);

test('wire - non-finite numbers survive the round trip', () => {
  const value = {
    a: Number.NaN,
    b: Number.POSITIVE_INFINITY,
    c: [Number.NEGATIVE_INFINITY, 1],
    d: 'NaN',
  };
  const back = decodeWire(encodeWire(value)) as typeof value;
  assert.ok(Number.isNaN(back.a));
  assert.equal(back.b, Number.POSITIVE_INFINITY);
  assert.deepEqual(back.c, [Number.NEGATIVE_INFINITY, 1]);
  assert.equal(back.d, 'NaN');
});

test('wire - a task message is checked against its content address', () => {
  const message = { type: 'task', v: WIRE_VERSION, study: 'w', studyKey: '0123456789abcdef', task };
  assert.equal(parseTaskMessage(encodeWire(message)).task.id, task.id);
  const tampered = { ...message, task: { ...task, width: 5 } };
  assert.throws(() => parseTaskMessage(encodeWire(tampered)), WireFormatError);
  assert.throws(() => parseTaskMessage(new TextEncoder().encode('{')), WireFormatError);
  assert.throws(() => parseTaskMessage(encodeWire({ ...message, v: 99 })), WireFormatError);
});

test('wire - result messages keep a diverged loss and refuse unknown types', () => {
  const outcome = divergedOutcome(task);
  const message = {
    type: 'outcome',
    v: WIRE_VERSION,
    study: 'w',
    studyKey: '0123456789abcdef',
    taskId: task.id,
    worker: 'x',
    attempt: 1,
    taskSeq: 1,
    outcome,
    task,
  };
  const parsed = parseResultMessage(encodeWire(message));
  assert.equal(parsed.type, 'outcome');
  assert.ok(parsed.type === 'outcome' && Number.isNaN(parsed.outcome.train.trainLoss));
  assert.throws(
    () => parseResultMessage(encodeWire({ ...message, type: 'exploded' })),
    WireFormatError,
  );
  assert.throws(() => parseResultMessage(encodeWire({ ...message, attempt: 0 })), WireFormatError);
});

test('nats subjects - study names with dots stay one token', () => {
  assert.equal(studyToken('a.b-c'), 'a~b-c');
  const key = '0123456789abcdef';
  assert.equal(
    taskSubject('gpu', { name: 'a.b', key }, task.id),
    `ws.tasks.gpu.a~b.${key}.${task.id}`,
  );
});

test('nats options - flags win over the environment and secrets are redacted', () => {
  const env = {
    WIDTHSWEEP_NATS_URL: 'nats://env:4222',
    WIDTHSWEEP_NATS_USER: 'u',
    WIDTHSWEEP_NATS_PASSWORD: 'p',
  };
  const fromEnv = resolveNatsConnectionOptions({}, env);
  assert.deepEqual(fromEnv.servers, ['nats://env:4222']);
  assert.equal(fromEnv.user, 'u');
  assert.deepEqual(resolveNatsConnectionOptions({ url: 'nats://a:1,nats://b:2' }, env).servers, [
    'nats://a:1',
    'nats://b:2',
  ]);
  assert.equal(redactUrl('nats://user:secret@host:4222'), 'nats://***@host:4222');
  assert.throws(
    () => resolveNatsConnectionOptions({ password: 'p' }, {}),
    (err: unknown) => err instanceof ValidationError && err.field === 'nats.user',
  );
  assert.throws(
    () => resolveNatsConnectionOptions({ url: 'nats://u:secret@h:1,not a url' }, {}),
    (err: unknown) =>
      err instanceof ValidationError &&
      err.field === 'nats.url[1]' &&
      !err.message.includes('secret'),
  );
});
