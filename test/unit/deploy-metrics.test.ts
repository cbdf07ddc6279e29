import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ValidationError } from '../../shared/errors.js';
import { MetricsServer, resolveMetricsServerOptions } from '../../worker/metrics-server.js';
import type { WorkerState, WorkerStats } from '../../worker/nats-worker.js';
import { WorkerMetrics } from '../../worker/worker-metrics.js';
import type { WorkerMetricsSource } from '../../worker/worker-metrics.js';

class FakeWorker implements WorkerMetricsSource {
  state: WorkerState = 'running';
  stats: WorkerStats = { tasksDone: 7, tasksFailed: 2, inFlight: 1 };
  readonly backend = 'wasm';
  readonly threads = 3;
  readonly options = { name: 'fake', pool: 'gpu' };
}

async function withServer(
  fn: (port: number, metrics: WorkerMetrics) => Promise<void>,
): Promise<void> {
  const metrics = new WorkerMetrics({ processMetrics: false, version: '9.9.9' });
  const server = await MetricsServer.start(metrics, { port: 0, host: '127.0.0.1' });
  try {
    await fn(server.port, metrics);
  } finally {
    await server.close();
  }
}

const url = (port: number, path: string): string => `http://127.0.0.1:${port}${path}`;

test('deploy metrics - /healthz follows the worker state: 200 only while running', async () => {
  await withServer(async (port, metrics) => {
    const health = async (): Promise<[number, string]> => {
      const res = await fetch(url(port, '/healthz'));
      return [res.status, (await res.text()).trim()];
    };
    assert.deepEqual(await health(), [503, 'starting']);
    const worker = new FakeWorker();
    metrics.attach(worker);
    assert.deepEqual(await health(), [200, 'running']);
    worker.state = 'stopping';
    assert.deepEqual(await health(), [503, 'stopping']);
    worker.state = 'stopped';
    assert.deepEqual(await health(), [503, 'stopped']);
  });
});

test('deploy metrics - /metrics reads counts at scrape time and histograms task seconds', async () => {
  await withServer(async (port, metrics) => {
    const worker = new FakeWorker();
    metrics.attach(worker);
    metrics.observeTask({ outcome: 'done', seconds: 0.3 });
    metrics.observeTask({ outcome: 'done', seconds: 42 });
    metrics.observeTask({ outcome: 'failed', seconds: 1 });
    worker.stats = { tasksDone: 8, tasksFailed: 2, inFlight: 0 };
    const body = await (await fetch(url(port, '/metrics'))).text();
    const lines = new Set(body.split('\n'));
    for (const expected of [
      'widthsweep_worker_tasks_done_total 8',
      'widthsweep_worker_tasks_failed_total 2',
      'widthsweep_worker_tasks_in_flight 0',
      'widthsweep_worker_threads 3',
      'widthsweep_worker_state{state="running"} 1',
      'widthsweep_worker_state{state="starting"} 0',
      'widthsweep_worker_info{name="fake",pool="gpu",backend="wasm",version="9.9.9"} 1',
      'widthsweep_worker_task_seconds_bucket{le="0.5",outcome="done"} 1',
      'widthsweep_worker_task_seconds_bucket{le="60",outcome="done"} 2',
      'widthsweep_worker_task_seconds_count{outcome="done"} 2',
      'widthsweep_worker_task_seconds_sum{outcome="done"} 42.3',
      'widthsweep_worker_task_seconds_count{outcome="failed"} 1',
    ]) {
      assert.ok(lines.has(expected), `missing "${expected}" in:\n${body}`);
    }
    assert.ok(!body.includes('process_cpu'), 'process metrics were not asked for');
  });
});

test('deploy metrics - other paths are 404 and other methods 405', async () => {
  await withServer(async (port) => {
    assert.equal((await fetch(url(port, '/'))).status, 404);
    const post = await fetch(url(port, '/metrics'), { method: 'POST' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
  });
});

test('deploy metrics - a port outside 0-65535 is a ValidationError naming metricsPort', () => {
  assert.throws(
    () => resolveMetricsServerOptions({ port: 70000 }),
    (err: unknown) => err instanceof ValidationError && err.field === 'metricsPort',
  );
  assert.deepEqual(resolveMetricsServerOptions({ port: 9464 }), { port: 9464, host: '0.0.0.0' });
});
