import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { JetStreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { expandStudy } from '../../shared/expand.js';
import { createLogger } from '../../shared/log.js';
import { TASK_STREAM, taskSubject, workerConsumerName } from '../../shared/nats/subjects.js';
import type { StudyRef } from '../../shared/nats/subjects.js';
import {
  ensureStreams,
  ensureWorkerConsumer,
  resolveTopologyOptions,
} from '../../shared/nats/topology.js';
import { validateStudySpec } from '../../shared/spec/validate.js';
import type { Task } from '../../shared/task.js';
import { encodeWire } from '../../shared/wire/json.js';
import { parseResultMessage, WIRE_VERSION } from '../../shared/wire/messages.js';
import type { ResultMessage } from '../../shared/wire/messages.js';
import { NatsWorker } from '../../worker/nats-worker.js';
import type { NatsWorkerOptions } from '../../worker/nats-worker.js';
import { FakeTaskRunner } from '../helpers/fake-runner.js';
import { doneOutcome } from '../helpers/outcomes.js';
import { NATS_SERVER, TestNatsServer } from '../helpers/nats-server.js';

const STUDY: StudyRef = { name: 'inproc', key: '0123456789abcdef' };
const quiet = createLogger(
  'test worker',
  new Writable({ write: (_chunk, _encoding, done) => done() }),
);

async function waitFor(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await sleep(50);
  }
}

function tasksOf(count: number): Task[] {
  return expandStudy(
    validateStudySpec({
      name: STUDY.name,
      grid: { dims: [1], widths: [2], seeds: [...Array(count).keys()], targets: ['sine'] },
    }),
  );
}

/**
 * A server with the streams and the default pool's consumer (ack wait `ackWaitMs`), a client
 * connection that sees every result and every task ack, in the order the server sent them.
 */
class Bench {
  readonly results: ResultMessage[] = [];
  /** Stream sequences of task messages acked (+ACK), in order, each with the outcomes seen by then. */
  readonly acks: Array<{ seq: number; outcomeSeen: boolean }> = [];
  readonly workers: NatsWorker[] = [];

  private constructor(
    readonly server: TestNatsServer,
    readonly nc: NatsConnection,
    readonly jsm: JetStreamManager,
  ) {}

  static async start(ackWaitMs = 60_000): Promise<Bench> {
    const server = await TestNatsServer.start();
    const nc = await connect({ servers: server.url });
    const jsm = await jetstreamManager(nc);
    const topology = resolveTopologyOptions({ ackWaitMs, maxDeliver: 5 });
    await ensureStreams(jsm, topology);
    await ensureWorkerConsumer(jsm, 'default', topology, true);
    const bench = new Bench(server, nc, jsm);
    nc.subscribe('ws.results.>', {
      callback: (err, msg) => {
        if (err === null) bench.results.push(parseResultMessage(msg.data));
      },
    });
    nc.subscribe(`$JS.ACK.${TASK_STREAM}.>`, {
      callback: (err, msg) => {
        if (err !== null || msg.string() !== '+ACK') return;
        // $JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.…
        const seq = Number(msg.subject.split('.')[5]);
        const outcomeSeen = bench.results.some((r) => r.type === 'outcome' && r.taskSeq === seq);
        bench.acks.push({ seq, outcomeSeen });
      },
    });
    await nc.flush();
    return bench;
  }

  async publish(tasks: readonly Task[]): Promise<void> {
    const js = jetstream(this.nc);
    for (const task of tasks) {
      const message = {
        type: 'task',
        v: WIRE_VERSION,
        study: STUDY.name,
        studyKey: STUDY.key,
        task,
      };
      await js.publish(taskSubject('default', STUDY, task.id), encodeWire(message));
    }
  }

  async worker(runner: FakeTaskRunner, options: NatsWorkerOptions = {}): Promise<NatsWorker> {
    const worker = await NatsWorker.startWith(
      runner,
      { name: `w${this.workers.length}`, nats: { url: this.server.url }, ...options },
      quiet,
    );
    this.workers.push(worker);
    return worker;
  }

  async consumer(): Promise<{ pending: number; ackPending: number; redelivered: number }> {
    const info = await this.jsm.consumers.info(TASK_STREAM, workerConsumerName('default'));
    return {
      pending: info.num_pending,
      ackPending: info.num_ack_pending,
      redelivered: info.num_redelivered,
    };
  }

  outcomes(): Array<Extract<ResultMessage, { type: 'outcome' }>> {
    return this.results.filter((r) => r.type === 'outcome');
  }

  async dispose(): Promise<void> {
    await Promise.allSettled(this.workers.map((w) => w.close()));
    await this.nc.close();
    await this.server.dispose();
  }
}

const benches: Bench[] = [];
after(async () => {
  await Promise.allSettled(benches.map((b) => b.dispose()));
});
async function bench(ackWaitMs?: number): Promise<Bench> {
  const b = await Bench.start(ackWaitMs);
  benches.push(b);
  return b;
}

