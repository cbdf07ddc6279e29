import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { TaskSettled, WorkerState, WorkerStats } from './nats-worker.js';

/** What the metrics read from a running worker; NatsWorker satisfies it. */
export interface WorkerMetricsSource {
  readonly state: WorkerState;
  readonly stats: WorkerStats;
  readonly backend: string;
  readonly threads: number;
  readonly options: { readonly name: string; readonly pool: string };
}

export interface WorkerMetricsOptions {
  /** Prefix of every widthsweep metric. @default 'widthsweep_worker_' */
  prefix?: string;
  /**
   * Upper bounds of the task-duration histogram buckets. Unit: seconds. @default 0.1 s to 2 h,
   * since tasks range from tiny test grids to wide networks trained for many steps
   */
  taskSecondsBuckets?: readonly number[];
  /** Also export Node's process metrics (CPU, memory, event-loop lag). @default true */
  processMetrics?: boolean;
  /** Value of the `version` label of the info metric. @default 'unknown' */
  version?: string;
}

export interface ResolvedWorkerMetricsOptions {
  readonly prefix: string;
  readonly taskSecondsBuckets: readonly number[];
  readonly processMetrics: boolean;
  readonly version: string;
}

const DEFAULT_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200];

export function resolveWorkerMetricsOptions(
  o: WorkerMetricsOptions = {},
): ResolvedWorkerMetricsOptions {
  return {
    prefix: o.prefix ?? 'widthsweep_worker_',
    taskSecondsBuckets: o.taskSecondsBuckets ?? DEFAULT_BUCKETS,
    processMetrics: o.processMetrics ?? true,
    version: o.version ?? 'unknown',
  };
}

const STATES: readonly WorkerState[] = ['starting', 'running', 'stopping', 'stopped'];

/**
 * The Prometheus metrics of one worker process. Counts and gauges are read from the worker at
 * scrape time, so they cannot disagree with what `status` shows; task durations need one
 * observation per task, which the worker reports through its onTaskSettled hook.
 * Created before the worker exists so that probes get an answer (not yet healthy) while it
 * connects.
 */
export class WorkerMetrics {
  readonly options: ResolvedWorkerMetricsOptions;
  readonly registry = new Registry();
  readonly #taskSeconds: Histogram<'outcome'>;
  #source: WorkerMetricsSource | undefined;

  constructor(options: WorkerMetricsOptions = {}) {
    this.options = resolveWorkerMetricsOptions(options);
    const p = this.options.prefix;
    const registers = [this.registry];
    const source = (): WorkerMetricsSource | undefined => this.#source;
    new Counter({
      name: `${p}tasks_done_total`,
      help: 'Tasks trained, evaluated and published by this worker.',
      registers,
      collect() {
        this.reset();
        this.inc(source()?.stats.tasksDone ?? 0);
      },
    });
    new Counter({
      name: `${p}tasks_failed_total`,
      help: 'Task attempts that failed on this worker (each is retried until max attempts).',
      registers,
      collect() {
        this.reset();
        this.inc(source()?.stats.tasksFailed ?? 0);
      },
    });
    new Gauge({
      name: `${p}tasks_in_flight`,
      help: 'Tasks this worker holds right now.',
      registers,
      collect() {
        this.set(source()?.stats.inFlight ?? 0);
      },
    });
    new Gauge({
      name: `${p}threads`,
      help: 'Tasks this worker trains at once.',
      registers,
      collect() {
        this.set(source()?.threads ?? 0);
      },
    });
    new Gauge({
      name: `${p}state`,
      help: 'Lifecycle state of the worker: 1 for the current state, 0 for the others.',
      labelNames: ['state'],
      registers,
      collect() {
        const current = source()?.state ?? 'starting';
        for (const state of STATES) this.set({ state }, state === current ? 1 : 0);
      },
    });
    const version = this.options.version;
    new Gauge({
      name: `${p}info`,
      help: 'Always 1; the labels describe the worker (backend as chosen by --backend auto).',
      labelNames: ['name', 'pool', 'backend', 'version'],
      registers,
      collect() {
        this.reset();
        const s = source();
        if (s === undefined) return;
        this.set({ name: s.options.name, pool: s.options.pool, backend: s.backend, version }, 1);
      },
    });
    this.#taskSeconds = new Histogram({
      name: `${p}task_seconds`,
      help: 'Wall time from receiving a task to its result being published, by outcome.',
      labelNames: ['outcome'],
      buckets: [...this.options.taskSecondsBuckets],
      registers,
    });
    if (this.options.processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /** Starts reading counts and state from the worker. */
  attach(source: WorkerMetricsSource): void {
    this.#source = source;
  }

  /** Pass as the worker's onTaskSettled. */
  readonly observeTask = (settled: TaskSettled): void => {
    this.#taskSeconds.observe({ outcome: settled.outcome }, settled.seconds);
  };

  /** Healthy while the worker runs; starting, stopping and stopped are not. */
  health(): { readonly healthy: boolean; readonly state: WorkerState } {
    const state = this.#source?.state ?? 'starting';
    return { healthy: state === 'running', state };
  }
}
