/**
 * Dispatch overhead of a distributed sweep on this machine: near-zero-work tasks (1 step, 1
 * training point, 16 evaluation points) through NATS JetStream, worker processes and SQLite.
 * Prints one JSON object: tasks per second end to end for a study published all at once, and the
 * latency from publish to stored result, both under that load and for tasks sent one at a time.
 *
 *   npm run build && node dist/bench/dispatch.js [--tasks 1000] [--workers 2] [--single 20]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { runCli, startCli } from '../test/helpers/cli.js';
import { TestNatsServer } from '../test/helpers/nats-server.js';

const { values } = parseArgs({
  options: {
    tasks: { type: 'string', default: '1000' },
    workers: { type: 'string', default: '2' },
    single: { type: 'string', default: '20' },
  },
});
const taskCount = Number(values.tasks);
const workerCount = Number(values.workers);
const singleRuns = Number(values.single);

const recipe = { train: { steps: 1, samples: 1 }, eval: { samples: 16, replicates: 2 } };

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i] ?? Number.NaN;
}

/** Publish-to-stored latencies (ms) of a study's tasks, from the timestamps the store keeps. */
function latencies(db: string, study: string): number[] {
  const conn = new Database(db, { readonly: true });
  try {
    const rows = conn
      .prepare(
        `SELECT (julianday(r.finished_at) - julianday(t.published_at)) * 86400000 AS ms
         FROM study_tasks st JOIN tasks t ON t.task_id = st.task_id JOIN results r ON r.task_id = t.task_id
         WHERE st.study = ?`,
      )
      .all(study) as Array<{ ms: number }>;
    return rows.map((r) => r.ms).sort((a, b) => a - b);
  } finally {
    conn.close();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'widthsweep-bench-'));
const server = await TestNatsServer.start();
const workers = Array.from({ length: workerCount }, (_, i) =>
  startCli(
    ['worker', '--nats', server.url, '--threads', '1', '--name', `bench-${i}`, '--grace', '1'],
    dir,
  ),
);
try {
  const db = join(dir, 'bench.sqlite');
  const widths = Array.from({ length: Math.ceil(taskCount / 10) }, (_, i) => i + 1);
  const spec = join(dir, 'batch.json');
  writeFileSync(
    spec,
    JSON.stringify({
      name: 'dispatch',
      grid: { dims: [1], widths, seeds: [...Array(10).keys()], targets: ['sine'] },
      ...recipe,
    }),
  );
  // A warm-up study so worker threads and the streams exist before anything is timed.
  const warm = join(dir, 'warm.json');
  writeFileSync(
    warm,
    JSON.stringify({
      name: 'warmup',
      grid: { dims: [1], widths: [1], seeds: [0, 1, 2, 3], targets: ['sine'] },
      ...recipe,
    }),
  );
  await runCli(['run', warm, '--nats', server.url, '--db', db], dir);

  const started = performance.now();
  const batch = await runCli(['run', spec, '--nats', server.url, '--db', db, '--json'], dir);
  const batchWallMs = performance.now() - started;
  if (batch.code !== 0) throw new Error(`batch run failed: ${batch.stderr}`);
  const summary = JSON.parse(batch.stdout.trim().split('\n').pop() ?? '{}') as {
    wallMs: number;
    total: number;
  };
  const loaded = latencies(db, 'dispatch');

  const single: number[] = [];
  for (let i = 0; i < singleRuns; i++) {
    const one = join(dir, `one-${i}.json`);
    writeFileSync(
      one,
      JSON.stringify({
        name: `one-${i}`,
        grid: { dims: [1], widths: [1], seeds: [1000 + i], targets: ['sine'] },
        ...recipe,
      }),
    );
    const out = await runCli(['run', one, '--nats', server.url, '--db', db], dir);
    if (out.code !== 0) throw new Error(`single run failed: ${out.stderr}`);
    single.push(...latencies(db, `one-${i}`));
  }
  single.sort((a, b) => a - b);

  process.stdout.write(
    `${JSON.stringify({
      bench: 'dispatch',
      machine: {
        cpus: cpus().length,
        model: cpus()[0]?.model ?? 'unknown',
        node: process.versions.node,
      },
      workers: workerCount,
      threads_per_worker: 1,
      tasks: summary.total,
      coordinator_wall_ms: Math.round(summary.wallMs),
      process_wall_ms: Math.round(batchWallMs),
      tasks_per_second: Number(((summary.total * 1000) / summary.wallMs).toFixed(1)),
      loaded_latency_ms: {
        p50: Math.round(quantile(loaded, 0.5)),
        p99: Math.round(quantile(loaded, 0.99)),
      },
      single_task_latency_ms: {
        n: single.length,
        p50: Math.round(quantile(single, 0.5)),
        p99: Math.round(quantile(single, 0.99)),
      },
    })}\n`,
  );
} finally {
  for (const w of workers) w.child.kill('SIGTERM');
  await Promise.all(workers.map((w) => w.done));
  await server.dispose();
  rmSync(dir, { recursive: true, force: true });
}
