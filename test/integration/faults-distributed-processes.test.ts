import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { NATS_SERVER, TestNatsServer } from '../helpers/nats-server.js';
import { assertCompleteOnce, count, SweepHarness, waitFor } from '../helpers/sweep-harness.js';

// Probes that held when issue 9's red team ran them; kept as regression tests of the fault suite.
const h = new SweepHarness();
after(() => h.dispose());
const dir = h.dir;
const spec = (name: string, grid: Record<string, unknown>, recipe?: Record<string, unknown>) =>
  h.spec(name, grid, recipe);
const startCli = (args: readonly string[], _cwd: string, env: NodeJS.ProcessEnv = {}) =>
  h.start(args, env);
const startWorker = (
  server: TestNatsServer,
  name: string,
  env: NodeJS.ProcessEnv = {},
  extra: string[] = [],
) => h.startWorker(server.url, name, env, extra);
const stopWorkers = (workers: Parameters<SweepHarness['stopWorkers']>[0]) => h.stopWorkers(workers);
test(
  'faults - a worker killed with SIGKILL has its tasks redelivered',
  { timeout: 180_000, skip: NATS_SERVER.skip },
  async () => {
    const server = await TestNatsServer.start();
    try {
      // wasm, whatever `auto` would pick, so each task takes long enough to be caught running.
      const slow = ['--backend', 'wasm'];
      // Every start reported at once: the running status is how the test sees the victim busy.
      const victim = startWorker(server, 'victim', {}, [...slow, '--report-start-after', '0']);
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
  'faults - a coordinator killed mid-study loses nothing: collect finishes it',
  { timeout: 180_000, skip: NATS_SERVER.skip },
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
  'faults - a nats-server restart mid-study does not stop it',
  { timeout: 180_000, skip: NATS_SERVER.skip },
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
  'faults - a server with a password refuses a worker without it',
  { timeout: 180_000, skip: NATS_SERVER.skip },
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
