import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, test } from 'node:test';
import { rowsWhenReady } from '../helpers/db.js';
import { lastJsonLine, runCli, startCli } from '../helpers/cli.js';
import type { CliResult } from '../helpers/cli.js';
import { NATS_SERVER, TestNatsServer } from '../helpers/nats-server.js';
import { tempDir } from '../helpers/temp.js';

const dir = tempDir();
const children = new Set<ChildProcess>();
after(() => {
  for (const child of children) child.kill('SIGKILL');
  dir.remove();
});

/** Training small enough that dispatch, not arithmetic, dominates. */
const tiny = { train: { steps: 20, samples: 32 }, eval: { samples: 256 } };

function spec(
  name: string,
  grid: Record<string, unknown>,
  recipe: Record<string, unknown> = tiny,
): string {
  const path = join(dir.path, `${name}.json`);
  writeFileSync(
    path,
    JSON.stringify({ name, grid: { dims: [1], targets: ['sine'], ...grid }, ...recipe }),
  );
  return path;
}

const query = (db: string, sql: string) => rowsWhenReady(db, sql);
const count = (db: string, sql: string): number => Number(query(db, sql)[0]?.n ?? 0);

async function waitFor(what: string, condition: () => boolean, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await sleep(200);
  }
}

function startWorker(
  server: TestNatsServer,
  name: string,
  env: NodeJS.ProcessEnv = {},
  extra: string[] = [],
) {
  const worker = startCli(
    ['worker', '--nats', server.url, '--threads', '1', '--name', name, '--grace', '2', ...extra],
    dir.path,
    env,
  );
  children.add(worker.child);
  void worker.done.then(() => children.delete(worker.child));
  return worker;
}

async function stopWorkers(
  workers: ReadonlyArray<{ child: ChildProcess; done: Promise<CliResult> }>,
): Promise<void> {
  for (const w of workers) w.child.kill('SIGTERM');
  await Promise.all(workers.map((w) => w.done));
}

function assertCompleteOnce(db: string, study: string, total: number): void {
  const rows = query(
    db,
    `SELECT task_id, status, attempts FROM task_results WHERE study = '${study}'`,
  );
  assert.equal(rows.length, total);
  assert.equal(new Set(rows.map((r) => r.task_id)).size, total);
  const notDone = rows.filter((r) => r.status !== 'done');
  assert.deepEqual(notDone, []);
  assert.ok(rows.every((r) => (r.attempts as number) >= 1));
  assert.equal(count(db, `SELECT count(*) AS n FROM results`), total);
}

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
  'distributed - a worker killed with SIGKILL has its tasks redelivered',
  { skip: NATS_SERVER.skip },
  async () => {
    const server = await TestNatsServer.start();
    try {
      // wasm, whatever `auto` would pick, so each task takes long enough to be caught running.
      const slow = ['--backend', 'wasm'];
      const victim = startWorker(server, 'victim', {}, slow);
      const db = join(dir.path, 'kill.sqlite');
      const path = spec(
        'killworker',
        { widths: [8, 16], seeds: [0, 1, 2, 3] },
        { train: { steps: 1500, samples: 128, optimizer: 'adam' }, eval: { samples: 256 } },
      );
      const run = startCli(
        ['run', path, '--nats', server.url, '--db', db, '--ack-wait', '2', '--json'],
        dir.path,
      );
      children.add(run.child);
      await waitFor(
        'the victim to start a task',
        () => count(db, "SELECT count(*) AS n FROM tasks WHERE status = 'running'") > 0,
      );
      victim.child.kill('SIGKILL');
      await victim.done;
      const survivor = startWorker(server, 'survivor', {}, slow);
      const out = await run.done;
      assert.equal(out.code, 0, out.stderr);
      assertCompleteOnce(db, 'killworker', 8);
      assert.ok(
        count(db, 'SELECT count(*) AS n FROM tasks WHERE attempts >= 2') >= 1,
        'no task was redelivered',
      );
      await stopWorkers([survivor]);
    } finally {
      await server.dispose();
    }
  },
);

