/**
 * A worker thread that times benchmark cases on one backend (worker/bench/bench-suite.ts), so
 * that every backend gets its own thread and tfjs engine, initialised once, exactly as a sweep's
 * threads do.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadBackend } from '../backend-context.js';
import { isBackendName } from '../backends.js';
import { timeBenchCase } from './bench-case.js';
import { isBenchRequest, type BenchReply } from './bench-protocol.js';

const port = parentPort;
if (port === null) throw new Error('bench-thread runs as a worker thread');

function post(reply: BenchReply): void {
  port?.postMessage(reply);
}

const backend: unknown = (workerData as { backend?: unknown } | null)?.backend;
try {
  if (!isBackendName(backend)) throw new TypeError(`unknown backend ${String(backend)}`);
  const ctx = await loadBackend(backend);
  port.on('message', (raw: unknown) => {
    if (!isBenchRequest(raw)) return;
    timeBenchCase(ctx, raw.benchCase).then(
      (timing) => post({ type: 'timing', id: raw.id, timing }),
      (err: unknown) => post({ type: 'error', id: raw.id, message: String(err) }),
    );
  });
  post({ type: 'ready', versions: ctx.versions });
} catch (err) {
  post({ type: 'init-failed', message: err instanceof Error ? err.message : String(err) });
}
