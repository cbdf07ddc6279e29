/**
 * A child process that trains tasks for the process runner (worker/process-runner.ts), one at a
 * time, over IPC (worker/process-protocol.ts). tfjs-node(-gpu) runs here rather than in a worker
 * thread because it crashes inside worker_threads (tfjs#2079, tfjs#8388).
 */
import { TaskCancelledError } from '../shared/errors.js';
import { loadBackend, type BackendContext } from './backend-context.js';
import { isBackendName } from './backends.js';
import { executeTask } from './execute-task.js';
import { isParentMessage, type ChildMessage, type ParentMessage } from './process-protocol.js';

let context: BackendContext | undefined;
let running: { taskId: string; controller: AbortController } | undefined;

/** Resolves once the message is handed to the IPC channel (or cannot be: parent gone). */
function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    // A parent that went away cannot be told anything; the 'disconnect' handler ends us.
    if (!process.connected || process.send === undefined) resolve();
    else process.send(message, undefined, undefined, () => resolve());
  });
}

function errorFields(err: unknown): { name: string; message: string } {
  return err instanceof Error
    ? { name: err.name, message: err.message }
    : { name: 'Error', message: String(err) };
}

async function onInit(message: Extract<ParentMessage, { type: 'init' }>): Promise<void> {
  const startMs = performance.now();
  try {
    if (!isBackendName(message.backend)) {
      throw new TypeError(`unknown backend ${JSON.stringify(message.backend)}`);
    }
    context = await loadBackend(message.backend);
    void send({
      type: 'ready',
      pid: process.pid,
      backend: context.backend,
      versions: context.versions,
      initMs: performance.now() - startMs,
    });
  } catch (err) {
    await send({ type: 'init-failed', pid: process.pid, ...errorFields(err) });
    process.disconnect();
  }
}

async function onRun(message: Extract<ParentMessage, { type: 'run' }>): Promise<void> {
  const { task } = message;
  if (context === undefined || running !== undefined) {
    const why = context === undefined ? 'before init' : `while running ${running?.taskId}`;
    void send({ type: 'error', taskId: task.id, name: 'Error', message: `run received ${why}` });
    return;
  }
  const controller = new AbortController();
  running = { taskId: task.id, controller };
  try {
    const outcome = await executeTask(task, context, controller.signal);
    void send({ type: 'outcome', taskId: task.id, outcome });
  } catch (err) {
    if (err instanceof TaskCancelledError) void send({ type: 'cancelled', taskId: task.id });
    else void send({ type: 'error', taskId: task.id, ...errorFields(err) });
  } finally {
    running = undefined;
  }
}

process.on('message', (raw: unknown) => {
  if (!isParentMessage(raw)) return;
  switch (raw.type) {
    case 'init':
      void onInit(raw);
      break;
    case 'run':
      void onRun(raw);
      break;
    case 'cancel':
      if (running?.taskId === raw.taskId) running.controller.abort();
      break;
    case 'shutdown':
      // Not process.disconnect(): when this message was queued before our listener existed,
      // Node replays the queue in one loop that crashes if the channel closes mid-way.
      running?.controller.abort();
      process.exit(0);
      break;
  }
});

// Ctrl-C and SLURM's step signals reach the whole process group. Stopping is the parent's call:
// it lets a held task finish within its grace period, then cancels or kills this child.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});

// Without the parent there is no one to report to: stop rather than train on as an orphan.
process.on('disconnect', () => {
  running?.controller.abort();
  process.exit(0);
});

if (process.send === undefined) {
  process.stderr.write('worker/process-entry is started by the process runner (IPC required)\n');
  process.exit(2);
}
