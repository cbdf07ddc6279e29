import { describeError } from '../../shared/errors.js';
import type { NatsConnectionOptions } from '../../shared/nats/connection-options.js';
import { fetchLiveWorkers, WORKER_COLUMNS, workerRows } from '../distributed/workers-output.js';
import { escapeHtml, htmlTable } from '../report/html.js';

/** How long one read of the heartbeat bucket serves every page asking. Unit: ms. */
const CACHE_MS = 3000;

/** The live workers table from the KV heartbeats, read at most every few seconds. */
export class WorkersView {
  readonly #nats: NatsConnectionOptions;
  #cached: { at: number; html: Promise<string> } | null = null;

  constructor(nats: NatsConnectionOptions) {
    this.#nats = nats;
  }

  html(): Promise<string> {
    const now = Date.now();
    if (this.#cached !== null && now - this.#cached.at < CACHE_MS) return this.#cached.html;
    const html = fetchLiveWorkers(this.#nats).then(
      (workers) =>
        workers.length === 0
          ? '<p class="meta">No live workers (no heartbeat in the last 30 s).</p>'
          : htmlTable(WORKER_COLUMNS, workerRows(workers)),
      (err: unknown) =>
        `<p class="warning">Cannot read worker heartbeats: ${escapeHtml(describeError(err))}</p>`,
    );
    this.#cached = { at: now, html };
    return html;
  }
}
