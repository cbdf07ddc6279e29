import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { jetstream } from '@nats-io/jetstream';
import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Coordinator } from '../../coordinator/coordinator.js';
import { JetStreamDispatcher } from '../../coordinator/dispatch/jetstream-dispatcher.js';
import { SqliteResultStore } from '../../coordinator/store/sqlite-store.js';
import type { Logger } from '../../shared/log.js';
import {
  DEFAULT_POOL,
  resultSubject,
  TASK_STREAM,
  workerConsumerName,
} from '../../shared/nats/subjects.js';
import type { StudyRef } from '../../shared/nats/subjects.js';
import { encodeWire } from '../../shared/wire/json.js';
import { parseTaskMessage, WIRE_VERSION } from '../../shared/wire/messages.js';
import type { ResultMessage } from '../../shared/wire/messages.js';
import { tinySpec } from '../helpers/coordinator-fixtures.js';
import { NATS_SERVER, TestNatsServer } from '../helpers/nats-server.js';
import { doneOutcome } from '../helpers/outcomes.js';
import { tempDir } from '../helpers/temp.js';

const dir = tempDir();
after(() => dir.remove());
const quiet: Logger = { info: () => {}, warn: () => {} };

/**
 * A worker in the test's hands: each delivery reports `started`; `broken` fails (final on the
 * last delivery), every other task reports its outcome twice (a duplicate); and one message on
 * the result subject is garbage.
 */
async function fakeWorker(
  js: JetStreamClient,
  brokenId: string,
  maxDeliver: number,
  stop: AbortSignal,
): Promise<void> {
  const consumer = await js.consumers.get(TASK_STREAM, workerConsumerName(DEFAULT_POOL));
  let garbageSent = false;
  while (!stop.aborted) {
    const batch = await consumer.fetch({ max_messages: 8, expires: 1000 });
    const messages: JsMsg[] = [];
    for await (const msg of batch) messages.push(msg);
    for (const msg of messages) {
      const { task, study, studyKey } = parseTaskMessage(msg.data);
      const ref: StudyRef = { name: study, key: studyKey };
      const subject = resultSubject(ref);
      const base = {
        v: WIRE_VERSION,
        study: ref.name,
        studyKey,
        taskId: task.id,
        worker: 'fake',
        attempt: msg.info.deliveryCount,
        taskSeq: msg.info.streamSequence,
      } as const;
      const send = (m: ResultMessage) => js.publish(subject, encodeWire(m));
      await send({ ...base, type: 'started' });
      if (!garbageSent) {
        garbageSent = true;
        await js.publish(subject, new TextEncoder().encode('{"not": "a result"}'));
      }
      if (task.id === brokenId) {
        const final = base.attempt >= maxDeliver;
        await send({ ...base, type: 'attempt-failed', task, error: 'boom', final });
        if (final) msg.ack();
        else msg.nak();
        continue;
      }
      const outcome = doneOutcome(task);
      await send({ ...base, type: 'outcome', outcome, task });
      await send({ ...base, type: 'outcome', outcome, task });
      msg.ack();
    }
  }
}

test(
  'coordinator jetstream - results from workers go through the one sink: duplicates ignored, failures final on the last delivery, garbage dead-lettered',
  { skip: NATS_SERVER.skip, timeout: 120_000 },
  async () => {
    const server = await TestNatsServer.start();
    const nc = await connect({ servers: server.url });
    const stop = new AbortController();
    try {
      const { spec, tasks } = tinySpec('js-core');
      const [broken] = tasks;
      assert.ok(broken !== undefined);
      const store = new SqliteResultStore(join(dir.path, 'js.sqlite'));
      const maxDeliver = 2;
      const dispatcher = await JetStreamDispatcher.connect(
        store,
        { nats: { url: server.url }, topology: { maxDeliver, ackWaitMs: 30_000 } },
        quiet,
      );
      const coordinator = new Coordinator(store, dispatcher);
      const worker = fakeWorker(js(nc), broken.id, maxDeliver, stop.signal);
      const summary = await coordinator.run(spec);
      assert.equal(summary.trained, tasks.length - 1);
      assert.equal(summary.failedNow, 1);
      assert.equal(summary.done, tasks.length - 1);
      assert.equal(summary.failed, 1);
      assert.equal(summary.backend, 'nats');
      assert.equal(store.taskState(broken.id)?.attempts, maxDeliver);
      assert.equal(store.taskError(broken.id), 'boom');
      assert.equal(store.deadLetterCount(spec.name), 1);
      assert.equal(store.results(spec.name).filter((r) => r.status === 'done').length, 3);
      stop.abort();
      await worker;
      await coordinator.close();
      await coordinator.close();
      assert.equal(coordinator.state, 'closed');
    } finally {
      stop.abort();
      await nc.close();
      await server.dispose();
    }
  },
);

function js(nc: Awaited<ReturnType<typeof connect>>): JetStreamClient {
  return jetstream(nc);
}