test(
  'distributed - a coordinator killed mid-study loses nothing: collect finishes it',
  { skip: NATS_SERVER.skip },
  async () => {
    const server = await TestNatsServer.start();
    try {
      const worker = startWorker(server, 'steady');
      const db = join(dir.path, 'coordkill.sqlite');
      const path = spec(
        'coordkill',
        { widths: [4, 8, 16], seeds: [0, 1, 2, 3, 4] },
        { train: { steps: 400, samples: 64 }, eval: { samples: 256 } },
      );
      const run = startCli(['run', path, '--nats', server.url, '--db', db], dir.path);
      children.add(run.child);
      await waitFor(
        'some results',
        () => count(db, "SELECT count(*) AS n FROM task_results WHERE status = 'done'") >= 2,
      );
      run.child.kill('SIGKILL');
      await run.done;
      const before = count(db, "SELECT count(*) AS n FROM task_results WHERE status = 'done'");
      // The worker keeps publishing while no coordinator runs.
      await sleep(1500);
      const out = await runCli(
        ['collect', 'coordkill', '--nats', server.url, '--db', db, '--json'],
        dir.path,
      );
      assert.equal(out.code, 0, out.stderr);
      assertCompleteOnce(db, 'coordkill', 15);
      assert.ok(before < 15, 'the study had finished before the kill; the test proves nothing');
      await stopWorkers([worker]);
    } finally {
      await server.dispose();
    }
  },
);

test(
  'distributed - a nats-server restart mid-study does not stop it',
  { skip: NATS_SERVER.skip },
  async () => {
    const server = await TestNatsServer.start();
    try {
      const workers = [startWorker(server, 'r1'), startWorker(server, 'r2')];
      const db = join(dir.path, 'restart.sqlite');
      const path = spec(
        'restart',
        { widths: [4, 8, 16], seeds: [0, 1, 2, 3, 4, 5] },
        { train: { steps: 400, samples: 64 }, eval: { samples: 256 } },
      );
      const run = startCli(['run', path, '--nats', server.url, '--db', db, '--json'], dir.path);
      children.add(run.child);
      await waitFor(
        'some results',
        () => count(db, "SELECT count(*) AS n FROM task_results WHERE status = 'done'") >= 2,
      );
      await server.restart();
      const out = await run.done;
      assert.equal(out.code, 0, out.stderr);
      assertCompleteOnce(db, 'restart', 18);
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
      const env = { WIDTHSWEEP_FAIL_SEEDS: '13' };
      const workers = [startWorker(server, 'f1', env), startWorker(server, 'f2', env)];
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
  'distributed - a server with a password refuses a worker without it',
  { skip: NATS_SERVER.skip },
  async () => {
    const server = await TestNatsServer.start({ user: 'sweeper', password: 's3cret-pw' });
    try {
      const refused = await runCli(
        ['worker', '--nats', server.url, '--connect-timeout', '5'],
        dir.path,
      );
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /refused the credentials/);
      const env = { WIDTHSWEEP_NATS_USER: 'sweeper', WIDTHSWEEP_NATS_PASSWORD: 's3cret-pw' };
      const worker = startWorker(server, 'authed', env);
      const db = join(dir.path, 'auth.sqlite');
      const out = await runCli(
        [
          'run',
          spec('authed', { widths: [4], seeds: [0, 1] }),
          '--nats',
          server.url,
          '--db',
          db,
          '--json',
        ],
        dir.path,
        env,
      );
      assert.equal(out.code, 0, out.stderr);
      assertCompleteOnce(db, 'authed', 2);
      await stopWorkers([worker]);
      const { stderr } = await worker.done;
      assert.ok(
        !stderr.includes('s3cret-pw') && !out.stderr.includes('s3cret-pw'),
        'the password was printed',
      );
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
