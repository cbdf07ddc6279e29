import { runCleanup } from '../shared/cleanup.js';
import type { CleanupStep } from '../shared/cleanup.js';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { Consumer, JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  describeError,
  TaskCancelledError,
  UnsupportedTaskError,
  ValidationError,
  WireFormatError,
} from '../shared/errors.js';
import { createLogger } from '../shared/log.js';
import type { Logger } from '../shared/log.js';
import { connectNats, drainOrClose } from '../shared/nats/connect.js';
import { resolveNatsConnectionOptions } from '../shared/nats/connection-options.js';
import type {
  NatsConnectionOptions,
  ResolvedNatsConnectionOptions,
} from '../shared/nats/connection-options.js';
import { publishWithRetry } from '../shared/nats/publish.js';
import {
  DEFAULT_POOL,
  POOL_PATTERN,
  resultSubject,
  TASK_STREAM,
  workerConsumerName,
} from '../shared/nats/subjects.js';
import {
  ensureStreams,
  ensureWorkerConsumer,
  isTopologyGone,
  openWorkerBucket,
  resolveReplicas,
  resolveTopologyOptions,
} from '../shared/nats/topology.js';
import { backendOptimizers, canTrain } from '../shared/capabilities.js';
import { RESULT_FORMAT_VERSION } from '../shared/task.js';
import type { Task } from '../shared/task.js';
import { encodeWire } from '../shared/wire/json.js';
import { parseTaskMessage, WIRE_VERSION } from '../shared/wire/messages.js';
import type { ResultMessage } from '../shared/wire/messages.js';
import type { TaskOutcome } from '../shared/result.js';
import { createTaskRunner } from './runner.js';
import type { TaskRunnerOptions } from './runner.js';
import type { TaskRunner } from '../shared/task-runner.js';
import { RunSlots } from './run-slots.js';
import { WorkerRegistry } from './worker-registry.js';

/** The fields every report about one delivery of a task carries. */
type ResultBase = Omit<Extract<ResultMessage, { type: 'started' }>, 'type'>;

export interface NatsWorkerOptions {
  /** Shown in `status` and recorded with each result. @default `<hostname>:<pid>` */
  name?: string;
  /** The pool of workers (capability class) whose tasks this worker takes. @default 'default' */
  pool?: string;
  /** On close, how long in-flight tasks may run on before they are handed back. Unit: ms. @default 10000 */
  graceMs?: number;
  /** How often the live-worker entry is refreshed. Unit: ms. @default 5000 */
  heartbeatMs?: number;
  /** How long one pull request waits for a task. Unit: ms. @default 5000 */
  pullExpiresMs?: number;
  /**
   * How often the pool consumer's ack wait and max deliveries are read again, so a `run` that
   * lowers --ack-wait is followed within this time. Unit: ms. @default 2000
   */
  configRefreshMs?: number;
  /**
   * Tasks pulled ahead per thread while the others train, so a thread that finishes never waits
   * for a pull round trip. Each one is kept alive (working()) from delivery, so its ack wait
   * cannot run out while it waits; close() hands them back at once. 0 pulls only for a free
   * thread. Unit: tasks per thread. @default 1
   */
  prefetchPerThread?: number;
  /**
   * A task's `started` report goes out once it has trained this long; a task that ends sooner
   * reports only its outcome, which says everything the start would (attempt, worker). This
   * saves short tasks a publish here, a stored message on the broker and a decode in the
   * coordinator: half the messages of a study of sub-second tasks. `status` shows a task as
   * running from its report on. 0 reports every start at once. Unit: ms. @default 1000
   */
  reportStartAfterMs?: number;
  nats?: NatsConnectionOptions;
  /** How start() builds the runner; startWith() takes one built already. */
  runner?: TaskRunnerOptions;
  /** Called once per task that ends on this worker, e.g. to feed a duration histogram. */
  onTaskSettled?: (settled: TaskSettled) => void;
}

