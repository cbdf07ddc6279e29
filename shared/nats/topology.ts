import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
} from '@nats-io/jetstream';
import type { ConsumerConfig, JetStreamManager, StreamConfig } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { ValidationError } from '../errors.js';
import {
  ADVISORY_STREAM,
  ALL_RESULTS,
  ALL_TASKS,
  advisoryConsumerName,
  collectorConsumerName,
  maxDeliveriesAdvisorySubject,
  STUDY_BUCKET,
  poolTaskFilter,
  RESULT_STREAM,
  resultSubject,
  TASK_STREAM,
  WORKER_BUCKET,
  workerConsumerName,
} from './subjects.js';
import type { StudyRef } from './subjects.js';

export interface TopologyOptions {
  /** Deliveries of a task before it is failed for good. @default 3 */
  maxDeliver?: number;
  /** How long a delivered task may go without an ack or a working() heartbeat. Unit: ms. @default 60000 */
  ackWaitMs?: number;
  /** Stream replicas in a clustered JetStream. @default 1 */
  replicas?: number;
}

export interface ResolvedTopologyOptions {
  readonly maxDeliver: number;
  readonly ackWaitMs: number;
  readonly replicas: number;
}

export function resolveTopologyOptions(o: TopologyOptions = {}): ResolvedTopologyOptions {
  const check = (field: string, value: number, min: number): number => {
    if (!Number.isInteger(value) || value < min) {
      throw new ValidationError(field, `expected an integer >= ${min}, got ${value}`);
    }
    return value;
  };
  return {
    maxDeliver: check('maxDeliver', o.maxDeliver ?? 3, 1),
    ackWaitMs: check('ackWaitMs', o.ackWaitMs ?? 60_000, 1000),
    replicas: check('replicas', o.replicas ?? 1, 1),
  };
}

const NS_PER_MS = 1_000_000;
const DAY_MS = 24 * 3600 * 1000;
/** How long the coordinator may hold a batch of results unacked. Unit: ms. */
export const COLLECTOR_ACK_WAIT_MS = 15_000;
/** A worker that has not been heard from for this long drops out of `status`. Unit: ms. */
export const WORKER_TTL_MS = 30_000;

/**
 * A stream or consumer that is not there: deleted, or the server lost its store. Matched by the
 * client's error classes and the server's API codes, never by message text.
 */
export function isTopologyGone(err: unknown): boolean {
  // StreamNotFoundError and ConsumerNotFoundError are JetStreamApiErrors with these codes; the
  // package exports only the base class.
  return (
    err instanceof JetStreamApiError &&
    (err.code === JetStreamApiCodes.StreamNotFound ||
      err.code === JetStreamApiCodes.ConsumerNotFound)
  );
}

async function ensureStream(
  jsm: JetStreamManager,
  config: Partial<StreamConfig> & { name: string },
  update: boolean,
): Promise<void> {
  try {
    const info = await jsm.streams.info(config.name);
    // Only the coordinator rescales, so that workers started with defaults never undo it.
    if (update && info.config.num_replicas !== config.num_replicas) {
      await jsm.streams.update(config.name, {
        ...info.config,
        num_replicas: config.num_replicas ?? 1,
      });
    }
  } catch (err) {
    if (!isTopologyGone(err)) throw err;
    await jsm.streams.add(config);
  }
}

/**
 * Streams every participant needs; idempotent, safe to run from many processes at once. With
 * update=true (the coordinator) existing streams are brought to `o.replicas`.
 */
export async function ensureStreams(
  jsm: JetStreamManager,
  o: ResolvedTopologyOptions,
  update = false,
): Promise<void> {
  const replicas = o.replicas;
  // Tasks and results: work queues whose 2-minute duplicate window dedupes retried publishes.
  for (const [name, subject] of [
    [TASK_STREAM, ALL_TASKS],
    [RESULT_STREAM, ALL_RESULTS],
  ] as const) {
    await ensureStream(
      jsm,
      {
        name,
        subjects: [subject],
        retention: RetentionPolicy.Workqueue,
        storage: StorageType.File,
        num_replicas: replicas,
        duplicate_window: 2 * 60 * 1000 * NS_PER_MS,
      },
      update,
    );
  }
  // Advisories are plain core-NATS messages: kept in a stream, none is lost while no
  // coordinator is running.
  await ensureStream(
    jsm,
    {
      name: ADVISORY_STREAM,
      subjects: [maxDeliveriesAdvisorySubject('*')],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      num_replicas: replicas,
      max_age: 7 * DAY_MS * NS_PER_MS,
    },
    update,
  );
}

