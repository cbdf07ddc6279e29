import { connectNats } from '../../shared/nats/connect.js';
import { resolveNatsConnectionOptions } from '../../shared/nats/connection-options.js';
import type { NatsConnectionOptions } from '../../shared/nats/connection-options.js';
import { openWorkerBucket, resolveReplicas } from '../../shared/nats/topology.js';
import { listWorkers, type WorkerHeartbeat } from '../../shared/wire/heartbeat.js';
import { formatTable } from './format.js';

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

export function renderWorkers(workers: readonly WorkerHeartbeat[]): string {
  if (workers.length === 0) return 'no live workers';
  const now = Date.now();
  const rows = workers.map((w) => ({
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
  const columns = [
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
  ];
  return `live workers\n${formatTable(columns, rows)}`;
}
