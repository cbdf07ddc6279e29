import { runCleanup } from '../../shared/cleanup.js';
import type { CleanupStep } from '../../shared/cleanup.js';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { describeError, LifecycleError, UnknownStudyError } from '../../shared/errors.js';
import { expandStudy } from '../../shared/expand.js';
import type { Logger } from '../../shared/log.js';
import { connectNats } from '../../shared/nats/connect.js';
import {
  describeServers,
  resolveNatsConnectionOptions,
} from '../../shared/nats/connection-options.js';
import type { NatsConnectionOptions } from '../../shared/nats/connection-options.js';
import { DEFAULT_POOL } from '../../shared/nats/subjects.js';
import {
  ensureCollectorConsumers,
  ensureStreams,
  ensureWorkerConsumer,
  resolveTopologyOptions,
} from '../../shared/nats/topology.js';
import type { ResolvedTopologyOptions, TopologyOptions } from '../../shared/nats/topology.js';
import { poolFor, poolsOf } from '../../shared/routing.js';
import type { StudySpec } from '../../shared/spec/study-spec.js';
import type { Task } from '../../shared/task.js';
import type { ResultStore } from '../store/result-store.js';
import type { RunSummary, SweepEvent } from '../sweep-events.js';
import { drainOrClose } from '../../shared/nats/connect.js';
import { ResultCollector } from './result-collector.js';
import { publishMissingTasks } from './task-publisher.js';

export interface DistributedCoordinatorOptions {
  nats?: NatsConnectionOptions;
  topology?: TopologyOptions;
  /** How often the queue is checked for lost tasks while collecting. Unit: ms. @default 60000 */
  lostCheckIntervalMs?: number;
}

export interface CollectOptions {
  /** Store what is waiting and return instead of waiting for the study to finish. @default false */
  once?: boolean;
  /** Republish failed tasks too (a `run`), not only lost ones (a `collect`). @default false */
  retryFailed?: boolean;
  onEvent?: (event: SweepEvent) => void;
}

export type DistributedState = 'idle' | 'collecting' | 'closing' | 'closed';

/**
 * The coordinator of a distributed sweep. It is the only writer of the database: it publishes a
 * study's unfinished tasks to the work queue and collects results from workers anywhere. Workers
 * keep working while no coordinator runs; results wait in a durable stream until the next
 * `run` or `collect`.
 */
export class DistributedCoordinator {
  readonly #store: ResultStore;
  readonly #nc: NatsConnection;
  readonly #js: JetStreamClient;
  readonly #jsm: JetStreamManager;
  readonly #topology: ResolvedTopologyOptions;
  readonly #lostCheckIntervalMs: number;
  readonly #log: Logger;
  readonly #abort = new AbortController();
  readonly servers: string;
  #state: DistributedState = 'idle';
  #collecting: Promise<unknown> | undefined;
  #closing: Promise<void> | undefined;

  private constructor(
    store: ResultStore,
    nc: NatsConnection,
    jsm: JetStreamManager,
    topology: ResolvedTopologyOptions,
    options: DistributedCoordinatorOptions,
    servers: string,
    log: Logger,
  ) {
    this.#store = store;
    this.#nc = nc;
    this.#js = jetstream(nc);
    this.#jsm = jsm;
    this.#topology = topology;
    this.#lostCheckIntervalMs = options.lostCheckIntervalMs ?? 60_000;
    this.servers = servers;
    this.#log = log;
  }

  /** Connects and makes sure the streams exist. The coordinator owns `store` from here on. */
  static async connect(
    store: ResultStore,
    options: DistributedCoordinatorOptions,
    log: Logger,
  ): Promise<DistributedCoordinator> {
    const natsOptions = resolveNatsConnectionOptions({
      name: 'widthsweep-coordinator',
      ...options.nats,
    });
    const topology = resolveTopologyOptions(options.topology);
    const nc = await connectNats(natsOptions);
    try {
      const jsm = await jetstreamManager(nc);
      await ensureStreams(jsm, topology);
      await ensureWorkerConsumer(jsm, DEFAULT_POOL, topology, true);
      return new DistributedCoordinator(
        store,
        nc,
        jsm,
        topology,
        options,
        describeServers(natsOptions),
        log,
      );
    } catch (err) {
      await nc.close();
      throw err;
    }
  }

  get state(): DistributedState {
    return this.#state;
  }

