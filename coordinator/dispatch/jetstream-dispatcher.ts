import { setTimeout as sleep } from 'node:timers/promises';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { describeError } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import { connectNats, drainOrClose } from '../../shared/nats/connect.js';
import {
  describeServers,
  resolveNatsConnectionOptions,
} from '../../shared/nats/connection-options.js';
import type { NatsConnectionOptions } from '../../shared/nats/connection-options.js';
import { claimStudy } from '../../shared/nats/study-claim.js';
import { DEFAULT_POOL, TASK_STREAM, workerConsumerName } from '../../shared/nats/subjects.js';
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
import { checkPoolCapabilities } from '../distributed/capability-check.js';
import type { JetStreamLedger } from '../distributed/ledger.js';
import { ResultCollector } from '../distributed/result-collector.js';
import { publishMissingTasks } from '../distributed/task-publisher.js';
import type { DispatchJob, Dispatcher } from './dispatcher.js';

/**
 * While fewer results than this arrive per collecting step, the next step waits GATHER_MS
 * first: with near-zero tasks a step per result cost the coordinator 2-3 ms of CPU per result
 * (most of it the consumer info and pull requests and a commit), against a tenth of that in a
 * batch. A result is stored at most this much later (Unit: ms). 100 rather than 20: one worker
 * lane of 12 ms tasks then cost the coordinator 2.9-3.2 ms of CPU per task instead of 4.3-5.0
 * (bench:dispatch, three runs each), CPU that a 2-core machine takes from the workers; at
 * thousands of results a second a step handles GATHER_BELOW or more and does not wait.
 */
const GATHER_BELOW = 256;
const GATHER_MS = 100;

export interface JetStreamDispatcherOptions {
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
  /**
   * Refuse a run, publishing nothing, when a routed pool has no live worker that can train its
   * tasks (else a warning). @default false
   */
  strict?: boolean;
}

/**
 * Dispatches through JetStream: publishes a study's unfinished tasks to the work queue and
 * collects results from workers anywhere. Workers keep working while no coordinator runs;
 * results wait in a durable stream until the next `run` or `collect`. What it keeps in the
 * database (stream sequences, dead letters) goes through its JetStreamLedger; results go to the
 * core's sink.
 */
export class JetStreamDispatcher implements Dispatcher {
  readonly backend = 'nats';
  readonly #ledger: JetStreamLedger;
  readonly #nc: NatsConnection;
  readonly #js: JetStreamClient;
  readonly #jsm: JetStreamManager;
  readonly #topology: ResolvedTopologyOptions;
  readonly #lostCheckIntervalMs: number;
  readonly #impose: boolean;
  readonly #takeOver: boolean;
  readonly #strict: boolean;
  readonly #log: Logger;
  readonly servers: string;
  #closing: Promise<void> | undefined;

  private constructor(
    ledger: JetStreamLedger,
    nc: NatsConnection,
    jsm: JetStreamManager,
    topology: ResolvedTopologyOptions,
    options: JetStreamDispatcherOptions,
    servers: string,
    log: Logger,
  ) {
    this.#ledger = ledger;
    this.#nc = nc;
    this.#js = jetstream(nc);
    this.#jsm = jsm;
    this.#topology = topology;
    this.#lostCheckIntervalMs = options.lostCheckIntervalMs ?? 60_000;
    this.#impose = options.topology !== undefined;
    this.#takeOver = options.takeOver === true;
    this.#strict = options.strict === true;
    this.servers = servers;
    this.#log = log;
  }

  /** Connects and makes sure the streams exist. */
  static async connect(
    ledger: JetStreamLedger,
    options: JetStreamDispatcherOptions,
    log: Logger,
  ): Promise<JetStreamDispatcher> {
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
      const servers = describeServers(natsOptions);
      return new JetStreamDispatcher(ledger, nc, jsm, topology, options, servers, log);
    } catch (err) {
      await nc.close();
      throw err;
    }
  }

  /** A `run`: every routed pool has a consumer, and (strict) a live worker that can train it. */
  async prepare(job: DispatchJob): Promise<void> {
    await checkPoolCapabilities(
      this.#nc,
      job.openTasks(true),
      job.spec.routing,
      this.#strict,
      this.#log,
    );
    for (const pool of poolsOf(job.spec.routing)) {
      await ensureWorkerConsumer(this.#jsm, pool, this.#topology, this.#impose);
    }
  }

  async dispatch(job: DispatchJob): Promise<void> {
    const collector = await this.#openCollector(job);
    // Results that arrived while no coordinator ran are stored before anything is republished.
    await collector.drainBacklog();
    const published = await this.#publishMissing(job, job.retryFailed);
    job.started(`workers via ${this.servers} (${published} task(s) published)`);
    if (!job.once) await this.#collectUntilFinished(job, collector);
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
  async #openCollector(job: DispatchJob): Promise<ResultCollector> {
    await ensureStreams(this.#jsm, this.#topology, this.#impose);
    for (const pool of poolsOf(job.spec.routing)) {
      await ensureWorkerConsumer(this.#jsm, pool, this.#topology, this.#impose);
    }
    // Claimed before anything is read: another database's study of the same name is refused.
    await claimStudy(
      await openStudyBucket(this.#nc, this.#topology.replicas),
      job.study,
      this.#takeOver,
    );
    await ensureCollectorConsumers(this.#jsm, job.study);
    return ResultCollector.open(
      this.#ledger,
      job.sink,
      this.#js,
      this.#jsm,
      job.study,
      await this.#maxDeliver(),
      this.#log,
    );
  }

  async #publishMissing(job: DispatchJob, retryFailed: boolean): Promise<number> {
    const routing = job.spec.routing;
    const summary = await publishMissingTasks(
      this.#js,
      this.#jsm,
      this.#ledger,
      job.study,
      job.openTasks(retryFailed),
      (task) => poolFor(routing, task),
      this.#log,
    );
    if (summary.published > 0) {
      this.#log.info(`published ${summary.published} task(s); ${summary.queued} already queued`);
    }
    return summary.published;
  }

  async #collectUntilFinished(job: DispatchJob, first: ResultCollector): Promise<void> {
    let collector = first;
    let lastLostCheck = Date.now();
    let lastWarning = 0;
    while (!job.signal.aborted) {
      if (job.settled()) return;
      try {
        const handled = await collector.step(1000);
        // A trickle of results: let a few milliseconds of them gather, so that one step (a
        // consumer info, a pull, a commit) stores them together rather than one at a time.
        if (handled > 0 && handled < GATHER_BELOW) await sleep(GATHER_MS);
        if (Date.now() - lastLostCheck > this.#lostCheckIntervalMs) {
          lastLostCheck = Date.now();
          await this.#publishMissing(job, false);
        }
      } catch (err) {
        if (job.signal.aborted || this.#nc.isClosed()) return;
        let problem = err;
        if (isTopologyGone(err)) {
          // The broker came back without its store: rebuild, then republish what it lost.
          this.#log.warn('the NATS server lost its streams; recreating them and republishing');
          try {
            collector = await this.#openCollector(job);
            await this.#publishMissing(job, false);
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

  /** Unacked results stay in the stream for the next coordinator; drains the connection. */
  close(): Promise<void> {
    this.#closing ??= drainOrClose(this.#nc);
    return this.#closing;
  }
}
