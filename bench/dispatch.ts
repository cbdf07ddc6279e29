/**
 * Dispatch overhead of a distributed sweep on this machine: near-zero-work tasks (width 1, 1 step,
 * 1 training point, 16 evaluation points) through NATS JetStream, worker processes and SQLite.
 * Prints one JSON object:
 * - per-task cost, local against distributed with as many training lanes (threads) on each
 *   side, measured in this same invocation: 1 lane (one worker process with one thread against
 *   `run --threads 1`), and --workers lanes (that many one-thread workers against
 *   `run --threads <workers>`). Wall ms per task per lane, and the CPU ms per task that each
 *   process of the distributed run used (workers, NATS server, coordinator) beside the local
 *   run's: on a machine with fewer cores than processes the wall figure of many lanes measures
 *   how the cores are shared, the CPU figures what each part costs;
 * - tasks per second end to end for a study published all at once, and the latency from publish
 *   to stored result, both under that load and for tasks sent one at a time;
 * - ingest: results already waiting in the result stream, stored by a timed `collect --once`.
 *
 *   npm run build && node dist/bench/dispatch.js [--tasks 1000] [--workers 2] [--single 20]
 *     [--report-start-after 1] [--ingest-only] [--cpu-prof DIR]
 *
 * `--report-start-after S` is passed to the workers (default: their own default, 1 s): 0 makes
 * every task send its `started` report, the message mix of tasks longer than the delay, which
 * doubles the messages per result.
 * `--ingest-only` measures the ingest figure alone (for a backlog of --tasks results, quicker);
 * `--cpu-prof DIR` writes a V8 CPU profile of the timed `collect --once` into DIR.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
    'report-start-after': { type: 'string' },
    'ingest-only': { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
  },
});
const taskCount = Number(values.tasks);
const workerCount = Number(values.workers);
const singleRuns = Number(values.single);
const reportStartAfter = values['report-start-after'];
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

/**
 * CPU time (user + system, all threads) a process has used so far, from /proc; NaN where there
 * is no /proc (the figures that need it then say null). Unit: ms.
 */
function processCpuMs(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    // Fields 14 and 15 after the command name, in clock ticks (USER_HZ, 100 on Linux).
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

const finite = (x: number): number | null => (Number.isFinite(x) ? round2(x) : null);

const dir = mkdtempSync(join(tmpdir(), 'widthsweep-bench-'));
const server = await TestNatsServer.start();
const startWorker = (i: number) =>
  startCli(
    [
      'worker',
      '--nats',
      server.url,
      '--threads',
      '1',
      '--name',
      `bench-${i}`,
      '--grace',
      '1',
      // Only when asked for: the bench then also runs against a build that predates the flag.
      ...(reportStartAfter === undefined ? [] : ['--report-start-after', reportStartAfter]),
    ],
    dir,
  );
// One worker first: the one-lane comparison runs before the others start.
const workers = [startWorker(0)];
try {
  const db = join(dir, 'bench.sqlite');
  const nats = ['--nats', server.url, '--db', db];
  // A warm-up study so worker threads and the streams exist before anything is timed.
  await runCli(['run', studyFile(dir, 'warmup', 4, 3 * taskCount), ...nats], dir);

  if (ingestOnly) {
    for (let i = 1; i < workerCount; i++) workers.push(startWorker(i));
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

/** A local run of `count` tasks on `threads` threads: wall and CPU ms per task. */
async function localRun(name: string, count: number, threads: number) {
  const { summary, cpuMs } = await runJson(
    [
      'run',
      studyFile(dir, name, count),
      '--db',
      join(dir, `${name}.sqlite`),
      '--threads',
      String(threads),
    ],
    dir,
  );
  return { wallMsPerTask: summary.wallMs / summary.total, cpuMsPerTask: cpuMs / summary.total };
}

/**
 * A distributed run of `count` tasks on the workers running now: its summary, and the CPU ms per
 * task that the workers, the NATS server and the coordinator process used.
 */
async function distributedRun(
  nats: readonly string[],
  name: string,
  count: number,
  firstSeed: number,
) {
  const cpu = () => ({
    workers: workers.reduce((sum, w) => sum + processCpuMs(w.child.pid), 0),
    server: processCpuMs(server.pid),
  });
  const before = cpu();
  const started = performance.now();
  const { summary, cpuMs } = await runJson(
    ['run', studyFile(dir, name, count, firstSeed), ...nats],
    dir,
  );
  const processWallMs = performance.now() - started;
  const after = cpu();
  return {
    summary,
    processWallMs,
    cpuMsPerTask: {
      workers: (after.workers - before.workers) / summary.total,
      nats_server: (after.server - before.server) / summary.total,
      coordinator: cpuMs / summary.total,
    },
  };
}

/** Everything but the ingest figure, then the ingest figure. */
async function measureAll(db: string, nats: readonly string[]): Promise<void> {
  // One lane each side: `run --threads 1` against one worker with one thread.
  const local1 = await localRun('local-1', taskCount, 1);
  const dist1 = await distributedRun(nats, 'dispatch-1', taskCount, 4 * taskCount);
  // --workers lanes each side.
  for (let i = 1; i < workerCount; i++) workers.push(startWorker(i));
  await runCli(['run', studyFile(dir, 'warmup-n', 2 * workerCount, 6 * taskCount), ...nats], dir);
  const localN = await localRun('local-n', taskCount, workerCount);
  const distN = await distributedRun(nats, 'dispatch', taskCount, 0);
  const summary = distN.summary;
  const loaded = latencies(db, 'dispatch');

  const ingest = await measureIngest(nats);

  const single: number[] = [];
  for (let i = 0; i < singleRuns; i++) {
    const out = await runCli(
      ['run', studyFile(dir, `one-${i}`, 1, 2 * taskCount + i), ...nats],
      dir,
    );
    if (out.code !== 0) throw new Error(`single run failed: ${out.stderr}`);
    single.push(...latencies(db, `one-${i}`));
  }
  single.sort((a, b) => a - b);

  const lanes = (
    lanesCount: number,
    local: { wallMsPerTask: number; cpuMsPerTask: number },
    dist: Awaited<ReturnType<typeof distributedRun>>,
  ) => {
    const localLane = local.wallMsPerTask * lanesCount;
    const distLane = (dist.summary.wallMs / dist.summary.total) * lanesCount;
    const c = dist.cpuMsPerTask;
    return {
      lanes: lanesCount,
      wall_ms_per_task_per_lane: {
        local: round2(localLane),
        distributed: round2(distLane),
        overhead: round2(distLane - localLane),
      },
      cpu_ms_per_task: {
        local_process: round2(local.cpuMsPerTask),
        distributed_workers: finite(c.workers),
        distributed_nats_server: finite(c.nats_server),
        distributed_coordinator: round2(c.coordinator),
        distributed_total: finite(c.workers + c.nats_server + c.coordinator),
      },
    };
  };
  process.stdout.write(
    `${JSON.stringify({
      bench: 'dispatch',
      machine: machine(),
      workers: workerCount,
      threads_per_worker: 1,
      report_start_after_s: reportStartAfter === undefined ? 'default' : Number(reportStartAfter),
      tasks: summary.total,
      coordinator_wall_ms: Math.round(summary.wallMs),
      process_wall_ms: Math.round(distN.processWallMs),
      tasks_per_second: Number(((summary.total * 1000) / summary.wallMs).toFixed(1)),
      per_task: [lanes(1, local1, dist1), lanes(workerCount, localN, distN)],
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