test(
  'nats worker - prefetching trains every task exactly once and acks each after its outcome',
  { skip: NATS_SERVER.skip },
  async () => {
    const b = await bench();
    const tasks = tasksOf(60);
    await b.publish(tasks);
    const runners = [new FakeTaskRunner(2), new FakeTaskRunner(1)];
    for (const runner of runners) await b.worker(runner, { prefetchPerThread: 2 });
    await waitFor('every outcome', () => b.outcomes().length >= tasks.length, 60_000);
    await waitFor('every ack', () => b.acks.length >= tasks.length, 30_000);
    const runs = runners.flatMap((r) => r.calls).sort();
    assert.deepEqual(runs, tasks.map((t) => t.id).sort(), 'each task ran exactly once');
    assert.equal(new Set(b.outcomes().map((o) => o.taskId)).size, tasks.length);
    assert.ok(
      runners.every((r) => r.maxConcurrent <= r.threads),
      'never more runs than threads',
    );
    assert.ok(
      b.acks.every((a) => a.outcomeSeen),
      'a task is acked only after its outcome',
    );
    const c = await b.consumer();
    assert.deepEqual([c.pending, c.ackPending, c.redelivered], [0, 0, 0]);
  },
);

test(
  'nats worker - close hands back prefetched tasks at once and finishes the training one',
  { skip: NATS_SERVER.skip },
  async () => {
    const b = await bench();
    const tasks = tasksOf(3);
    const runner = new FakeTaskRunner(1, () => 'hold');
    const worker = await b.worker(runner, {
      prefetchPerThread: 2,
      graceMs: 30_000,
      reportStartAfterMs: 0,
    });
    await b.publish(tasks);
    await waitFor('one running, two held', () => runner.held.length === 1);
    await waitFor('the prefetch', async () => (await b.consumer()).ackPending === 3);
    const closing = worker.close();
    // The two waiting tasks go back at once: another worker trains them long before the 60 s
    // ack wait, and before the first worker's training task ends.
    const other = new FakeTaskRunner(1);
    await b.worker(other);
    await waitFor('the hand-back', () => other.calls.length === 2, 20_000);
    assert.equal(runner.release(runner.held[0] ?? ''), true);
    await closing;
    assert.equal(runner.calls.length, 1, 'prefetched tasks were not trained by the closing worker');
    assert.equal(runner.closeCalls, 1);
    await waitFor('three outcomes', () => b.outcomes().length === 3);
    assert.deepEqual(
      [...runner.calls, ...other.calls].sort(),
      tasks.map((t) => t.id).sort(),
      'each task trained once, by one of the two workers',
    );
    const started = b.results.filter((r) => r.type === 'started' && r.worker === 'w0');
    assert.equal(started.length, 1, 'the closing worker reported only the task it trained');
  },
);

test(
  "nats worker - a prefetched task's ack wait does not run out while it waits for a thread",
  { skip: NATS_SERVER.skip },
  async () => {
    const b = await bench(1000);
    const tasks = tasksOf(2);
    const runner = new FakeTaskRunner(1, () => 'hold');
    await b.worker(runner, { prefetchPerThread: 1 });
    await b.publish(tasks);
    await waitFor('one running', () => runner.held.length === 1);
    // Four ack waits with the second task held but not started.
    await sleep(4000);
    assert.equal((await b.consumer()).redelivered, 0, 'nothing was redelivered');
    assert.equal(runner.release(runner.held[0] ?? ''), true);
    await waitFor('the second task', () => runner.held.length === 1 && runner.calls.length === 2);
    assert.equal(runner.release(runner.held[0] ?? ''), true);
    await waitFor('both outcomes', () => b.outcomes().length === 2);
    assert.ok(
      b.results.every((r) => r.attempt === 1),
      'every report is of the first delivery',
    );
    assert.deepEqual([...runner.calls].sort(), tasks.map((t) => t.id).sort());
  },
);

test(
  'nats worker - a task that ends before reportStartAfterMs sends only its outcome; a long one reports its start first',
  { skip: NATS_SERVER.skip },
  async () => {
    const b = await bench();
    const [quick, slow] = tasksOf(2);
    assert.ok(quick !== undefined && slow !== undefined);
    const runner = new FakeTaskRunner(1, (task) =>
      task.id === slow.id ? 'hold' : doneOutcome(task),
    );
    await b.worker(runner, { reportStartAfterMs: 400 });
    await b.publish([quick]);
    await waitFor('the quick outcome', () => b.outcomes().length === 1);
    await b.publish([slow]);
    await waitFor('the slow start', () => b.results.some((r) => r.type === 'started'));
    assert.equal(runner.release(slow.id), true);
    await waitFor('the slow outcome', () => b.outcomes().length === 2);
    const kinds = b.results.map((r) => `${r.type} ${r.taskId === quick.id ? 'quick' : 'slow'}`);
    assert.deepEqual(kinds, ['outcome quick', 'started slow', 'outcome slow']);
  },
);