/** How one task ended on this worker and how long it took from the start of its training. */
export interface TaskSettled {
  readonly outcome: 'done' | 'failed' | 'handed_back';
  /** Unit: seconds. */
  readonly seconds: number;
}

export interface ResolvedNatsWorkerOptions {
  readonly name: string;
  readonly pool: string;
  readonly graceMs: number;
  readonly heartbeatMs: number;
  readonly pullExpiresMs: number;
  readonly configRefreshMs: number;
  readonly prefetchPerThread: number;
  readonly reportStartAfterMs: number;
  readonly onTaskSettled: ((settled: TaskSettled) => void) | undefined;
}

export function resolveNatsWorkerOptions(o: NatsWorkerOptions = {}): ResolvedNatsWorkerOptions {
  const pool = o.pool ?? DEFAULT_POOL;
  if (!POOL_PATTERN.test(pool)) {
    throw new ValidationError(
      'pool',
      `expected 1-32 letters, digits, "_" or "-", got ${JSON.stringify(pool)}`,
    );
  }
  const name = o.name ?? `${hostname()}:${process.pid}`;
  if (name.trim() === '') throw new ValidationError('name', 'expected a non-empty worker name');
  const nonNegative = (field: string, v: number): number => {
    if (!Number.isFinite(v) || v < 0)
      throw new ValidationError(field, `expected a non-negative number, got ${v}`);
    return v;
  };
  const prefetch = o.prefetchPerThread ?? 1;
  if (!Number.isInteger(prefetch) || prefetch < 0 || prefetch > 16) {
    throw new ValidationError(
      'prefetchPerThread',
      `expected an integer from 0 to 16, got ${prefetch}`,
    );
  }
  return {
    name,
    pool,
    graceMs: nonNegative('graceMs', o.graceMs ?? 10_000),
    heartbeatMs: nonNegative('heartbeatMs', o.heartbeatMs ?? 5000),
    pullExpiresMs: nonNegative('pullExpiresMs', o.pullExpiresMs ?? 5000),
    configRefreshMs: Math.max(100, nonNegative('configRefreshMs', o.configRefreshMs ?? 2000)),
    prefetchPerThread: prefetch,
    reportStartAfterMs: nonNegative('reportStartAfterMs', o.reportStartAfterMs ?? 1000),
    onTaskSettled: o.onTaskSettled,
  };
}

export type WorkerState = 'starting' | 'running' | 'stopping' | 'stopped';

export interface WorkerStats {
  readonly tasksDone: number;
  readonly tasksFailed: number;
  readonly inFlight: number;
}

/**
 * A worker node: pulls tasks from its pool's JetStream consumer, one per thread plus
 * prefetchPerThread ahead (kept alive from delivery, since the ack-wait clock starts then),
 * trains them on its runner off the NATS thread, and hands back what it holds when closed.
 * Nothing waits on a round trip between two tasks: the `started` report is not awaited, and a
 * thread takes its next task while the last result's publish is acknowledged; the task message
 * is acked only once the server has stored its result.
 */
export class NatsWorker {
  readonly options: ResolvedNatsWorkerOptions;
  readonly #nc: NatsConnection;
  readonly #js: JetStreamClient;
  readonly #runner: TaskRunner;
  readonly #log: Logger;
  readonly #abort = new AbortController();
  /** Every task message held, from delivery until it is acked or handed back. */
  readonly #held = new Set<Promise<void>>();
  readonly #slots: RunSlots;
  #registry: WorkerRegistry | undefined;
  #state: WorkerState = 'starting';
  #done = 0;
  #failed = 0;
  #maxDeliver = 1;
  #ackWaitMs = 60_000;
  #jsm: JetStreamManager | undefined;
  #consumer: Consumer | undefined;
  #configTimer: NodeJS.Timeout | undefined;
  #wake: (() => void) | undefined;
  #loop: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  readonly #startedAt = new Date().toISOString();

