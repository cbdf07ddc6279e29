import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { jetstreamManager } from '@nats-io/jetstream';
import type { JetStreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { RESULT_STREAM, TASK_STREAM } from '../../shared/nats/subjects.js';
import { runCli } from '../helpers/cli.js';
import { TestNatsCluster } from '../helpers/nats-cluster.js';
import { assertCompleteOnce, count, SweepHarness, waitFor } from '../helpers/sweep-harness.js';
import { NATS_SERVER } from '../helpers/nats-server.js';

const h = new SweepHarness();
after(() => h.dispose());

async function until<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn().catch(() => undefined);
    if (value !== undefined) return value;
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await sleep(250);
  }
}

test(
  'faults - a 3-node cluster loses the task stream leader to kill -9 mid-study and completes once',
  { timeout: 180_000, skip: NATS_SERVER.skip },
  async () => {
    const cluster = await TestNatsCluster.start(3);
    const nc = await connect({ servers: cluster.url.split(','), maxReconnectAttempts: -1 });
    try {
      await cluster.ready();
      const db = h.db('cluster');
      const path = h.spec(
        'cluster',
        { widths: [4, 8, 16], seeds: [0, 1, 2, 3] },
        { train: { steps: 300, samples: 64 }, eval: { samples: 256 } },
      );
      const refused = await runCli(
        [
          'run',
          path,
          '--nats',
          cluster.url,
          '--db',
          h.db('refused'),
          '--replicas',
          '5',
          '--detach',
        ],
        h.path,
      );
      assert.equal(refused.code, 2, refused.stderr);
      assert.match(
        refused.stderr,
        /5 replicas need a JetStream cluster of at least 5 servers; the server reports 3/,
      );

      const c1 = h.startWorker(cluster.url, 'c1');
      const c2 = h.startWorker(cluster.url, 'c2');
      const workers = [c1, c2];
      const run = h.start(['run', path, '--nats', cluster.url, '--db', db, '--json']);
      await waitFor(
        'some results',
        () => count(db, 'SELECT count(*) AS n FROM results') >= 2,
        90_000,
        { run, c1, c2 },
      );
      const jsm: JetStreamManager = await jetstreamManager(nc);
      const info = await jsm.streams.info(TASK_STREAM);
      // The default on a cluster of three: every stream on every node.
      assert.equal(info.config.num_replicas, 3);
      assert.equal((await jsm.streams.info(RESULT_STREAM)).config.num_replicas, 3);
      const leader = info.cluster?.leader;
      assert.ok(leader !== undefined, 'the task stream has no leader');
      const victim = cluster.indexOf(leader);
      assert.ok(victim >= 0);
      assert.ok(count(db, 'SELECT count(*) AS n FROM results') < 12, 'finished before the kill');
      await cluster.kill(victim);

      const out = await run.done;
      assert.equal(out.code, 0, out.stderr);
      assertCompleteOnce(db, 'cluster', 12);

      await cluster.startNode(victim);
      await until('the restarted node to rejoin the task stream', async () => {
        const now = await jsm.streams.info(TASK_STREAM);
        const peers = [
          { name: now.cluster?.leader, current: true },
          ...(now.cluster?.replicas ?? []),
        ];
        return peers.some((p) => p.name === leader && p.current === true) ? true : undefined;
      });
      await h.stopWorkers(workers);
    } finally {
      await nc.close();
      await cluster.dispose();
    }
  },
);