async function ensureConsumer(
  jsm: JetStreamManager,
  stream: string,
  config: Partial<ConsumerConfig> & { durable_name: string },
  update: boolean,
): Promise<void> {
  try {
    const info = await jsm.consumers.info(stream, config.durable_name);
    if (
      update &&
      (info.config.max_deliver !== config.max_deliver || info.config.ack_wait !== config.ack_wait)
    ) {
      await jsm.consumers.update(stream, config.durable_name, {
        ...(config.max_deliver === undefined ? {} : { max_deliver: config.max_deliver }),
        ...(config.ack_wait === undefined ? {} : { ack_wait: config.ack_wait }),
      });
    }
  } catch (err) {
    if (!isTopologyGone(err)) throw err;
    await jsm.consumers.add(stream, config);
  }
}

/**
 * The pull consumer a pool's workers share. The coordinator passes update=true so its
 * max_deliver and ack_wait win; workers only create it when it is missing.
 */
export async function ensureWorkerConsumer(
  jsm: JetStreamManager,
  pool: string,
  o: ResolvedTopologyOptions,
  update: boolean,
): Promise<void> {
  await ensureConsumer(
    jsm,
    TASK_STREAM,
    {
      durable_name: workerConsumerName(pool),
      filter_subject: poolTaskFilter(pool),
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      max_deliver: o.maxDeliver,
      ack_wait: o.ackWaitMs * NS_PER_MS,
      max_ack_pending: 100_000,
      max_waiting: 4096,
    },
    update,
  );
}

/** The coordinator's durable consumers for one study: its results and max-deliveries advisories. */
export async function ensureCollectorConsumers(
  jsm: JetStreamManager,
  study: StudyRef,
): Promise<void> {
  const common = {
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    // A batch is acked milliseconds after its transaction; a short wait lets the next
    // coordinator take over quickly from one that was killed holding a batch.
    ack_wait: COLLECTOR_ACK_WAIT_MS * NS_PER_MS,
    max_ack_pending: 100_000,
    // A finished study's consumers go away by themselves after a week without a coordinator.
    inactive_threshold: 7 * DAY_MS * NS_PER_MS,
  };
  await ensureConsumer(
    jsm,
    RESULT_STREAM,
    { ...common, durable_name: collectorConsumerName(study), filter_subject: resultSubject(study) },
    false,
  );
  await ensureConsumer(
    jsm,
    ADVISORY_STREAM,
    { ...common, durable_name: advisoryConsumerName(study) },
    false,
  );
}

/**
 * The bucket of live-worker heartbeats; entries expire with the bucket-wide TTL. An existing
 * bucket is opened as it is (replicas only apply when it is created).
 */
export async function openWorkerBucket(nc: NatsConnection, replicas = 1): Promise<KV> {
  return new Kvm(nc).create(WORKER_BUCKET, { ttl: WORKER_TTL_MS, history: 1, replicas });
}

/** Which database serves which study name (see claimStudy). */
export async function openStudyBucket(nc: NatsConnection, replicas = 1): Promise<KV> {
  return new Kvm(nc).create(STUDY_BUCKET, { history: 1, replicas });
}

/**
 * How many servers the connected one reports in its cluster: the client URLs it advertises,
 * one per server (itself included); 1 when it is not clustered.
 */
export function clusterSize(nc: NatsConnection): number {
  const info = nc.info;
  if (info?.cluster === undefined) return 1;
  return Math.max(1, new Set(info.connect_urls ?? []).size);
}

/**
 * The replica count for streams and buckets: `requested`, or 3 on a cluster of 3 or more and 1
 * otherwise. Refuses more replicas than the cluster has servers (JetStream would refuse the
 * stream later with a less helpful message).
 */
export function resolveReplicas(nc: NatsConnection, requested?: number): number {
  const servers = clusterSize(nc);
  if (requested === undefined) return servers >= 3 ? 3 : 1;
  if (!Number.isInteger(requested) || requested < 1 || requested > 5) {
    throw new ValidationError('replicas', `expected an integer from 1 to 5, got ${requested}`);
  }
  if (requested > servers) {
    throw new ValidationError(
      'replicas',
      `${requested} replicas need a JetStream cluster of at least ${requested} servers; the server reports ${servers}`,
    );
  }
  return requested;
}
