import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { expandStudy } from '../../shared/expand.js';
import { resultSubject, TASK_STREAM, taskSubject } from '../../shared/nats/subjects.js';
import { validateStudySpec } from '../../shared/spec/validate.js';
import type { Task } from '../../shared/task.js';
import { encodeWire } from '../../shared/wire/json.js';
import { WIRE_VERSION } from '../../shared/wire/messages.js';
import { lastJsonLine, runCli } from '../helpers/cli.js';
import { NATS_SERVER, TestNatsServer } from '../helpers/nats-server.js';
import { doneOutcome } from '../helpers/outcomes.js';
import {
  assertCompleteOnce,
  count,
  query,
  SweepHarness,
  waitFor,
} from '../helpers/sweep-harness.js';

const h = new SweepHarness();
after(() => h.dispose());

/** What a hostile or broken publisher can put on a study's result subject. */
async function withClient<T>(url: string, fn: (nc: NatsConnection) => Promise<T>): Promise<T> {
  const nc = await connect({ servers: url });
  try {
    return await fn(nc);
  } finally {
    await nc.close();
  }
}

function studyRow(db: string, study: string) {
  const key = query(db, 'SELECT study_key AS key FROM studies WHERE study = ?', study)[0]?.key;
  assert.equal(typeof key, 'string');
  const tasks = query(
    db,
    `SELECT t.spec_json, t.stream_seq FROM study_tasks st JOIN tasks t ON t.task_id = st.task_id
     WHERE st.study = ? ORDER BY st.position`,
    study,
  ).map((r) => ({ task: JSON.parse(r.spec_json as string) as Task, seq: r.stream_seq as number }));
  return { key: key as string, tasks };
}

test(
  'faults - poison, forged and foreign results go to the dead letters; the study completes',
  { timeout: 180_000, skip: NATS_SERVER.skip },
  async () => {
    const server = await TestNatsServer.start();
    try {
      const db = h.db('forge');
      const path = h.spec('forge', { widths: [4, 8], seeds: [0, 1] });
      const published = await runCli(
        ['run', path, '--nats', server.url, '--db', db, '--detach'],
        h.path,
      );
      assert.equal(published.code, 0, published.stderr);
      const { key, tasks } = studyRow(db, 'forge');
      const [first, second] = tasks;
      assert.ok(first !== undefined && second !== undefined);
      const [foreign] = expandStudy(
        validateStudySpec({
          name: 'x',
          grid: { dims: [1], widths: [99], seeds: [0], targets: ['sine'] },
        }),
      );
      assert.ok(foreign !== undefined);
      const envelope = (task: Task, seq: number) => ({
        v: WIRE_VERSION,
        study: 'forge',
        studyKey: key,
        taskId: task.id,
        worker: 'forger',
        attempt: 1,
        taskSeq: seq,
      });
      const outcome = (task: Task, metrics: Record<string, unknown>) => {
        const done = doneOutcome(task);
        return {
          type: 'outcome',
          ...envelope(task, first.seq),
          task,
          outcome: { ...done, metrics: { ...(done as { metrics: object }).metrics, ...metrics } },
        };
      };
      const deadOnes: unknown[] = [
        outcome(first.task, { l1Error: {} }),
        outcome(first.task, { l1Error: -123 }),
        outcome(first.task, { l2Error: Number.POSITIVE_INFINITY }),
        outcome(second.task, { l2Error: Number.NEGATIVE_INFINITY }),
        outcome(second.task, { accuracy: -5 }),
        outcome(foreign, {}),
        { ...outcome(second.task, {}), studyKey: 'ffffffffffffffff' },
      ];
      const forgedFinal = {
        type: 'attempt-failed',
        ...envelope(first.task, first.seq),
        task: first.task,
        error: 'forged',
        final: true,
      };
      await withClient(server.url, async (nc) => {
        const js = jetstream(nc);
        const subject = resultSubject({ name: 'forge', key });
        for (const m of deadOnes) await js.publish(subject, encodeWire(m));
        await js.publish(subject, new TextEncoder().encode('{not json'));
        await js.publish(subject, encodeWire(forgedFinal));
        // A poison task message too: workers must terminate it and go on.
        await js.publish(
          taskSubject('default', { name: 'forge', key }, 'f'.repeat(32)),
          new TextEncoder().encode('{'),
        );
      });
      const once = await runCli(
        ['collect', 'forge', '--nats', server.url, '--db', db, '--once', '--json'],
        h.path,
      );
      assert.equal(once.code, 0, once.stderr);
      assert.equal(count(db, 'SELECT count(*) AS n FROM dead_letters'), deadOnes.length + 1);
      assert.equal(count(db, 'SELECT count(*) AS n FROM results'), 0, 'a forged result was stored');
      assert.equal(count(db, 'SELECT count(*) AS n FROM tasks'), 4, 'a foreign task row was added');
      assert.equal(count(db, "SELECT count(*) AS n FROM tasks WHERE status = 'failed'"), 0);
      const status = await runCli(['status', 'forge', '--db', db, '--json'], h.path);
      assert.equal((JSON.parse(status.stdout) as { deadLetters: number }).deadLetters, 8);
      const list = await runCli(
        ['status', 'forge', '--db', db, '--dead-letters', '--json'],
        h.path,
      );
      const letters = JSON.parse(list.stdout) as Array<{ reason: string }>;
      assert.equal(letters.length, 8);
      assert.ok(letters.some((l) => /l1Error/.test(l.reason)));
      assert.ok(letters.some((l) => /not a task of study forge/.test(l.reason)));

      const worker = h.startWorker(server.url, 'honest');
      const out = await runCli(
        ['collect', 'forge', '--nats', server.url, '--db', db, '--json'],
        h.path,
      );
      assert.equal(out.code, 0, out.stderr);
      assertCompleteOnce(db, 'forge', 4);
      const values = query(db, 'SELECT l1_error, l2_error, accuracy FROM results');
      for (const v of values) {
        assert.ok((v.l1_error as number) >= 0 && Number.isFinite(v.l1_error));
        assert.ok(Number.isFinite(v.l2_error));
        assert.equal(v.accuracy, null);
      }
      await h.stopWorkers([worker]);
    } finally {
      await server.dispose();
    }
  },
);

