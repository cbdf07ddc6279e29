import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BackendUnavailableError, TaskCancelledError, TaskFailedError } from '../shared/errors.js';
import type { TaskOutcome } from '../shared/result.js';
import type { Task } from '../shared/task.js';
import type { BackendName } from './backends.js';
import { isChildMessage, type ChildMessage, type ParentMessage } from './process-protocol.js';
import { RunnerLifecycle, type RunnerState } from './runner-lifecycle.js';
import type { TaskRunner } from '../shared/task-runner.js';

export interface ProcessTaskRunnerOptions {
  readonly backend: BackendName;
  /** Child processes, each running one task at a time. */
  readonly threads: number;
  /** How long a child may take to load tfjs and initialise its backend. Units: ms. @default 300000 */
  readonly startTimeoutMs?: number;
  /**
   * After a task's signal aborts, how long its child may take to stop training before it is
   * killed and replaced. Units: ms. @default 5000
   */
  readonly cancelGraceMs?: number;
  /** How long close() lets a child exit on its own before killing it. Units: ms. @default 5000 */
  readonly exitGraceMs?: number;
}

/** What a child process is doing. `cancelling`: its task was aborted, it has not yet stopped. */
export type ChildState = 'starting' | 'idle' | 'busy' | 'cancelling' | 'exited';

/** A snapshot of one child, for diagnostics and tests. */
export interface ChildInfo {
  readonly pid: number | undefined;
  readonly state: ChildState;
  readonly taskId: string | undefined;
}

interface Job {
  readonly task: Task;
  readonly signal: AbortSignal | undefined;
  readonly resolve: (outcome: TaskOutcome) => void;
  readonly reject: (err: Error) => void;
  settled: boolean;
  onAbort: (() => void) | undefined;
}

interface Child {
  readonly process: ChildProcess;
  state: ChildState;
  job: Job | undefined;
  cancelTimer: NodeJS.Timeout | undefined;
  /** Settles when the child is ready or has failed to start. */
  readonly started: Promise<void>;
  readonly exited: Promise<void>;
}

/** The compiled child entry, next to this file in dist/worker/. */
const PROCESS_ENTRY = fileURLToPath(new URL('./process-entry.js', import.meta.url));

/**
 * Runs tasks in child processes (child_process.fork, IPC), one task per child at a time; for
 * tfjs-node(-gpu), whose native code is not safe in worker threads. A child that dies fails the
 * task it held with TaskFailedError and is replaced by a fresh one.
 */
export class ProcessTaskRunner implements TaskRunner {
  readonly backend: BackendName;
  readonly threads: number;
  #versions: Readonly<Record<string, string>> = {};
  readonly #options: Required<ProcessTaskRunnerOptions>;
  readonly #lifecycle = new RunnerLifecycle();
  readonly #children = new Set<Child>();
  readonly #queue: Job[] = [];
  /** Set when no child is left and none could be started: every run() then rejects with it. */
  #broken: Error | undefined;
  #releasing = false;

