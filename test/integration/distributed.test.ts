import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { lastJsonLine, runCli } from '../helpers/cli.js';
import { NATS_SERVER, TestNatsServer } from '../helpers/nats-server.js';
import { assertCompleteOnce, query, SweepHarness, TINY } from '../helpers/sweep-harness.js';

const h = new SweepHarness();
after(() => h.dispose());
const dir = h.dir;
const tiny = TINY;
const spec = (name: string, grid: Record<string, unknown>, recipe?: Record<string, unknown>) =>
  h.spec(name, grid, recipe);
const startWorker = (
  server: TestNatsServer,
  name: string,
  env: NodeJS.ProcessEnv = {},
  extra: string[] = [],
) => h.startWorker(server.url, name, env, extra);
const stopWorkers = (workers: Parameters<SweepHarness['stopWorkers']>[0]) => h.stopWorkers(workers);
test(
  'distributed - 1 coordinator and 3 workers finish 200 tasks exactly once',
  { skip: NATS_SERVER.skip },
  async () => {
    const server = await TestNatsServer.start();
    try {
      const workers = ['a', 'b', 'c'].map((n) => startWorker(server, n));
      const db = join(dir.path, 'many.sqlite');
      const widths = Array.from({ length: 10 }, (_, i) => i + 2);
      const seeds = Array.from({ length: 20 }, (_, i) => i);
      const out = await runCli(
        ['run', spec('many', { widths, seeds }), '--nats', server.url, '--db', db, '--json'],
        dir.path,
      );
      assert.equal(out.code, 0, out.stderr);
      const summary = lastJsonLine<{ total: number; done: number; trained: number }>(out.stdout);
      assert.equal(summary.total, 200);
      assert.equal(summary.done, 200);
      assert.equal(summary.trained, 200);
      assertCompleteOnce(db, 'many', 200);
      const workersSeen = query(db, 'SELECT DISTINCT worker FROM results').map((r) => r.worker);
      assert.ok(workersSeen.length >= 2, `only ${workersSeen.join(',')} trained`);
      const status = await runCli(['status', '--db', db, '--nats', server.url, '--json'], dir.path);
      const live = (
        JSON.parse(status.stdout) as { workers: Array<{ name: string; backend: string }> }
      ).workers;
      assert.deepEqual(live.map((w) => w.name).sort(), ['a', 'b', 'c']);
      await stopWorkers(workers);
    } finally {
      await server.dispose();
    }
  },
);

test(
  'distributed - a task that always throws fails after max deliveries with its error',
  { skip: NATS_SERVER.skip },
  async () => {
    const server = await TestNatsServer.start();
    try {
      const workers = [
        h.startFaultyWorker(server.url, 'f1', [13]),
        h.startFaultyWorker(server.url, 'f2', [13]),
      ];
      const db = join(dir.path, 'fail.sqlite');
      const path = spec('failing', { widths: [4, 8], seeds: [12, 13] });
      const out = await runCli(
        ['run', path, '--nats', server.url, '--db', db, '--max-attempts', '2', '--json'],
        dir.path,
      );
      assert.equal(out.code, 1, out.stderr);
      const summary = lastJsonLine<{ done: number; failed: number }>(out.stdout);
      assert.equal(summary.done, 2);
      assert.equal(summary.failed, 2);
      const failed = query(
        db,
        "SELECT seed, attempts, error FROM task_results WHERE status = 'failed'",
      );
      assert.equal(failed.length, 2);
      for (const row of failed) {
        assert.equal(row.seed, 13);
        assert.equal(row.attempts, 2);
        assert.match(row.error as string, /injected failure for seed 13/);
      }
      await stopWorkers(workers);
    } finally {
      await server.dispose();
    }
  },
);

test(
  'distributed - run --detach publishes, and re-running republishes nothing queued',
  { skip: NATS_SERVER.skip },
  async () => {
    const server = await TestNatsServer.start();
    try {
      const db = join(dir.path, 'detach.sqlite');
      const path = spec('detached', { widths: [4, 8], seeds: [0, 1, 2] });
      const first = await runCli(
        ['run', path, '--nats', server.url, '--db', db, '--detach'],
        dir.path,
      );
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stderr, /6 task\(s\) published/);
      const again = await runCli(
        ['run', path, '--nats', server.url, '--db', db, '--detach'],
        dir.path,
      );
      assert.match(again.stderr, /0 task\(s\) published/);
      const worker = startWorker(server, 'late');
      const out = await runCli(
        ['collect', 'detached', '--nats', server.url, '--db', db, '--json'],
        dir.path,
      );
      assert.equal(out.code, 0, out.stderr);
      assertCompleteOnce(db, 'detached', 6);
      await stopWorkers([worker]);
    } finally {
      await server.dispose();
    }
  },
);

test(
  'distributed - routing sends wide tasks to their own pool of workers',
  { skip: NATS_SERVER.skip },
  async () => {
    const server = await TestNatsServer.start();
    try {
      const workers = [
        startWorker(server, 'narrow'),
        startWorker(server, 'wide', {}, ['--pool', 'wide']),
      ];
      const db = join(dir.path, 'routing.sqlite');
      const path = join(dir.path, 'routing.json');
      writeFileSync(
        path,
        JSON.stringify({
          name: 'routed',
          grid: { dims: [1], widths: [4, 16], seeds: [0, 1, 2], targets: ['sine'] },
          routing: [{ pool: 'wide', minWidth: 16 }],
          ...tiny,
        }),
      );
      const out = await runCli(['run', path, '--nats', server.url, '--db', db, '--json'], dir.path);
      assert.equal(out.code, 0, out.stderr);
      assertCompleteOnce(db, 'routed', 6);
      const byWorker = query(db, 'SELECT width, worker FROM task_results ORDER BY width');
      for (const row of byWorker) assert.equal(row.worker, row.width === 16 ? 'wide' : 'narrow');
      await stopWorkers(workers);
    } finally {
      await server.dispose();
    }
  },
);
