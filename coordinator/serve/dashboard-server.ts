import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { ServerType } from '@hono/node-server';
import { AnalysisService } from './analysis-service.js';
import { loadAssets } from './assets.js';
import { DbWatcher } from './db-watcher.js';
import { DashboardQueries } from './queries.js';
import { openReadConnection } from './read-connection.js';
import { dashboardApp } from './routes.js';
import { resolveServeOptions } from './serve-options.js';
import type { ServeOptions } from './serve-options.js';
import { WorkersView } from './workers-view.js';

export interface Dashboard {
  /** Where it listens, e.g. http://127.0.0.1:8321/ */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Starts `widthsweep serve`: a read-only connection, a watcher, the routes, a listening server. */
export async function startDashboard(options: ServeOptions = {}): Promise<Dashboard> {
  const resolved = resolveServeOptions(options);
  const db = openReadConnection(resolved.db);
  const queries = new DashboardQueries(db);
  const watcher = new DbWatcher(queries, resolved.watchIntervalMs);
  const analysis = new AnalysisService(resolved.db);
  const app = dashboardApp({
    options: resolved,
    db,
    queries,
    watcher,
    analysis,
    assets: loadAssets(),
    workers: resolved.nats === null ? null : new WorkersView(resolved.nats),
  });
  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: resolved.host, port: resolved.port }, () =>
      resolve(s),
    );
    s.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  const host = resolved.host.includes(':')
    ? `[${resolved.host.replace(/^\[|\]$/g, '')}]`
    : resolved.host;
  return {
    url: `http://${host}:${port}/`,
    port,
    close: async () => {
      watcher.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Event streams never end by themselves.
        if ('closeAllConnections' in server) server.closeAllConnections();
      });
      await analysis.close();
      db.close();
    },
  };
}
