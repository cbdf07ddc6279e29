import { teacherTask } from '../helpers/teacher-task.js';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  BackendUnavailableError,
  LifecycleError,
  TaskCancelledError,
  TaskFailedError,
  ValidationError,
} from '../../shared/errors.js';
import { taskId } from '../../shared/expand.js';
import type { TaskOutcome } from '../../shared/result.js';
import type { Task, TaskSpec } from '../../shared/task.js';
import {
  backendIsolation,
  isBackendInstalled,
  listInstalledBackends,
  resolveBackend,
} from '../../worker/backends.js';
import { ProcessTaskRunner } from '../../worker/process-runner.js';
import {
  createTaskRunner,
  resolveTaskRunnerOptions,
  type TaskRunner,
} from '../../worker/runner.js';
import { ThreadTaskRunner } from '../../worker/thread-runner.js';

function tinyTask(seed: number, steps = 150): Task {
  return teacherTask({ width: 8, seed, train: { steps, samples: 128 }, eval: { samples: 512 } });
}

/** A task whose target does not exist: it fails inside the worker, before any training. */
function brokenTask(): Task {
  const good = tinyTask(0);
  const spec: TaskSpec = { ...good, target: { name: 'no-such-target', params: {} } };
  return { ...spec, id: taskId(spec) };
}

function isFailureOf(task: Task): (err: unknown) => boolean {
  return (err) =>
    err instanceof TaskFailedError &&
    err.taskId === task.id &&
    err.message.includes('no-such-target');
}

/** Long enough to be caught mid-training: ends only by cancellation or a kill. */
const endlessTask = (seed: number): Task => tinyTask(seed, 10_000_000);

function assertDoneOnWasm(outcome: TaskOutcome, task: Task): void {
  assert.equal(outcome.type, 'done');
  assert.equal(outcome.taskId, task.id);
  assert.equal(outcome.train.backend, 'wasm');
  assert.equal(outcome.train.versions['@tensorflow/tfjs-core'], '4.22.0');
  assert.equal(outcome.train.versions['@tensorflow/tfjs-backend-wasm'], '4.22.0');
  assert.equal(outcome.train.versions.node, process.versions.node);
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** close() and run()-after-close behaviour, the same for both runners. */
async function assertClosesOnce(runner: TaskRunner & { readonly state: string }): Promise<void> {
  const first = runner.close();
  assert.equal(runner.close(), first, 'close() returns the same promise');
  await first;
  await runner.close();
  assert.equal(runner.state, 'closed');
  await assert.rejects(runner.run(tinyTask(1)), LifecycleError);
}

describe('runner - options', () => {
  test('runner - resolveTaskRunnerOptions fills defaults', () => {
    const resolved = resolveTaskRunnerOptions();
    assert.ok(Number.isInteger(resolved.threads) && resolved.threads >= 1);
    assert.equal(resolved.backend, 'auto');
    assert.equal(resolved.isolation, 'auto');
    assert.deepEqual(
      resolveTaskRunnerOptions({ threads: 3, backend: 'cpu', isolation: 'process' }),
      {
        threads: 3,
        backend: 'cpu',
        isolation: 'process',
      },
    );
  });

  test('runner - resolveTaskRunnerOptions names the bad field and value', () => {
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ threads: 0 }, 'threads', 'threads: expected a positive integer, got 0'],
      [{ threads: 1.5 }, 'threads', 'threads: expected a positive integer, got 1.5'],
      [{ threads: '2' }, 'threads', 'threads: expected a positive integer, got "2"'],
      [
        { backend: 'gpu' },
        'backend',
        'backend: expected one of auto, fused, tfjs-node-gpu, tfjs-node, wasm, cpu, got "gpu"',
      ],
      [
        { isolation: 'fiber' },
        'isolation',
        'isolation: expected one of auto, thread, process, got "fiber"',
      ],
    ];
    for (const [options, field, message] of cases) {
      assert.throws(
        () => resolveTaskRunnerOptions(options),
        (err) => err instanceof ValidationError && err.field === field && err.message === message,
      );
    }
  });

  test('runner - backends: auto picks the fastest installed, a missing one says what to install', async () => {
    assert.equal(backendIsolation('tfjs-node'), 'process');
    assert.equal(backendIsolation('tfjs-node-gpu'), 'process');
    assert.equal(backendIsolation('wasm'), 'thread');
    assert.equal(backendIsolation('cpu'), 'thread');
    assert.equal(backendIsolation('fused'), 'thread');
    assert.equal(await resolveBackend('wasm'), 'wasm');
    assert.equal(await resolveBackend('cpu'), 'cpu');
    const nodeInstalled = isBackendInstalled('tfjs-node');
    const gpuInstalled = isBackendInstalled('tfjs-node-gpu');
    const tfExpected = gpuInstalled ? 'tfjs-node-gpu' : nodeInstalled ? 'tfjs-node' : 'wasm';
    // The fused kernel is built by `npm run build`, which the tests run first.
    assert.equal(isBackendInstalled('fused'), true);
    assert.equal(await resolveBackend('auto'), 'fused');
    assert.equal(await resolveBackend('fused'), 'fused');
    assert.equal(listInstalledBackends().filter((b) => b !== 'fused')[0], tfExpected);
    if (!nodeInstalled) {
      await assert.rejects(
        resolveBackend('tfjs-node'),
        (err) =>
          err instanceof BackendUnavailableError &&
          err.backend === 'tfjs-node' &&
          err.message.includes('npm install @tensorflow/tfjs-node@4.22.0'),
      );
      await assert.rejects(createTaskRunner({ backend: 'tfjs-node' }), BackendUnavailableError);
    }
  });
});

