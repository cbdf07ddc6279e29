/**
 * Dispatch overhead of a distributed sweep on this machine: near-zero-work tasks (width 1, 1 step,
 * 1 training point, 16 evaluation points) through NATS JetStream, worker processes and SQLite.
 * Prints one JSON object:
 * - tasks per second end to end for a study published all at once, and the latency from publish
 *   to stored result, both under that load and for tasks sent one at a time;
 * - the per-task cost of a local run (the same CLI, --threads 1) against the per-task cost per
 *   worker thread of the distributed run, measured in this same invocation;
 * - ingest: results already waiting in the result stream, stored by a timed `collect --once`.
 *
 *   npm run build && node dist/bench/dispatch.js [--tasks 1000] [--workers 2] [--single 20]
 *     [--ingest-only] [--cpu-prof DIR]
 *
 * `--ingest-only` measures the ingest figure alone (for a backlog of --tasks results, quicker);
 * `--cpu-prof DIR` writes a V8 CPU profile of the timed `collect --once` into DIR.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import Database from 'better-sqlite3';
import { RESULT_STREAM, TASK_STREAM } from '../shared/nats/subjects.js';
import { CPU_PROFILE_DIR_ENV } from './cpu-profile.js';
import { CPU_REPORT_PREFIX } from './cpu-report.js';
import { lastJsonLine, runCli, startCli } from '../test/helpers/cli.js';
import { TestNatsServer } from '../test/helpers/nats-server.js';
import { quantile } from '../shared/stats.js';

const { values } = parseArgs({
  options: {
    tasks: { type: 'string', default: '1000' },
    workers: { type: 'string', default: '2' },
    single: { type: 'string', default: '20' },
    'ingest-only': { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
  },
});
const taskCount = Number(values.tasks);
const workerCount = Number(values.workers);
const singleRuns = Number(values.single);
const ingestOnly = values['ingest-only'];
const profileDir = values['cpu-prof'];

const recipe = { train: { steps: 1, samples: 1 }, eval: { samples: 16, replicates: 2 } };

interface Summary {
  readonly wallMs: number;
  readonly total: number;
  readonly done: number;
}

const round2 = (x: number): number => Number(x.toFixed(2));

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

/**
 * A study of `count` near-zero tasks, written to `dir`: width 1 and one seed per task, since the
 * references a task computes grow with its width (width 200 costs seconds, not milliseconds).
 */
function studyFile(dir: string, name: string, count: number, firstSeed = 0): string {
  const path = join(dir, `${name}.json`);
  writeFileSync(
    path,
    JSON.stringify({
      name,
      grid: {
        dims: [1],
        widths: [1],
        seeds: Array.from({ length: count }, (_, i) => firstSeed + i),
        targets: ['sine'],
      },
      ...recipe,
    }),
  );
  return path;
}

/** Makes a CLI process report its CPU time on exit (bench/cpu-report.ts). */
const CPU_ENV = {
  NODE_OPTIONS: `--import=${new URL('./cpu-report.js', import.meta.url).href}`,
};
const INGEST_ENV =
  profileDir === undefined
    ? CPU_ENV
    : {
        NODE_OPTIONS: `${CPU_ENV.NODE_OPTIONS} --import=${new URL('./cpu-profile.js', import.meta.url).href}`,
        [CPU_PROFILE_DIR_ENV]: profileDir,
      };

/** Runs the CLI with --json; its summary and the CPU time (ms) the process used. */
async function runJson(
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv = CPU_ENV,
): Promise<{ summary: Summary; cpuMs: number }> {
  const out = await runCli([...args, '--json'], cwd, env);
  if (out.code !== 0) throw new Error(`${args.join(' ')} failed: ${out.stderr}`);
  const line = out.stderr.split('\n').find((l) => l.startsWith(CPU_REPORT_PREFIX));
  return {
    summary: lastJsonLine<Summary>(out.stdout),
    cpuMs: Number(line?.slice(CPU_REPORT_PREFIX.length) ?? Number.NaN),
  };
}

