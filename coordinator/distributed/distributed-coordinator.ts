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
import { claimStudy } from '../../shared/nats/study-claim.js';
import { DEFAULT_POOL, TASK_STREAM, workerConsumerName } from '../../shared/nats/subjects.js';
import type { StudyRef } from '../../shared/nats/subjects.js';
import {
  ensureCollectorConsumers,
  ensureStreams,
  ensureWorkerConsumer,
  isTopologyGone,
  openStudyBucket,
  resolveReplicas,
  resolveTopologyOptions,
} from '../../shared/nats/topology.js';
import type { ResolvedTopologyOptions, TopologyOptions } from '../../shared/nats/topology.js';
import { poolFor, poolsOf } from '../../shared/routing.js';
import type { StudySpec } from '../../shared/spec/study-spec.js';
import type { Task } from '../../shared/task.js';
import type { ResultStore } from '../store/result-store.js';
import type { RunSummary, SweepEvent } from '../sweep-events.js';
import { drainOrClose } from '../../shared/nats/connect.js';
import { checkPoolCapabilities } from './capability-check.js';
import { ResultCollector } from './result-collector.js';
import { publishMissingTasks } from './task-publisher.js';

export interface DistributedCoordinatorOptions {
  nats?: NatsConnectionOptions;
  /**
   * Consumer settings to impose on the worker consumers (a `run`). Without them (a `collect`)
   * the settings the last `run` made stay as they are. @default undefined
   */
  topology?: Omit<TopologyOptions, 'replicas'>;
  /**
   * Replicas of every stream and bucket. @default 3 when the server reports a cluster of 3 or
   * more servers, else 1
   */
  replicas?: number;
  /** Claim the study name even where another database serves it (that one is gone). @default false */
  takeOver?: boolean;
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
  readonly #impose: boolean;
  readonly #takeOver: boolean;
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
    this.#impose = options.topology !== undefined;
    this.#takeOver = options.takeOver === true;
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
    const nc = await connectNats(natsOptions);
    try {
      const topology = resolveTopologyOptions({
        ...options.topology,
        replicas: resolveReplicas(nc, options.replicas),
      });
      const jsm = await jetstreamManager(nc);
      const impose = options.topology !== undefined;
      await ensureStreams(jsm, topology, impose);
      await ensureWorkerConsumer(jsm, DEFAULT_POOL, topology, impose);
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
    options: CollectOptions & { detach?: boolean; strict?: boolean; tasks?: readonly Task[] },
  ): Promise<RunSummary> {
    const registered = this.#store.registerStudy(spec, options.tasks ?? expandStudy(spec));
    await checkPoolCapabilities(
      this.#nc,
      this.#store.unfinishedTasks(spec.name, true),
      spec.routing,
      options.strict === true,
      this.#log,
    );
    for (const pool of poolsOf(spec.routing)) {
      await ensureWorkerConsumer(this.#jsm, pool, this.#topology, this.#impose);
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

  /** The worker consumer's max_deliver: the last delivery, whose failure report is final. */
  async #maxDeliver(): Promise<number> {
    const info = await this.#jsm.consumers.info(TASK_STREAM, workerConsumerName(DEFAULT_POOL));
    return info.config.max_deliver ?? -1;
  }

  /**
   * Streams, consumers, the study's claim and collector: everything a broker that lost its store
   * no longer has. Idempotent; the collecting loop calls it again when they vanish.
   */
  async #openCollector(
    study: StudyRef,
    onEvent: (event: SweepEvent) => void,
  ): Promise<ResultCollector> {
    await ensureStreams(this.#jsm, this.#topology, this.#impose);
    const routing = this.#store.studySpec(study.name)?.routing ?? [];
    for (const pool of poolsOf(routing)) {
      await ensureWorkerConsumer(this.#jsm, pool, this.#topology, this.#impose);
    }
    // Claimed before anything is read: another database's study of the same name is refused.
    await claimStudy(
      await openStudyBucket(this.#nc, this.#topology.replicas),
      study,
      this.#takeOver,
    );
    await ensureCollectorConsumers(this.#jsm, study);
    return ResultCollector.open(
      this.#store,
      this.#js,
      this.#jsm,
      study,
      await this.#maxDeliver(),
      this.#log,
      onEvent,
    );
  }

  async #collect(name: string, skipped: number, options: CollectOptions): Promise<RunSummary> {
    if (this.#state !== 'idle') {
      throw new LifecycleError(this.#state, `the coordinator is ${this.#state}, not idle`);
    }
    this.#state = 'collecting';
    const study: StudyRef = { name, key: this.#store.studyKey(name) };
    const started = performance.now();
    const onEvent = options.onEvent ?? (() => {});
    const counters = { trained: 0, failedNow: 0 };
    const count = (event: SweepEvent): void => {
      if (event.type === 'finished') counters.trained++;
      if (event.type === 'attempt-failed' && event.final) counters.failedNow++;
      onEvent(event);
    };
    const collector = await this.#openCollector(study, count);
    // Results that arrived while no coordinator ran are stored before anything is republished.
    await collector.drainBacklog();
    const published = await this.#publishMissing(study, options.retryFailed === true);
    const progress = this.#store.progress(name);
    onEvent({
      type: 'start',
      study: name,
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
      this.#collecting = this.#collectUntilFinished(study, collector, count);
      await this.#collecting;
    }
    const final = this.#store.progress(name);
    if (this.#state === 'collecting') this.#state = 'idle';
    const open = final.pending + final.running;
    return {
      study: name,
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

  async #publishMissing(study: StudyRef, retryFailed: boolean): Promise<number> {
    const tasks: Task[] = this.#store.unfinishedTasks(study.name, retryFailed);
    const routing = this.#store.studySpec(study.name)?.routing ?? [];
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

  async #collectUntilFinished(
    study: StudyRef,
    first: ResultCollector,
    onEvent: (event: SweepEvent) => void,
  ): Promise<void> {
    let collector = first;
    let lastLostCheck = Date.now();
    let lastWarning = 0;
    while (!this.#abort.signal.aborted) {
      const p = this.#store.progress(study.name);
      if (p.pending + p.running === 0) return;
      try {
        await collector.step(1000);
        if (Date.now() - lastLostCheck > this.#lostCheckIntervalMs) {
          lastLostCheck = Date.now();
          await this.#publishMissing(study, false);
        }
      } catch (err) {
        if (this.#abort.signal.aborted || this.#nc.isClosed()) return;
        let problem = err;
        if (isTopologyGone(err)) {
          // The broker came back without its store: rebuild, then republish what it lost.
          this.#log.warn('the NATS server lost its streams; recreating them and republishing');
          try {
            collector = await this.#openCollector(study, onEvent);
            await this.#publishMissing(study, false);
            continue;
          } catch (rebuildErr) {
            problem = rebuildErr;
          }
        }
        // A server restart surfaces here; the connection reconnects by itself.
        if (Date.now() - lastWarning > 10_000) {
          lastWarning = Date.now();
          this.#log.warn(`collecting failed, retrying: ${describeError(problem)}`);
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
