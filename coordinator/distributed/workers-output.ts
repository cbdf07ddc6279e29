import { connectNats } from '../../shared/nats/connect.js';
import { resolveNatsConnectionOptions } from '../../shared/nats/connection-options.js';
import type { NatsConnectionOptions } from '../../shared/nats/connection-options.js';
import { openWorkerBucket, resolveReplicas } from '../../shared/nats/topology.js';
import { listWorkers, type WorkerHeartbeat } from '../../shared/wire/heartbeat.js';
import { formatTable } from '../format.js';

/** The live workers as their heartbeats in the KV bucket describe them. */
export async function fetchLiveWorkers(options: NatsConnectionOptions): Promise<WorkerHeartbeat[]> {
  const nc = await connectNats(
    resolveNatsConnectionOptions({ connectTimeoutMs: 10_000, ...options }),
  );
  try {
    return await listWorkers(await openWorkerBucket(nc, resolveReplicas(nc)));
  } finally {
    await nc.close();
  }
}

/** The workers table's columns, in order. */
export const WORKER_COLUMNS = [
  'name',
  'host',
  'pool',
  'backend',
  'optimizers',
  'threads',
  'in_flight',
  'done',
  'failed',
  'last_heartbeat',
] as const;

/** One row per worker, as `status --nats` and the dashboard show it. */
export function workerRows(
  workers: readonly WorkerHeartbeat[],
  now = Date.now(),
): Array<Record<(typeof WORKER_COLUMNS)[number], string | number>> {
  return workers.map((w) => ({
    name: w.name,
    host: w.host,
    pool: w.pool,
    backend: w.backend,
    optimizers: w.optimizers.join(','),
    threads: w.threads,
    in_flight: w.inFlight,
    done: w.tasksDone,
    failed: w.tasksFailed,
    last_heartbeat: `${Math.max(0, Math.round((now - Date.parse(w.lastHeartbeat)) / 1000))}s ago`,
  }));
}

export function renderWorkers(workers: readonly WorkerHeartbeat[]): string {
  if (workers.length === 0) return 'no live workers';
  return `live workers\n${formatTable(WORKER_COLUMNS, workerRows(workers))}`;
}
