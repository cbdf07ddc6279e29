import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, test } from 'node:test';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { parse } from 'yaml';
import { taskId } from '../../shared/expand.js';
import {
  DEFAULT_POOL,
  resultSubject,
  TASK_STREAM,
  taskSubject,
} from '../../shared/nats/subjects.js';
import type { TaskSpec } from '../../shared/task.js';
import { encodeWire } from '../../shared/wire/json.js';
import {
  parseResultMessage,
  WIRE_VERSION,
  type ResultMessage,
} from '../../shared/wire/messages.js';
import { teacherTask } from '../helpers/teacher-task.js';
import { REPO_ROOT, lastJsonLine, runCli, startCli } from '../helpers/cli.js';
import { rowsWhenReady } from '../helpers/db.js';
import { NATS_SERVER, TestNatsServer } from '../helpers/nats-server.js';
import { tempDir } from '../helpers/temp.js';

const dir = tempDir();
const children = new Set<ChildProcess>();
after(() => {
  for (const child of children) child.kill('SIGKILL');
  dir.remove();
});

/**
 * The shipped cpu-gpu example with its routing rules untouched and its grid scaled down to
 * two widths on either side of the rule (auto: lbfgs everywhere with the default warm start).
 */
function scaledCpuGpuSpec(name: string): string {
  const example = parse(
    readFileSync(join(REPO_ROOT, 'deploy/k8s/overlays/cpu-gpu/study.yaml'), 'utf8'),
  ) as { routing: unknown; grid: { targets: unknown } };
  const path = join(dir.path, `${name}.json`);
  const spec = {
    name,
    grid: { dims: [1, 2], widths: [16, 1024], seeds: [0], targets: example.grid.targets },
    train: { steps: 20, samples: 64 },
    eval: { samples: 256 },
    routing: example.routing,
  };
  writeFileSync(path, JSON.stringify(spec));
  return path;
}

function startWorker(server: TestNatsServer, name: string, args: string[]) {
  const worker = startCli(
    ['worker', '--nats', server.url, '--threads', '1', '--name', name, '--grace', '2', ...args],
    dir.path,
  );
  children.add(worker.child);
  void worker.done.then(() => children.delete(worker.child));
  return worker;
}

async function waitForWorkers(server: TestNatsServer, names: readonly string[]): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const out = await runCli(['status', '--nats', server.url, '--json'], dir.path);
    const live = out.code === 0 ? (JSON.parse(out.stdout) as { workers?: unknown[] }) : {};
    const seen = new Set((live.workers ?? []).map((w) => (w as { name: string }).name));
    if (names.every((n) => seen.has(n))) return;
    assert.ok(Date.now() < deadline, `workers ${names.join(', ')} never showed up`);
    await sleep(300);
  }
}

const resultRows = (db: string, study: string) =>
  rowsWhenReady(
    db,
    `SELECT tr.width, tr.dim, tr.status, r.backend, r.optimizer FROM task_results tr
     LEFT JOIN results r ON r.task_id = tr.task_id WHERE tr.study = '${study}'
     ORDER BY tr.dim, tr.width`,
  );

test(
  'backends - the cpu-gpu routing completes with wasm workers standing in for the GPU pool',
  { skip: NATS_SERVER.skip },
  async () => {
    const server = await TestNatsServer.start();
    try {
      const path = scaledCpuGpuSpec('cpu-gpu-scaled');
      const db = join(dir.path, 'cpu-gpu.sqlite');
      // No worker yet: --strict refuses, naming the rule and the pool, before publishing anything.
      const refused = await runCli(
        ['run', path, '--nats', server.url, '--db', db, '--strict'],
        dir.path,
      );
      assert.equal(refused.code, 2, refused.stderr);
      assert.match(refused.stderr, /routing\[0\] \(minWidth 1024\).*pool 'gpu'/);

      const workers = [
        startWorker(server, 'cpu-1', ['--backend', 'fused']),
        startWorker(server, 'gpu-standin', ['--backend', 'wasm', '--pool', 'gpu']),
      ];
      await waitForWorkers(server, ['cpu-1', 'gpu-standin']);
      const out = await runCli(
        ['run', path, '--nats', server.url, '--db', db, '--strict', '--json'],
        dir.path,
      );
      assert.equal(out.code, 0, out.stderr);
      assert.doesNotMatch(out.stderr, /no live worker/);
      const summary = lastJsonLine<{ total: number; done: number }>(out.stdout);
      assert.deepEqual([summary.total, summary.done], [4, 4]);
      assert.deepEqual(
        resultRows(db, 'cpu-gpu-scaled').map((r) => [
          r.dim,
          r.width,
          r.status,
          r.backend,
          r.optimizer,
        ]),
        [
          [1, 16, 'done', 'fused', 'lbfgs'],
          [1, 1024, 'done', 'wasm', 'lbfgs'],
          [2, 16, 'done', 'fused', 'lbfgs'],
          [2, 1024, 'done', 'wasm', 'lbfgs'],
        ],
      );
      for (const w of workers) w.child.kill('SIGTERM');
      await Promise.all(workers.map((w) => w.done));
    } finally {
      await server.dispose();
    }
  },
);