  /** Registers the study, publishes what it lacks, and (unless detach) collects until it is finished. */
  /** `tasks` (default: the spec's grid) is the study's task set, e.g. a width search's rounds. */
  async run(
    spec: StudySpec,
    options: CollectOptions & { detach?: boolean; tasks?: readonly Task[] },
  ): Promise<RunSummary> {
    const registered = this.#store.registerStudy(spec, options.tasks ?? expandStudy(spec));
    for (const pool of poolsOf(spec.routing)) {
      await ensureWorkerConsumer(this.#jsm, pool, this.#topology, true);
    }
    return this.#collect(spec.name, registered.finished, {
      ...options,
      retryFailed: true,
      once: options.detach === true,
    });
  }

  /** Collects a study's results (publishing lost tasks again) until it is finished. */
  async collect(study: string, options: CollectOptions): Promise<RunSummary> {
    if (!this.#store.hasStudy(study)) throw new UnknownStudyError(study);
    const before = this.#store.progress(study);
    return this.#collect(study, before.done + before.diverged, options);
  }

  async #collect(study: string, skipped: number, options: CollectOptions): Promise<RunSummary> {
    if (this.#state !== 'idle') {
      throw new LifecycleError(this.#state, `the coordinator is ${this.#state}, not idle`);
    }
    this.#state = 'collecting';
    const started = performance.now();
    const onEvent = options.onEvent ?? (() => {});
    const counters = { trained: 0, failedNow: 0 };
    const count = (event: SweepEvent): void => {
      if (event.type === 'finished') counters.trained++;
      if (event.type === 'attempt-failed' && event.final) counters.failedNow++;
      onEvent(event);
    };
    await ensureCollectorConsumers(this.#jsm, study);
    const collector = await ResultCollector.open(
      this.#store,
      this.#js,
      this.#jsm,
      study,
      this.#log,
      count,
    );
    // Results that arrived while no coordinator ran are stored before anything is republished.
    await collector.drainBacklog();
    const published = await this.#publishMissing(study, options.retryFailed === true);
    const progress = this.#store.progress(study);
    onEvent({
      type: 'start',
      study,
      total: progress.total,
      skipped,
      queued:
        progress.total -
        progress.done -
        progress.diverged -
        (options.retryFailed === true ? 0 : progress.failed),
      runner: `workers via ${this.servers} (${published} task(s) published)`,
    });
    if (options.once !== true) {
      this.#collecting = this.#collectUntilFinished(study, collector);
      await this.#collecting;
    }
    const final = this.#store.progress(study);
    if (this.#state === 'collecting') this.#state = 'idle';
    const open = final.pending + final.running;
    return {
      study,
      total: final.total,
      done: final.done,
      failed: final.failed,
      diverged: final.diverged,
      pending: open,
      trained: counters.trained,
      skipped,
      failedNow: counters.failedNow,
      wallMs: performance.now() - started,
      backend: 'nats',
      interrupted: this.#abort.signal.aborted && open > 0,
    };
  }

  async #publishMissing(study: string, retryFailed: boolean): Promise<number> {
    const tasks: Task[] = this.#store.unfinishedTasks(study, retryFailed);
    const routing = this.#store.studySpec(study)?.routing ?? [];
    const summary = await publishMissingTasks(
      this.#js,
      this.#jsm,
      this.#store,
      study,
      tasks,
      (task) => poolFor(routing, task),
      this.#log,
    );
    if (summary.published > 0) {
      this.#log.info(`published ${summary.published} task(s); ${summary.queued} already queued`);
    }
    return summary.published;
  }

  async #collectUntilFinished(study: string, collector: ResultCollector): Promise<void> {
    let lastLostCheck = Date.now();
    let lastWarning = 0;
    while (!this.#abort.signal.aborted) {
      const p = this.#store.progress(study);
      if (p.pending + p.running === 0) return;
      try {
        await collector.step(1000);
        if (Date.now() - lastLostCheck > this.#lostCheckIntervalMs) {
          lastLostCheck = Date.now();
          await this.#publishMissing(study, false);
        }
      } catch (err) {
        if (this.#abort.signal.aborted || this.#nc.isClosed()) return;
        // A server restart surfaces here; the connection reconnects by itself.
        if (Date.now() - lastWarning > 10_000) {
          lastWarning = Date.now();
          this.#log.warn(`collecting failed, retrying: ${describeError(err)}`);
        }
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  /**
   * Idempotent: stops collecting (unacked results stay in the stream for the next coordinator),
   * drains the NATS connection, closes the database.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#state = 'closing';
    const steps: CleanupStep[] = [
      [
        'stop collecting',
        async () => {
          this.#abort.abort();
          await this.#collecting;
        },
      ],
      ['drain the NATS connection', () => drainOrClose(this.#nc)],
      ['close the result database', () => this.#store.close()],
    ];
    try {
      await runCleanup(steps, 'coordinator');
    } finally {
      this.#state = 'closed';
    }
  }
}
