import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { JetStreamLedger } from '../../coordinator/distributed/ledger.js';
import { publishMissingTasks } from '../../coordinator/distributed/task-publisher.js';
import type { Logger } from '../../shared/log.js';
import { DEFAULT_POOL, TASK_STREAM } from '../../shared/nats/subjects.js';
import { ensureStreams, resolveTopologyOptions } from '../../shared/nats/topology.js';
import { tinySpec } from '../helpers/coordinator-fixtures.js';
import { NATS_SERVER, TestNatsServer } from '../helpers/nats-server.js';

const quiet: Logger = { info: () => {}, warn: () => {} };

/** A ledger that keeps what it is told, and whether each record came inside a transaction. */
class RecordingLedger implements JetStreamLedger {
  readonly published = new Map<string, number>();
  outsideTransaction = 0;
  transactions = 0;
  failCommits = false;
  #inTransaction = false;

  recordPublished(taskId: string, streamSeq: number): void {
    if (!this.#inTransaction) this.outsideTransaction++;
    this.published.set(taskId, streamSeq);
  }
  unfinishedTaskAtStreamSeq(): string | undefined {
    return undefined;
  }
  recordDeadLetter(): void {}
  transaction<T>(fn: () => T): T {
    if (this.failCommits) throw new Error('disk I/O error');
    this.transactions++;
    this.#inTransaction = true;
    try {
      return fn();
    } finally {
      this.#inTransaction = false;
    }
  }
}

async function withStreams(
  run: (
    js: ReturnType<typeof jetstream>,
    jsm: Awaited<ReturnType<typeof jetstreamManager>>,
  ) => Promise<void>,
): Promise<void> {
  const server = await TestNatsServer.start();
  const nc = await connect({ servers: server.url });
  try {
    const jsm = await jetstreamManager(nc);
    await ensureStreams(jsm, resolveTopologyOptions({ replicas: 1 }));
    await run(jetstream(nc), jsm);
  } finally {
    await nc.close();
    await server.dispose();
  }
}

test(
  'task publisher - the acks that arrive together are recorded in one transaction, each with its stream sequence',
  { skip: NATS_SERVER.skip, timeout: 60_000 },
  async () => {
    await withStreams(async (js, jsm) => {
      const { tasks } = tinySpec('publisher-batch', 40);
      const ledger = new RecordingLedger();
      const study = { name: 'publisher-batch', key: '0123456789abcdef' };
      const summary = await publishMissingTasks(
        js,
        jsm,
        ledger,
        study,
        tasks,
        () => DEFAULT_POOL,
        quiet,
      );
      assert.equal(summary.published, tasks.length);
      assert.equal(ledger.outsideTransaction, 0);
      assert.ok(
        ledger.transactions < tasks.length,
        `${ledger.transactions} transactions for ${tasks.length} tasks`,
      );
      assert.equal(ledger.published.size, tasks.length);
      for (const task of tasks) {
        const seq = ledger.published.get(task.id);
        assert.ok(seq !== undefined);
        const stored = await jsm.streams.getMessage(TASK_STREAM, { seq });
        assert.ok(stored?.subject.endsWith(task.id), `seq ${seq} holds ${stored?.subject}`);
      }
    });
  },
);

test(
  'task publisher - a ledger that cannot commit fails the publish instead of losing the record',
  { skip: NATS_SERVER.skip, timeout: 60_000 },
  async () => {
    await withStreams(async (js, jsm) => {
      const { tasks } = tinySpec('publisher-fail', 10);
      const ledger = new RecordingLedger();
      ledger.failCommits = true;
      const study = { name: 'publisher-fail', key: '0123456789abcdef' };
      await assert.rejects(
        publishMissingTasks(js, jsm, ledger, study, tasks, () => DEFAULT_POOL, quiet),
        /disk I\/O error/,
      );
    });
  },
);