  private constructor(
    nc: NatsConnection,
    runner: TaskRunner,
    options: ResolvedNatsWorkerOptions,
    log: Logger,
  ) {
    this.#nc = nc;
    this.#js = jetstream(nc);
    this.#runner = runner;
    this.#slots = new RunSlots(runner.threads);
    this.options = options;
    this.#log = log;
  }

  /** Connects, makes sure the streams and the pool's consumer exist, and starts pulling. */
  static async start(options: NatsWorkerOptions = {}, log?: Logger): Promise<NatsWorker> {
    // Bad options are refused before the runner's threads or processes are started.
    resolveNatsWorkerOptions(options);
    return NatsWorker.startWith(await createTaskRunner(options.runner ?? {}), options, log);
  }

  /**
   * start() with a runner built by the caller (a wrapped or fake one): the worker owns it from
   * here and closes it, also when starting fails. `options.runner` is ignored.
   */
  static async startWith(
    runner: TaskRunner,
    options: NatsWorkerOptions = {},
    log?: Logger,
  ): Promise<NatsWorker> {
    let resolved: ResolvedNatsWorkerOptions;
    let natsOptions: ResolvedNatsConnectionOptions;
    try {
      resolved = resolveNatsWorkerOptions(options);
      natsOptions = resolveNatsConnectionOptions({
        name: `widthsweep-worker ${resolved.name}`,
        ...options.nats,
      });
    } catch (err) {
      await runner.close();
      throw err;
    }
    const logger = log ?? createLogger(`worker ${resolved.name}`);
    let nc: NatsConnection;
    try {
      nc = await connectNats(natsOptions);
    } catch (err) {
      await runner.close();
      throw err;
    }
    const worker = new NatsWorker(nc, runner, resolved, logger);
    try {
      await worker.#init();
    } catch (err) {
      await worker.close();
      throw err;
    }
    return worker;
  }

  /** The backend this worker trains with (what `--backend auto` chose). */
  get backend(): string {
    return this.#runner.backend;
  }

  get threads(): number {
    return this.#runner.threads;
  }

  get state(): WorkerState {
    return this.#state;
  }