describe('runner - startup failures', () => {
  // tfjs-node is not installable offline, which makes it a real backend that fails to load.
  const skip = isBackendInstalled('tfjs-node') ? 'tfjs-node is installed here' : false;

  test(
    'runner - a thread runner whose backend fails to load rejects with BackendUnavailableError',
    { skip },
    async () => {
      await assert.rejects(
        ThreadTaskRunner.start({ backend: 'tfjs-node', threads: 2 }),
        (err) => err instanceof BackendUnavailableError && err.backend === 'tfjs-node',
      );
    },
  );

  test(
    'runner - a process runner whose backend fails to load rejects with BackendUnavailableError',
    { skip },
    async () => {
      await assert.rejects(
        ProcessTaskRunner.start({ backend: 'tfjs-node', threads: 2 }),
        (err) => err instanceof BackendUnavailableError && err.backend === 'tfjs-node',
      );
    },
  );
});

describe('runner - threads', () => {
  test('runner - thread runner with 2 threads runs 4 tasks on wasm, deterministically', async () => {
    const runner = await createTaskRunner({ threads: 2, backend: 'wasm' });
    try {
      assert.ok(runner instanceof ThreadTaskRunner);
      assert.equal(runner.backend, 'wasm');
      assert.equal(runner.threads, 2);
      assert.equal(runner.versions['@tensorflow/tfjs-backend-wasm'], '4.22.0');
      const tasks = [tinyTask(1), tinyTask(2), tinyTask(3), tinyTask(1)];
      const outcomes = await Promise.all(tasks.map((task) => runner.run(task)));
      outcomes.forEach((outcome, i) => assertDoneOnWasm(outcome, tasks[i] as Task));
      const [first, , , again] = outcomes;
      assert.ok(first?.type === 'done' && again?.type === 'done');
      // The same task in whichever thread: the same numbers.
      assert.deepEqual(again.metrics, first.metrics);
      assert.deepEqual(again.train.lossCurve, first.train.lossCurve);
      const broken = brokenTask();
      await assert.rejects(runner.run(broken), isFailureOf(broken));
    } finally {
      await runner.close();
    }
  });

  test('runner - thread runner: an aborted task rejects with TaskCancelledError, the runner carries on', async () => {
    const runner = await createTaskRunner({ threads: 1, backend: 'wasm', isolation: 'thread' });
    try {
      const before = new AbortController();
      before.abort();
      await assert.rejects(runner.run(tinyTask(1), before.signal), TaskCancelledError);

      const controller = new AbortController();
      const task = endlessTask(4);
      const running = runner.run(task, controller.signal);
      setTimeout(() => controller.abort(), 200);
      await assert.rejects(
        running,
        (err) => err instanceof TaskCancelledError && err.taskId === task.id,
      );
      assertDoneOnWasm(await runner.run(tinyTask(5)), tinyTask(5));
    } finally {
      await runner.close();
    }
  });

  test('runner - thread runner: close() waits for accepted tasks, is idempotent, then run() rejects', async () => {
    const runner = await createTaskRunner({ threads: 1, backend: 'wasm' });
    assert.ok(runner instanceof ThreadTaskRunner);
    const queued = [runner.run(tinyTask(6)), runner.run(tinyTask(7))];
    await assertClosesOnce(runner);
    for (const outcome of await Promise.all(queued)) assert.equal(outcome.type, 'done');
  });
});

