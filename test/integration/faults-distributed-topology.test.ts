import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { TASK_STREAM, workerConsumerName } from '../../shared/nats/subjects.js';
import { runCli } from '../helpers/cli.js';
import { NATS_SERVER, TestNatsServer } from '../helpers/nats-server.js';
import {
  assertCompleteOnce,
  count,
  query,
  SweepHarness,
  waitFor,
} from '../helpers/sweep-harness.js';

const h = new SweepHarness();
after(() => h.dispose());

test(
  'faults - a study name served by another database is refused; its own database resumes',
  { timeout: 180_000, skip: NATS_SERVER.skip },
  async () => {
    const server = await TestNatsServer.start();
    try {
      const dbA = h.db('clash-a');
      const dbB = h.db('clash-b');
      const a = h.spec('clash', { widths: [4, 8], seeds: [0, 1], targets: ['sine'] });
      const b = h.spec('clash', { widths: [4, 8], seeds: [0, 1], targets: ['bump'] });
      const first = await runCli(['run', a, '--nats', server.url, '--db', dbA, '--detach'], h.path);
      assert.equal(first.code, 0, first.stderr);
      const second = await runCli(['run', b, '--nats', server.url, '--db', dbB, '--json'], h.path);
      assert.equal(second.code, 2, second.stderr);
      assert.match(
        second.stderr,
        /study 'clash' is already served on this NATS server by another result database/,
      );
      assert.equal(count(dbB, 'SELECT count(*) AS n FROM results'), 0);
      const worker = h.startWorker(server.url, 'w');
      // The same database claims the name again and finds its queued tasks: nothing republished.
      const resumed = await runCli(['run', a, '--nats', server.url, '--db', dbA, '--json'], h.path);
      assert.equal(resumed.code, 0, resumed.stderr);
      assert.match(resumed.stderr, /0 task\(s\) published/);
      assertCompleteOnce(dbA, 'clash', 4);
      assert.deepEqual(
        query(dbA, 'SELECT DISTINCT target FROM task_results').map((r) => r.target),
        ['sine'],
      );
      await h.stopWorkers([worker]);
    } finally {
      await server.dispose();
    }
  },
);

test(
  'faults - a broker restarted with a wiped store: the live run recreates everything and completes',
  { timeout: 180_000, skip: NATS_SERVER.skip },
  async () => {
    const server = await TestNatsServer.start();
    try {
      const workers = [h.startWorker(server.url, 'w1'), h.startWorker(server.url, 'w2')];
      const db = h.db('wiped');
      const path = h.spec(
        'wiped',
        { widths: [4, 8, 16], seeds: [0, 1, 2, 3] },
        { train: { steps: 300, samples: 64 }, eval: { samples: 256 } },
      );
      const run = h.start(['run', path, '--nats', server.url, '--db', db, '--json']);
      await waitFor('some results', () => count(db, 'SELECT count(*) AS n FROM results') >= 2);
      assert.ok(count(db, 'SELECT count(*) AS n FROM results') < 12, 'finished before the wipe');
      await server.restart({ wipeStore: true });
      const out = await run.done;
      assert.equal(out.code, 0, out.stderr);
      assertCompleteOnce(db, 'wiped', 12);
      await h.stopWorkers(workers);
    } finally {
      await server.dispose();
    }
  },
);

test(
  'faults - lowering --ack-wait under a running task does not train it twice',
  { timeout: 180_000, skip: NATS_SERVER.skip },
  async () => {
    const server = await TestNatsServer.start();
    try {
      // Two idle-capable workers: a redelivery would find the second one at once.
      const slow = ['--backend', 'wasm'];
      const workers = [
        h.startWorker(server.url, 'a1', {}, slow),
        h.startWorker(server.url, 'a2', {}, slow),
      ];
      const db = h.db('ackwait');
      // About 9 s of training on one thread here: longer than twice the lowered ack wait.
      const path = h.spec(
        'ackwait',
        { widths: [16], seeds: [0] },
        { train: { steps: 4500, samples: 128, optimizer: 'adam' }, eval: { samples: 256 } },
      );
      const published = await runCli(
        ['run', path, '--nats', server.url, '--db', db, '--detach'],
        h.path,
      );
      assert.equal(published.code, 0, published.stderr);
      const nc = await connect({ servers: server.url });
      try {
        const jsm = await jetstreamManager(nc);
        const deadline = Date.now() + 60_000;
        while (
          (await jsm.consumers.info(TASK_STREAM, workerConsumerName('default'))).num_ack_pending ===
          0
        ) {
          assert.ok(Date.now() < deadline, 'no worker took the task');
          await sleep(100);
        }
      } finally {
        await nc.close();
      }
      const out = await runCli(
        ['run', path, '--nats', server.url, '--db', db, '--ack-wait', '4', '--json'],
        h.path,
      );
      assert.equal(out.code, 0, out.stderr);
      assertCompleteOnce(db, 'ackwait', 1);
      assert.deepEqual(
        query(db, 'SELECT attempts FROM tasks').map((r) => r.attempts),
        [1],
        'the task was delivered again while it trained',
      );
      await h.stopWorkers(workers);
    } finally {
      await server.dispose();
    }
  },
);