  get stats(): WorkerStats {
    return { tasksDone: this.#done, tasksFailed: this.#failed, inFlight: this.#slots.busy };
  }

  /** Resolves when the worker has stopped, by close() or because its connection closed. */
  get finished(): Promise<void> {
    return this.#loop ?? Promise.resolve();
  }

  async #init(): Promise<void> {
    this.#jsm = await jetstreamManager(this.#nc);
    const consumer = await this.#openConsumer();
    await this.#refreshConsumerConfig(consumer);
    const kv = await openWorkerBucket(this.#nc, resolveReplicas(this.#nc));
    this.#registry = new WorkerRegistry(kv, this.options.name, this.options.heartbeatMs, () => ({
      type: 'worker-heartbeat',
      name: this.options.name,
      host: hostname(),
      pid: process.pid,
      pool: this.options.pool,
      backend: this.#runner.backend,
      optimizers: backendOptimizers(this.#runner.backend),
      versions: this.#runner.versions,
      threads: this.#runner.threads,
      ...this.stats,
      startedAt: this.#startedAt,
      lastHeartbeat: new Date().toISOString(),
    }));
    await this.#registry.beat();
    this.#state = 'running';
    this.#log.info(
      `pulling pool '${this.options.pool}' with ${this.#runner.threads} ${this.#runner.backend} thread(s)`,
    );
    // Read on a timer, not in the pull loop: the loop waits while every thread is busy, which
    // is exactly when a lowered ack wait matters.
    this.#configTimer = setInterval(() => void this.#watchConfig(), this.options.configRefreshMs);
    this.#configTimer.unref();
    this.#loop = this.#pull();
  }

  /**
   * Makes sure the streams and the pool's consumer exist and binds to the consumer. Streams a
   * worker creates get the default replica count; only the coordinator rescales them.
   */
  async #openConsumer(): Promise<Consumer> {
    const jsm = this.#jsm as JetStreamManager;
    const topology = resolveTopologyOptions({ replicas: resolveReplicas(this.#nc) });
    await ensureStreams(jsm, topology);
    await ensureWorkerConsumer(jsm, this.options.pool, topology, false);
    this.#consumer = await this.#js.consumers.get(
      TASK_STREAM,
      workerConsumerName(this.options.pool),
    );
    return this.#consumer;
  }

  async #refreshConsumerConfig(consumer: Consumer): Promise<void> {
    const info = await consumer.info();
    this.#maxDeliver = info.config.max_deliver ?? -1;
    const ackWaitMs = Math.max(1000, (info.config.ack_wait ?? 30e9) / 1e6);
    if (ackWaitMs !== this.#ackWaitMs) {
      this.#log.info(`ack wait is now ${ackWaitMs / 1000} s`);
      this.#ackWaitMs = ackWaitMs;
    }
  }

  async #watchConfig(): Promise<void> {
    const consumer = this.#consumer;
    if (consumer === undefined || this.#state !== 'running') return;
    try {
      await this.#refreshConsumerConfig(consumer);
    } catch (err) {
      if (isTopologyGone(err)) await this.#recover().catch(() => undefined);
      // Anything else is a disconnect: the next tick tries again.
    }
  }

  /**
   * The server lost the stream or the consumer (restarted with a wiped store, or someone deleted
   * them): create them again, and the heartbeat bucket, and pull from the new consumer.
   */
  async #recover(): Promise<void> {
    this.#log.warn(`the pool consumer is gone; re-creating the streams and the consumer`);
    await this.#openConsumer();
    this.#registry?.rebind(await openWorkerBucket(this.#nc, resolveReplicas(this.#nc)));
  }

  /** Tasks held at most: one training per thread, prefetchPerThread waiting per thread. */
  get #maxHeld(): number {
    return this.#runner.threads * (1 + this.options.prefetchPerThread);
  }

  async #pull(): Promise<void> {
    let lastWarning = 0;
    while (this.#state === 'running') {
      while (this.#held.size >= this.#maxHeld && this.#state === 'running') {
        await new Promise<void>((resolve) => (this.#wake = resolve));
      }
      if (this.#state !== 'running') break;
      let msg: JsMsg | null;
      const consumer = this.#consumer as Consumer;
      try {
        msg = await consumer.next({ expires: this.options.pullExpiresMs });
      } catch (err) {
        if (this.#state !== 'running' || this.#nc.isClosed()) break;
        // Server restarts and missed heartbeats surface here; the connection reconnects by
        // itself, so wait and pull again, after re-creating the consumer if it is gone.
        if (Date.now() - lastWarning > 10_000) {
          lastWarning = Date.now();
          this.#log.warn(`pull failed, retrying: ${describeError(err)}`);
        }
        await sleep(1000);
        await this.#recoverIfGone(consumer, err);
        continue;
      }
      if (msg === null) continue;
      if (this.#state !== 'running') {
        msg.nak();
        break;
      }
      const handled = this.#handle(msg).finally(() => {
        this.#held.delete(handled);
        this.#wake?.();
      });
      this.#held.add(handled);
    }
  }

  async #recoverIfGone(consumer: Consumer, err: unknown): Promise<void> {
    try {
      if (!isTopologyGone(err)) await consumer.info();
      else await this.#recover();
    } catch (infoErr) {
      if (isTopologyGone(infoErr)) await this.#recover().catch(() => undefined);
    }
  }

  /**
   * Tells the server the task is still being worked on, at a quarter of the consumer's current
   * ack wait (re-read every configRefreshMs) and at least every 2 s, so that lowering the ack
   * wait to 4 s or more never redelivers a healthy task, and lower values are followed within
   * configRefreshMs.
   */
  #keepAlive(msg: JsMsg): () => void {
    let timer: NodeJS.Timeout | undefined;
    const tick = (): void => {
      msg.working();
      timer = setTimeout(tick, Math.max(250, Math.min(2000, this.#ackWaitMs / 4)));
    };
    timer = setTimeout(tick, Math.max(250, Math.min(2000, this.#ackWaitMs / 4)));
    return () => clearTimeout(timer);
  }

  async #publish(message: ResultMessage, kind: string, deadlineMs: number): Promise<void> {
    // One msgID per delivery (task copy and delivery count): a retried publish of this report
    // is dropped as a duplicate, while another training of the same task (another database,
    // another copy) is a different message.
    const msgID = `${message.taskId}:${message.taskSeq}:${message.attempt}:${kind}`;
    const subject = resultSubject({ name: message.study, key: message.studyKey });
    await publishWithRetry(this.#js, subject, encodeWire(message), msgID, { deadlineMs });
  }

  async #handle(msg: JsMsg): Promise<void> {
    let task: Task;
    let study: string;
    let studyKey: string;
    try {
      ({ task, study, studyKey } = parseTaskMessage(msg.data));
    } catch (err) {
      if (!(err instanceof WireFormatError)) throw err;
      this.#log.warn(`terminating an undecodable message on ${msg.subject}: ${err.message}`);
      msg.term();
      return;
    }
    if (task.formatVersion !== RESULT_FORMAT_VERSION) {
      // Another widthsweep version computes this task; leave it to a matching worker.
      this.#log.warn(
        `task ${task.id} has result format ${task.formatVersion}, this worker ${RESULT_FORMAT_VERSION}`,
      );
      msg.nak(60_000);
      return;
    }
    const base: ResultBase = {
      v: WIRE_VERSION,
      study,
      studyKey,
      taskId: task.id,
      worker: this.options.name,
      attempt: msg.info.deliveryCount,
      taskSeq: msg.info.streamSequence,
    };
    // Kept alive from delivery: a prefetched task may wait for a thread longer than the ack wait.
    const stopKeepAlive = this.#keepAlive(msg);
    try {
      if (!(await this.#slots.acquire())) {
        // Closing before a thread was free: hand it back untouched.
        this.#settled('handed_back', performance.now());
        msg.nak();
        return;
      }
      const startedAt = performance.now();
      let outcome: TaskOutcome | undefined;
      let failure: unknown;
      try {
        outcome = await this.#train(task, base);
      } catch (err) {
        failure = err;
      } finally {
        // Free the thread before this result's round trips: the next task trains meanwhile.
        this.#slots.release();
      }
      if (outcome !== undefined) await this.#finish(msg, task, base, outcome, startedAt);
      else await this.#fail(msg, task, base, failure, startedAt);
    } finally {
      stopKeepAlive();
    }
  }

  /**
   * Checks the task can run here and trains it; reports the start (without waiting for its ack)
   * if the training is still going after reportStartAfterMs.
   */
  async #train(task: Task, base: ResultBase): Promise<TaskOutcome> {
    const report = (): void => {
      this.#publish({ type: 'started', ...base }, 'started', 10_000).catch((err: unknown) =>
        this.#log.warn(`could not report the start of ${task.id}: ${describeError(err)}`),
      );
    };
    const delay = this.options.reportStartAfterMs;
    const timer = delay > 0 ? setTimeout(report, delay) : undefined;
    if (timer === undefined) report();
    try {
      this.#checkCapability(task);
      return await this.#runner.run(task, this.#abort.signal);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Publishes the outcome and waits for the server to have stored it; only then acks the task
   * (without waiting for that ack's reply: a lost ack redelivers the task, whose second result
   * the store ignores). A result that cannot be published leaves the task unacked.
   */
  async #finish(
    msg: JsMsg,
    task: Task,
    base: ResultBase,
    outcome: TaskOutcome,
    startedAt: number,
  ): Promise<void> {
    try {
      await this.#publish({ type: 'outcome', ...base, outcome, task }, 'outcome', 120_000);
    } catch (err) {
      // Without a stored result the task must not be acked: its next delivery trains it again.
      this.#log.warn(
        `could not publish the result of ${task.id}; it will be redelivered: ${describeError(err)}`,
      );
      return;
    }
    this.#done++;
    this.#settled('done', startedAt);
    msg.ack();
  }

  /** A cancelled task is handed back; a failed one is reported, then retried or given up. */
  async #fail(
    msg: JsMsg,
    task: Task,
    base: ResultBase,
    err: unknown,
    startedAt: number,
  ): Promise<void> {
    if (err instanceof TaskCancelledError || this.#abort.signal.aborted) {
      this.#settled('handed_back', startedAt);
      msg.nak();
      return;
    }
    this.#failed++;
    this.#settled('failed', startedAt);
    const attempt = base.attempt;
    const final =
      err instanceof UnsupportedTaskError || (this.#maxDeliver > 0 && attempt >= this.#maxDeliver);
    const error = describeError(err);
    this.#log.warn(
      `task ${task.id} attempt ${attempt} failed${final ? ' for good' : ''}: ${error}`,
    );
    try {
      await this.#publish(
        { type: 'attempt-failed', ...base, task, error, final },
        'failed',
        60_000,
      );
    } catch (publishErr) {
      this.#log.warn(`could not report the failure of ${task.id}: ${describeError(publishErr)}`);
    }
    if (final) msg.ack();
    else msg.nak(Math.min(30_000, 1000 * 2 ** (attempt - 1)));
  }

  /** Refuses, for good, a task this worker's backend cannot train (shared/capabilities.ts). */
  #checkCapability(task: Task): void {
    const backend = this.#runner.backend;
    if (canTrain({ backend, optimizers: backendOptimizers(backend) }, task)) return;
    throw new UnsupportedTaskError(
      task.id,
      'train.optimizer',
      `worker ${this.options.name} trains on ${backend}, which does not run train.optimizer ` +
        `${task.train.optimizer} (it runs ${backendOptimizers(backend).join(', ')}); route the ` +
        `task to a pool whose workers do`,
    );
  }

  #settled(outcome: TaskSettled['outcome'], startedAt: number): void {
    try {
      this.options.onTaskSettled?.({ outcome, seconds: (performance.now() - startedAt) / 1000 });
    } catch (err) {
      this.#log.warn(`onTaskSettled threw: ${describeError(err)}`);
    }
  }

  /**
   * Idempotent. Stops pulling, hands back the prefetched tasks no thread has started, lets
   * training tasks finish for up to graceMs, hands back the rest (nak), closes the thread pool, leaves the live-worker list and drains the connection.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    if (this.#state === 'stopped') return;
    this.#state = 'stopping';
    // Prefetched tasks go back now, not after the grace: another worker can take them at once.
    this.#slots.close();
    clearInterval(this.#configTimer);
    this.#wake?.();
    const steps: CleanupStep[] = [
      ['stop pulling', async () => this.#loop],
      [
        'finish or hand back in-flight tasks',
        async () => {
          const all = Promise.allSettled([...this.#held]);
          const timer = setTimeout(() => this.#abort.abort(), this.options.graceMs);
          await all;
          clearTimeout(timer);
        },
      ],
      ['close the thread pool', () => this.#runner.close()],
      ['leave the live-worker list', async () => this.#registry?.remove()],
      ['drain the NATS connection', () => drainOrClose(this.#nc)],
    ];
    try {
      await runCleanup(steps, 'worker');
    } finally {
      this.#state = 'stopped';
    }
  }
}
