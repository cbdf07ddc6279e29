import { Piscina } from 'piscina';
import { BackendUnavailableError, TaskCancelledError, TaskFailedError } from '../shared/errors.js';
import type { TaskOutcome } from '../shared/result.js';
import type { Task } from '../shared/task.js';
import type { BackendName } from './backends.js';
import { RunnerLifecycle, type RunnerState } from './runner-lifecycle.js';
import type { TaskRunner } from '../shared/task-runner.js';
import { isThreadMessage, type ThreadWorkerData } from './thread-protocol.js';

export interface ThreadTaskRunnerOptions {
  readonly backend: BackendName;
  /** Worker threads, each with its own tfjs backend. */
  readonly threads: number;
  /**
   * How long every thread may take to load tfjs and initialise its backend before start()
   * gives up. Units: ms. @default 300000
   */
  readonly startTimeoutMs?: number;
}

/** The compiled piscina worker module, next to this file in dist/worker/. */
const THREAD_ENTRY = new URL('./thread-entry.js', import.meta.url).href;

/**
 * Runs tasks in piscina worker threads, one task per thread at a time. Each thread initialises
 * its backend once, when it starts; start() resolves only when all of them have. An aborted
 * signal terminates the thread running that task (piscina starts a replacement).
 */
export class ThreadTaskRunner implements TaskRunner {
  readonly backend: BackendName;
  readonly threads: number;
  /** Versions the threads reported when they initialised. */
  readonly versions: Readonly<Record<string, string>>;
  readonly #pool: Piscina;
  readonly #lifecycle: RunnerLifecycle;

  private constructor(
    options: ThreadTaskRunnerOptions,
    pool: Piscina,
    lifecycle: RunnerLifecycle,
    versions: Readonly<Record<string, string>>,
  ) {
    this.backend = options.backend;
    this.threads = options.threads;
    this.#pool = pool;
    this.#lifecycle = lifecycle;
    this.versions = versions;
  }

  /** Starts the threads and waits until every one has its backend up. */
  static async start(options: ThreadTaskRunnerOptions): Promise<ThreadTaskRunner> {
    const { backend, threads } = options;
    const lifecycle = new RunnerLifecycle();
    const workerData: ThreadWorkerData = { backend };
    const pool = new Piscina({
      filename: THREAD_ENTRY,
      minThreads: threads,
      maxThreads: threads,
      // Threads are expensive to start (tfjs + backend init), so they are never retired.
      idleTimeout: Number.POSITIVE_INFINITY,
      concurrentTasksPerWorker: 1,
      workerData,
    });
    // piscina emits 'error' for a thread that dies with no task on it and then replaces the
    // thread; an unhandled 'error' event would crash the process instead.
    pool.on('error', () => {});
    try {
      const versions = await waitForThreads(pool, options);
      lifecycle.markReady();
      return new ThreadTaskRunner(options, pool, lifecycle, versions);
    } catch (err) {
      lifecycle.markFailed();
      await pool.destroy();
      throw err;
    }
  }

  get state(): RunnerState {
    return this.#lifecycle.state;
  }

  async run(task: Task, signal?: AbortSignal): Promise<TaskOutcome> {
    this.#lifecycle.assertAcceptingTasks();
    if (signal?.aborted === true) throw new TaskCancelledError(task.id, { cause: signal.reason });
    const running = this.#pool.run(
      task,
      signal === undefined ? {} : { signal },
    ) as Promise<TaskOutcome>;
    return this.#lifecycle.track(
      running.catch((err: unknown) => {
        if (signal?.aborted === true) throw new TaskCancelledError(task.id, { cause: err });
        // Errors cross the thread boundary as plain Errors (class and taskId are lost), so the
        // class is restored here; the message already says what failed.
        const message = err instanceof Error ? err.message : String(err);
        throw new TaskFailedError(task.id, `task ${task.id} in a worker thread: ${message}`, {
          cause: err,
        });
      }),
    );
  }

  close(): Promise<void> {
    return this.#lifecycle.close(() => this.#pool.destroy());
  }
}

function waitForThreads(
  pool: Piscina,
  options: ThreadTaskRunnerOptions,
): Promise<Readonly<Record<string, string>>> {
  const { backend, threads, startTimeoutMs = 300_000 } = options;
  return new Promise((resolve, reject) => {
    let ready = 0;
    let versions: Readonly<Record<string, string>> = {};
    const finish = (err?: Error): void => {
      clearTimeout(timer);
      pool.off('message', onMessage);
      pool.off('error', onError);
      if (err === undefined) resolve(versions);
      else reject(err);
    };
    const onMessage = (message: unknown): void => {
      if (!isThreadMessage(message)) return;
      if (message.type === 'thread-init-failed') {
        finish(
          new BackendUnavailableError(
            backend,
            `a worker thread could not start backend '${backend}': ${message.name}: ${message.message}`,
          ),
        );
      } else {
        versions = message.versions;
        ready += 1;
        if (ready === threads) finish();
      }
    };
    const onError = (err: unknown): void => {
      const text = err instanceof Error ? err.message : String(err);
      finish(
        new BackendUnavailableError(backend, `a worker thread failed while starting: ${text}`, {
          cause: err,
        }),
      );
    };
    // A ref'd timer also keeps the event loop alive while piscina's threads are unref'd.
    const timer = setTimeout(() => {
      finish(
        new BackendUnavailableError(
          backend,
          `only ${ready} of ${threads} worker threads initialised '${backend}' within ${startTimeoutMs} ms`,
        ),
      );
    }, startTimeoutMs);
    pool.on('message', onMessage);
    pool.on('error', onError);
  });
}
