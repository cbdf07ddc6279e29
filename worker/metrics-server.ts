import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeError, ValidationError } from '../shared/errors.js';
import type { WorkerMetrics } from './worker-metrics.js';

export interface MetricsServerOptions {
  /** TCP port of `/healthz` and `/metrics`; 0 lets the system pick a free one. */
  port: number;
  /**
   * Address to listen on. @default '0.0.0.0', since Kubernetes probes and Prometheus scrape the
   * pod or node address, not loopback
   */
  host?: string;
}

export interface ResolvedMetricsServerOptions {
  readonly port: number;
  readonly host: string;
}

export function resolveMetricsServerOptions(o: MetricsServerOptions): ResolvedMetricsServerOptions {
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) {
    throw new ValidationError('metricsPort', `expected a TCP port 0-65535, got ${o.port}`);
  }
  return { port: o.port, host: o.host ?? '0.0.0.0' };
}

/**
 * The worker's HTTP side: `GET /healthz` answers 200 while the worker runs and 503 while it
 * starts, stops or has stopped (so a readiness probe takes a stopping worker out of rotation
 * and a liveness probe restarts a dead one); `GET /metrics` is the Prometheus text format.
 */
export class MetricsServer {
  readonly options: ResolvedMetricsServerOptions;
  readonly #server: Server;
  readonly #metrics: WorkerMetrics;
  #closing: Promise<void> | undefined;

  private constructor(
    server: Server,
    metrics: WorkerMetrics,
    options: ResolvedMetricsServerOptions,
  ) {
    this.#server = server;
    this.#metrics = metrics;
    this.options = options;
  }

  static async start(
    metrics: WorkerMetrics,
    options: MetricsServerOptions,
  ): Promise<MetricsServer> {
    const resolved = resolveMetricsServerOptions(options);
    const server = createServer();
    const self = new MetricsServer(server, metrics, resolved);
    server.on('request', (req, res) => void self.#respond(req, res));
    // Probes and scrapes must never keep a worker process alive: when the worker ends, even
    // through an error that skips close(), the process exits.
    server.unref();
    server.on('connection', (socket) => socket.unref());
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(resolved.port, resolved.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return self;
  }

  /** The port listened on (the chosen one when started with port 0). */
  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  async #respond(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/healthz') {
      const { healthy, state } = this.#metrics.health();
      res
        .writeHead(healthy ? 200 : 503, { 'content-type': 'text/plain; charset=utf-8' })
        .end(`${state}\n`);
      return;
    }
    if (path === '/metrics') {
      try {
        const body = await this.#metrics.registry.metrics();
        res.writeHead(200, { 'content-type': this.#metrics.registry.contentType }).end(body);
      } catch (err) {
        res
          .writeHead(500, { 'content-type': 'text/plain; charset=utf-8' })
          .end(`could not collect metrics: ${describeError(err)}\n`);
      }
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
  }

  /** Idempotent; open keep-alive connections (Prometheus keeps one) are closed too. */
  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
    return this.#closing;
  }
}