test(
  'faults - the same task trained for two databases inside the duplicate window is stored in both',
  { timeout: 180_000, skip: NATS_SERVER.skip },
  async () => {
    const server = await TestNatsServer.start();
    try {
      const worker = h.startWorker(server.url, 'shared');
      const grid = { widths: [4], seeds: [0, 1] };
      const dbA = h.db('share-a');
      const a = await runCli(
        ['run', h.spec('share-a', grid), '--nats', server.url, '--db', dbA, '--json'],
        h.path,
      );
      assert.equal(a.code, 0, a.stderr);
      const dbB = h.db('share-b');
      const b = await runCli(
        ['run', h.spec('share-b', grid), '--nats', server.url, '--db', dbB, '--detach'],
        h.path,
      );
      assert.equal(b.code, 0, b.stderr);
      // Once the worker has taken and acked every task, its results are in the stream (it acks
      // only after the result's publish is acknowledged).
      await withClient(server.url, async (nc) => {
        const jsm = await jetstreamManager(nc);
        const deadline = Date.now() + 60_000;
        while ((await jsm.streams.info(TASK_STREAM)).state.messages > 0) {
          assert.ok(Date.now() < deadline, 'the worker never drained the queue');
          await sleep(200);
        }
      });
      const once = await runCli(
        ['collect', 'share-b', '--nats', server.url, '--db', dbB, '--once', '--json'],
        h.path,
      );
      assert.equal(once.code, 0, once.stderr);
      assert.equal(
        lastJsonLine<{ done: number }>(once.stdout).done,
        2,
        'a result was dropped as a duplicate',
      );
      assertCompleteOnce(dbB, 'share-b', 2);
      await h.stopWorkers([worker]);
    } finally {
      await server.dispose();
    }
  },
);

test(
  'faults - a broker killed with SIGKILL and restarted on its store: the study completes once',
  { timeout: 180_000, skip: NATS_SERVER.skip },
  async () => {
    const server = await TestNatsServer.start();
    try {
      const workers = [h.startWorker(server.url, 'k1'), h.startWorker(server.url, 'k2')];
      const db = h.db('brokerkill');
      const path = h.spec(
        'brokerkill',
        { widths: [4, 8, 16], seeds: [0, 1, 2, 3] },
        { train: { steps: 300, samples: 64 }, eval: { samples: 256 } },
      );
      const run = h.start(['run', path, '--nats', server.url, '--db', db, '--json']);
      await waitFor('some results', () => count(db, 'SELECT count(*) AS n FROM results') >= 2);
      await server.restart({ kill: true });
      const out = await run.done;
      assert.equal(out.code, 0, out.stderr);
      assertCompleteOnce(db, 'brokerkill', 12);
      await h.stopWorkers(workers);
    } finally {
      await server.dispose();
    }
  },
);