  private constructor(options: ProcessTaskRunnerOptions) {
    this.backend = options.backend;
    this.threads = options.threads;
    this.#options = {
      startTimeoutMs: 300_000,
      cancelGraceMs: 5_000,
      exitGraceMs: 5_000,
      ...options,
    };
  }

  /** Forks the children and waits until every one has its backend up. */
  static async start(options: ProcessTaskRunnerOptions): Promise<ProcessTaskRunner> {
    const runner = new ProcessTaskRunner(options);
    const children = Array.from({ length: options.threads }, () => runner.#spawn());
    try {
      await Promise.all(children.map((child) => child.started));
    } catch (err) {
      runner.#lifecycle.markFailed();
      await runner.#stopChildren();
      throw err;
    }
    runner.#lifecycle.markReady();
    return runner;
  }

  get state(): RunnerState {
    return this.#lifecycle.state;
  }

  /** Versions the children reported when they initialised. */
  get versions(): Readonly<Record<string, string>> {
    return this.#versions;
  }

  /** The children now, with the task each one holds. */
  children(): ChildInfo[] {
    return [...this.#children].map((child) => ({
      pid: child.process.pid,
      state: child.state,
      taskId: child.job?.task.id,
    }));
  }

  async run(task: Task, signal?: AbortSignal): Promise<TaskOutcome> {
    this.#lifecycle.assertAcceptingTasks();
    if (this.#broken !== undefined) throw this.#broken;
    if (signal?.aborted === true) throw new TaskCancelledError(task.id, { cause: signal.reason });
    const outcome = new Promise<TaskOutcome>((resolve, reject) => {
      const job: Job = { task, signal, resolve, reject, settled: false, onAbort: undefined };
      if (signal !== undefined) {
        job.onAbort = () => this.#cancel(job);
        signal.addEventListener('abort', job.onAbort, { once: true });
      }
      this.#queue.push(job);
      this.#dispatch();
    });
    return this.#lifecycle.track(outcome);
  }

  close(): Promise<void> {
    return this.#lifecycle.close(() => this.#stopChildren());
  }

  #spawn(): Child {
    const proc = fork(PROCESS_ENTRY, [], {
      // Structured clone keeps NaN/Infinity (diverged loss curves) that JSON would turn to null.
      serialization: 'advanced',
      // The parent's flags (--test, --inspect, loaders) are not meant for the children.
      execArgv: [],
      // Children write only diagnostics; stdout stays clean for the CLI's --json output.
      stdio: ['ignore', 2, 2, 'ipc'],
    });
    let markStarted!: () => void;
    let failStart!: (err: Error) => void;
    const started = new Promise<void>((resolve, reject) => {
      markStarted = resolve;
      failStart = reject;
    });
    // Rejections of `started` matter only to start() and #replace(); never unhandled.
    started.catch(() => {});
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    const child: Child = {
      process: proc,
      state: 'starting',
      job: undefined,
      cancelTimer: undefined,
      started,
      exited,
    };
    this.#children.add(child);
    const { backend, startTimeoutMs } = this.#options;
    const startTimer = setTimeout(() => {
      failStart(
        new BackendUnavailableError(
          backend,
          `worker process ${proc.pid} did not initialise '${backend}' within ${startTimeoutMs} ms`,
        ),
      );
      proc.kill('SIGKILL');
    }, startTimeoutMs);
    void started.then(
      () => clearTimeout(startTimer),
      () => clearTimeout(startTimer),
    );

    proc.on('message', (raw: unknown) => {
      if (!isChildMessage(raw)) return;
      if (raw.type === 'ready') {
        this.#versions = raw.versions;
        child.state = 'idle';
        markStarted();
        this.#dispatch();
      } else if (raw.type === 'init-failed') {
        failStart(
          new BackendUnavailableError(
            backend,
            `worker process ${raw.pid} could not start backend '${backend}': ${raw.name}: ${raw.message}`,
          ),
        );
      } else {
        this.#onTaskMessage(child, raw);
      }
    });
    proc.on('error', (err) => {
      // fork() failures and IPC errors; 'exit' follows when the process existed at all.
      failStart(
        new BackendUnavailableError(backend, `worker process failed: ${err.message}`, {
          cause: err,
        }),
      );
    });
    proc.once('exit', (code, signal) => this.#onExit(child, code, signal, failStart));
    this.#send(child, { type: 'init', backend });
    this.#updateRef(child);
    return child;
  }

  #onTaskMessage(
    child: Child,
    message: Exclude<ChildMessage, { type: 'ready' | 'init-failed' }>,
  ): void {
    const job = child.job;
    // A late answer for a task that was cancelled and already replaced: nothing to do.
    if (job === undefined || job.task.id !== message.taskId) return;
    if (message.type === 'outcome') {
      this.#settle(job, () => job.resolve(message.outcome));
    } else if (message.type === 'error') {
      const pid = child.process.pid;
      this.#settle(job, () =>
        job.reject(
          new TaskFailedError(
            job.task.id,
            `task ${job.task.id} in worker process ${pid}: ${message.message}`,
          ),
        ),
      );
    }
    // 'cancelled' needs no settling: #cancel already rejected the job.
    clearTimeout(child.cancelTimer);
    child.cancelTimer = undefined;
    child.job = undefined;
    child.state = 'idle';
    this.#dispatch();
  }

  #onExit(
    child: Child,
    code: number | null,
    signal: NodeJS.Signals | null,
    failStart: (err: Error) => void,
  ): void {
    const wasStarting = child.state === 'starting';
    child.state = 'exited';
    clearTimeout(child.cancelTimer);
    this.#children.delete(child);
    const how = signal !== null ? `was killed by ${signal}` : `exited with code ${code}`;
    const pid = child.process.pid;
    failStart(
      new BackendUnavailableError(this.backend, `worker process ${pid} ${how} while starting`),
    );
    const job = child.job;
    child.job = undefined;
    if (job !== undefined) {
      this.#settle(job, () =>
        job.reject(
          new TaskFailedError(
            job.task.id,
            `task ${job.task.id}: worker process ${pid} ${how} while running it`,
          ),
        ),
      );
    }
    // A child that dies while the runner is still in business is replaced; one that never
    // started is not, so a broken installation cannot turn into a fork loop.
    if (!this.#releasing && this.#lifecycle.state !== 'starting' && !wasStarting) this.#replace();
    else if (wasStarting && this.#lifecycle.state !== 'starting') this.#checkBroken(how);
  }

  #replace(): void {
    const child = this.#spawn();
    child.started.catch((err: unknown) => {
      this.#checkBroken(err instanceof Error ? err.message : String(err));
    });
  }

  /** With no child left (and none starting), queued and future tasks can never run. */
  #checkBroken(why: string): void {
    const alive = [...this.#children].some((c) => c.state !== 'exited');
    if (alive || this.#releasing) return;
    this.#broken = new BackendUnavailableError(
      this.backend,
      `no worker process is left: a replacement failed to start (${why})`,
    );
    for (const job of this.#queue.splice(0)) {
      const broken = this.#broken;
      this.#settle(job, () => job.reject(broken));
    }
  }

  #dispatch(): void {
    for (const child of this.#children) {
      if (this.#queue.length === 0) break;
      if (child.state !== 'idle') continue;
      const job = this.#queue.shift() as Job;
      child.job = job;
      child.state = 'busy';
      this.#send(child, { type: 'run', task: job.task });
    }
    for (const child of this.#children) this.#updateRef(child);
  }

  #cancel(job: Job): void {
    if (job.settled) return;
    this.#settle(job, () =>
      job.reject(new TaskCancelledError(job.task.id, { cause: job.signal?.reason })),
    );
    const queued = this.#queue.indexOf(job);
    if (queued !== -1) {
      this.#queue.splice(queued, 1);
      return;
    }
    const child = [...this.#children].find((c) => c.job === job);
    if (child === undefined) return;
    child.state = 'cancelling';
    this.#send(child, { type: 'cancel', taskId: job.task.id });
    // Training yields to the event loop every few ms; a child that does not answer is stuck in
    // one long native op (or hung) and is killed.
    child.cancelTimer = setTimeout(
      () => child.process.kill('SIGKILL'),
      this.#options.cancelGraceMs,
    );
  }

  #settle(job: Job, settle: () => void): void {
    if (job.settled) return;
    job.settled = true;
    if (job.onAbort !== undefined) job.signal?.removeEventListener('abort', job.onAbort);
    settle();
  }

  #send(child: Child, message: ParentMessage): void {
    if (!child.process.connected) return;
    // A failed send means the child is going away; its 'exit' handler fails the job.
    child.process.send(message, undefined, undefined, () => {});
  }

  /** Idle children must not keep the parent alive, like piscina's idle threads. */
  #updateRef(child: Child): void {
    const active =
      child.state === 'busy' || child.state === 'cancelling' || child.state === 'starting';
    if (active) {
      child.process.ref();
      child.process.channel?.ref();
    } else {
      child.process.unref();
      child.process.channel?.unref();
    }
  }

  async #stopChildren(): Promise<void> {
    this.#releasing = true;
    const children = [...this.#children];
    for (const child of children) this.#send(child, { type: 'shutdown' });
    await Promise.all(
      children.map(async (child) => {
        const timer = setTimeout(() => child.process.kill('SIGKILL'), this.#options.exitGraceMs);
        await child.exited;
        clearTimeout(timer);
      }),
    );
  }
}
