import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, test } from 'node:test';
import { runCli, startCli } from '../helpers/cli.js';
import { freePort, NATS_SERVER, TestNatsServer } from '../helpers/nats-server.js';
import { tempDir } from '../helpers/temp.js';

const dir = tempDir();
const children = new Set<ChildProcess>();
after(() => {
  for (const child of children) child.kill('SIGKILL');
  dir.remove();
});

interface Reply {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

async function get(port: number, path: string): Promise<Reply> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    signal: AbortSignal.timeout(5000),
  });
  return {
    status: res.status,
    contentType: res.headers.get('content-type') ?? '',
    body: await res.text(),
  };
}

/** Polls until the port answers at all; the worker listens before it connects to NATS. */
async function firstReply(port: number, path: string, timeoutMs = 30_000): Promise<Reply> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await get(port, path);
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(100);
    }
  }
}

function startWorker(args: string[]): {
  child: ChildProcess;
  done: ReturnType<typeof startCli>['done'];
} {
  const worker = startCli(['worker', ...args], dir.path);
  children.add(worker.child);
  void worker.done.then(() => children.delete(worker.child));
  return worker;
}

/** The value of one sample line of the Prometheus text format, e.g. `name{labels} 3`. */
function sample(body: string, series: string): number | undefined {
  const line = body.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test('worker metrics - /healthz is 503 and state is starting while NATS is unreachable', async () => {
  const metricsPort = await freePort();
  const nowhere = await freePort();
  const worker = startWorker([
    '--nats',
    `nats://127.0.0.1:${nowhere}`,
    '--connect-timeout',
    '60',
    '--metrics-port',
    String(metricsPort),
  ]);
  try {
    const health = await firstReply(metricsPort, '/healthz');
    assert.equal(health.status, 503);
    assert.equal(health.body.trim(), 'starting');
    const metrics = await get(metricsPort, '/metrics');
    assert.equal(metrics.status, 200);
    assert.equal(sample(metrics.body, 'widthsweep_worker_state{state="starting"}'), 1);
    assert.equal(sample(metrics.body, 'widthsweep_worker_state{state="running"}'), 0);
  } finally {
    worker.child.kill('SIGTERM');
    await worker.done;
  }
});

test(
  'worker metrics - a running worker serves /healthz 200 and counts its tasks in /metrics',
  { skip: NATS_SERVER.skip },
  async () => {
    const server = await TestNatsServer.start();
    try {
      const metricsPort = await freePort();
      const worker = startWorker([
        '--nats',
        server.url,
        '--threads',
        '1',
        '--name',
        'metered',
        '--grace',
        '2',
        '--metrics-port',
        String(metricsPort),
      ]);
      const deadline = Date.now() + 60_000;
      let health = await firstReply(metricsPort, '/healthz');
      while (health.status !== 200 && Date.now() < deadline) {
        await sleep(200);
        health = await get(metricsPort, '/healthz');
      }
      assert.equal(health.status, 200, health.body);
      assert.equal(health.body.trim(), 'running');

      const spec = join(dir.path, 'metered.json');
      writeFileSync(
        spec,
        JSON.stringify({
          name: 'metered',
          grid: { dims: [1], widths: [4, 8, 16], seeds: [0], targets: ['sine'] },
          train: { steps: 20, samples: 32 },
          eval: { samples: 256 },
        }),
      );
      const db = join(dir.path, 'metered.sqlite');
      const run = await runCli(['run', spec, '--nats', server.url, '--db', db, '--json'], dir.path);
      assert.equal(run.code, 0, run.stderr);

      const metrics = await get(metricsPort, '/metrics');
      assert.equal(metrics.status, 200);
      assert.match(metrics.contentType, /^text\/plain; version=0\.0\.4/);
      const body = metrics.body;
      assert.equal(sample(body, 'widthsweep_worker_tasks_done_total'), 3);
      assert.equal(sample(body, 'widthsweep_worker_tasks_failed_total'), 0);
      assert.equal(sample(body, 'widthsweep_worker_tasks_in_flight'), 0);
      assert.equal(sample(body, 'widthsweep_worker_threads'), 1);
      assert.equal(sample(body, 'widthsweep_worker_task_seconds_count{outcome="done"}'), 3);
      assert.ok((sample(body, 'widthsweep_worker_task_seconds_sum{outcome="done"}') ?? 0) > 0);
      assert.equal(sample(body, 'widthsweep_worker_state{state="running"}'), 1);
      const info =
        /^widthsweep_worker_info\{name="metered",pool="default",backend="([a-z-]+)",version="[^"]+"\} 1$/m.exec(
          body,
        );
      assert.ok(info !== null, `no info metric in:\n${body}`);
      const status = await runCli(['status', '--db', db, '--nats', server.url, '--json'], dir.path);
      const live = (
        JSON.parse(status.stdout) as { workers: Array<{ name: string; backend: string }> }
      ).workers;
      assert.equal(live.find((w) => w.name === 'metered')?.backend, info[1]);
      assert.match(body, /^process_cpu_seconds_total /m);
      assert.equal((await get(metricsPort, '/nope')).status, 404);

      worker.child.kill('SIGTERM');
      const exit = await worker.done;
      assert.equal(exit.code, 0, exit.stderr);
      await assert.rejects(get(metricsPort, '/healthz'), 'the port is still open after exit');
    } finally {
      await server.dispose();
    }
  },
);

test('worker metrics - --metrics-port outside 1-65535 is bad input (exit 2)', async () => {
  const out = await runCli(['worker', '--metrics-port', '70000'], dir.path);
  assert.equal(out.code, 2);
  assert.match(out.stderr, /expected a TCP port 1-65535, got "70000"/);
});