/** Waits until the workers have taken every task and the result stream stops growing. */
async function waitForResults(url: string): Promise<number> {
  const nc = await connect({ servers: url });
  try {
    const jsm = await jetstreamManager(nc);
    let last = -1;
    for (;;) {
      const tasks = (await jsm.streams.info(TASK_STREAM)).state.messages;
      const results = (await jsm.streams.info(RESULT_STREAM)).state.messages;
      if (tasks === 0 && results === last) return results;
      last = results;
      await sleep(500);
    }
  } finally {
    await nc.close();
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
  const nats = ['--nats', server.url, '--db', db];
  // A warm-up study so worker threads and the streams exist before anything is timed.
  await runCli(['run', studyFile(dir, 'warmup', 4, 3 * taskCount), ...nats], dir);

  if (ingestOnly) {
    const ingest = await measureIngest(nats);
    process.stdout.write(`${JSON.stringify({ bench: 'dispatch', machine: machine(), ingest })}\n`);
  } else {
    await measureAll(db, nats);
  }
} finally {
  for (const w of workers) w.child.kill('SIGTERM');
  await Promise.all(workers.map((w) => w.done));
  await server.dispose();
  rmSync(dir, { recursive: true, force: true });
}

/** Everything but the ingest figure, then the ingest figure. */
async function measureAll(db: string, nats: readonly string[]): Promise<void> {
  // The local run: the same CLI and runner, one thread, its own database.
  const { summary: local, cpuMs: localCpuMs } = await runJson(
    [
      'run',
      studyFile(dir, 'local', taskCount),
      '--db',
      join(dir, 'local.sqlite'),
      '--threads',
      '1',
    ],
    dir,
  );

  const started = performance.now();
  const { summary } = await runJson(['run', studyFile(dir, 'dispatch', taskCount), ...nats], dir);
  const batchWallMs = performance.now() - started;
  const loaded = latencies(db, 'dispatch');

  const ingest = await measureIngest(nats);

  const single: number[] = [];
  for (let i = 0; i < singleRuns; i++) {
    const one = join(dir, `one-${i}.json`);
    writeFileSync(
      one,
      JSON.stringify({
        name: `one-${i}`,
        grid: { dims: [1], widths: [1], seeds: [2 * taskCount + i], targets: ['sine'] },
        ...recipe,
      }),
    );
    const out = await runCli(['run', one, ...nats], dir);
    if (out.code !== 0) throw new Error(`single run failed: ${out.stderr}`);
    single.push(...latencies(db, `one-${i}`));
  }
  single.sort((a, b) => a - b);

  const localMsPerTask = local.wallMs / local.total;
  const distributedMsPerTask = (summary.wallMs * workerCount) / summary.total;
  process.stdout.write(
    `${JSON.stringify({
      bench: 'dispatch',
      machine: machine(),
      workers: workerCount,
      threads_per_worker: 1,
      tasks: summary.total,
      coordinator_wall_ms: Math.round(summary.wallMs),
      process_wall_ms: Math.round(batchWallMs),
      tasks_per_second: Number(((summary.total * 1000) / summary.wallMs).toFixed(1)),
      per_task_ms: {
        local_1_thread: round2(localMsPerTask),
        local_cpu_per_task: round2(localCpuMs / local.total),
        distributed_per_worker_thread: round2(distributedMsPerTask),
        overhead: round2(distributedMsPerTask - localMsPerTask),
      },
      ingest,
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
}

function machine() {
  return { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.versions.node };
}

/**
 * Ingest: the workers drain a detached study while no coordinator collects, then one
 * `collect --once` stores every waiting result.
 */
async function measureIngest(nats: readonly string[]) {
  await runCli(['run', studyFile(dir, 'ingest', taskCount, taskCount), ...nats, '--detach'], dir);
  const waitingMessages = await waitForResults(server.url);
  const ingestStarted = performance.now();
  const { summary: ingest, cpuMs: ingestCpuMs } = await runJson(
    ['collect', 'ingest', ...nats, '--once'],
    dir,
    INGEST_ENV,
  );
  const ingestProcessMs = performance.now() - ingestStarted;
  return {
    results: ingest.done,
    messages: waitingMessages,
    coordinator_wall_ms: Math.round(ingest.wallMs),
    process_wall_ms: Math.round(ingestProcessMs),
    results_per_second: Math.round((ingest.done * 1000) / ingest.wallMs),
    results_per_process_wall_second: Math.round((ingest.done * 1000) / ingestProcessMs),
    // The whole collect process (start-up included) per CPU second it used: the figure
    // that other load on the machine changes least.
    process_cpu_ms: ingestCpuMs,
    results_per_cpu_second: Math.round((ingest.done * 1000) / ingestCpuMs),
  };
}