test(
  'backends - a study whose auto tasks resolve to lsgd and lbfgs completes on wasm-only workers',
  { skip: NATS_SERVER.skip },
  async () => {
    const server = await TestNatsServer.start();
    try {
      const path = join(dir.path, 'wasm-only.json');
      writeFileSync(
        path,
        JSON.stringify({
          name: 'wasm-only',
          grid: { dims: [1, 2], widths: [4, 8], seeds: [0], targets: ['sine'] },
          // init random: with the default 1-D warm start auto picks lbfgs, without it lsgd.
          train: { steps: 50, samples: 64, init: 'random' },
          eval: { samples: 256 },
        }),
      );
      const worker = startWorker(server, 'wasm-1', ['--backend', 'wasm']);
      await waitForWorkers(server, ['wasm-1']);
      const db = join(dir.path, 'wasm-only.sqlite');
      const out = await runCli(['run', path, '--nats', server.url, '--db', db, '--json'], dir.path);
      assert.equal(out.code, 0, out.stderr);
      const rows = resultRows(db, 'wasm-only');
      assert.deepEqual(
        rows.map((r) => [r.dim, r.width, r.status, r.backend, r.optimizer]),
        [
          [1, 4, 'done', 'wasm', 'lsgd'],
          [1, 8, 'done', 'wasm', 'lsgd'],
          [2, 4, 'done', 'wasm', 'lbfgs'],
          [2, 8, 'done', 'wasm', 'lbfgs'],
        ],
      );
      worker.child.kill('SIGTERM');
      await worker.done;
    } finally {
      await server.dispose();
    }
  },
);

test(
  'backends - a worker refuses a task its backend cannot train at once and for good',
  { skip: NATS_SERVER.skip },
  async () => {
    const server = await TestNatsServer.start();
    try {
      const worker = startWorker(server, 'old-worker', ['--backend', 'wasm']);
      await waitForWorkers(server, ['old-worker']);
      // A task from a newer widthsweep whose optimizer this worker's backend does not run.
      const base = teacherTask();
      const spec: TaskSpec = {
        formatVersion: base.formatVersion,
        target: base.target,
        kind: base.kind,
        dim: base.dim,
        width: base.width,
        seed: base.seed,
        eval: base.eval,
        train: { ...base.train, optimizer: 'newton' as TaskSpec['train']['optimizer'] },
      };
      const task = { ...spec, id: taskId(spec) };
      const study = { name: 'refusal', key: '0123456789abcdef' };
      const nc = await connect({ servers: server.url });
      try {
        // Throws instead of hanging when nothing arrives.
        const replies = nc.subscribe(resultSubject(study), { timeout: 60_000 });
        await jetstream(nc).publish(
          taskSubject(DEFAULT_POOL, study, task.id),
          encodeWire({
            type: 'task',
            v: WIRE_VERSION,
            study: study.name,
            studyKey: study.key,
            task,
          }),
        );
        let failure: ResultMessage | undefined;
        for await (const msg of replies) {
          const message = parseResultMessage(msg.data);
          if (message.type === 'attempt-failed') {
            failure = message;
            break;
          }
        }
        assert.equal(failure?.type, 'attempt-failed');
        if (failure?.type !== 'attempt-failed') return;
        assert.equal(failure.attempt, 1);
        assert.equal(failure.final, true);
        assert.match(failure.error, /train\.optimizer newton/);
        // Acked, not handed back: the work queue is empty.
        const info = await (await jetstreamManager(nc)).streams.info(TASK_STREAM);
        assert.equal(info.state.messages, 0);
      } finally {
        await nc.close();
      }
      worker.child.kill('SIGTERM');
      await worker.done;
    } finally {
      await server.dispose();
    }
  },
);