describe('runner - processes', () => {
  test('runner - process runner runs tasks on wasm and survives a killed child', async () => {
    const runner = await createTaskRunner({ threads: 2, backend: 'wasm', isolation: 'process' });
    try {
      assert.ok(runner instanceof ProcessTaskRunner);
      assert.equal(runner.backend, 'wasm');
      const tasks = [tinyTask(1), tinyTask(2), tinyTask(3)];
      const outcomes = await Promise.all(tasks.map((task) => runner.run(task)));
      outcomes.forEach((outcome, i) => assertDoneOnWasm(outcome, tasks[i] as Task));
      const broken = brokenTask();
      await assert.rejects(runner.run(broken), isFailureOf(broken));

      const victim = endlessTask(8);
      const doomed = runner.run(victim);
      await waitFor(
        () => runner.children().some((c) => c.taskId === victim.id && c.state === 'busy'),
        'the child to take the task',
      );
      // Give it time to load the data and start the training loop proper.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const pid = runner.children().find((c) => c.taskId === victim.id)?.pid;
      assert.ok(pid !== undefined);
      process.kill(pid, 'SIGKILL');
      await assert.rejects(
        doomed,
        (err) =>
          err instanceof TaskFailedError &&
          err.taskId === victim.id &&
          err.message.includes('SIGKILL'),
      );
      assertDoneOnWasm(await runner.run(tinyTask(9)), tinyTask(9));
      await waitFor(() => runner.children().length === 2, 'a replacement child');
      assert.ok(runner.children().every((c) => c.pid !== pid));
    } finally {
      await runner.close();
    }
  });

  test('runner - process runner: an aborted task rejects with TaskCancelledError and keeps its child', async () => {
    const runner = await createTaskRunner({ threads: 1, backend: 'wasm', isolation: 'process' });
    assert.ok(runner instanceof ProcessTaskRunner);
    try {
      const [child] = runner.children();
      const controller = new AbortController();
      const task = endlessTask(10);
      const running = runner.run(task, controller.signal);
      setTimeout(() => controller.abort(), 300);
      await assert.rejects(
        running,
        (err) => err instanceof TaskCancelledError && err.taskId === task.id,
      );
      assertDoneOnWasm(await runner.run(tinyTask(11)), tinyTask(11));
      // Training stopped cooperatively: the same child, not a killed and replaced one.
      assert.deepEqual(
        runner.children().map((c) => c.pid),
        [child?.pid],
      );
    } finally {
      await runner.close();
    }
  });

  test('runner - process runner: close() waits for accepted tasks, is idempotent, then run() rejects', async () => {
    const runner = await createTaskRunner({ threads: 1, backend: 'wasm', isolation: 'process' });
    assert.ok(runner instanceof ProcessTaskRunner);
    const pending = runner.run(tinyTask(12));
    await assertClosesOnce(runner);
    assert.equal((await pending).type, 'done');
    assert.equal(runner.children().length, 0);
  });
});
