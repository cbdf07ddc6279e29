import { EventEmitter } from 'node:events';
import type { DashboardQueries } from './queries.js';

/** What changed, as the event streams announce it. */
export interface DbChange {
  /** SQLite's data_version after the change. */
  readonly version: number;
  /** The newest result's rowid: moves only when a result was stored. */
  readonly resultMark: number;
}

/**
 * Notices commits by other connections (the coordinator's) without reading rows: every tick asks
 * SQLite for `PRAGMA data_version`, a counter kept in shared memory that moves when another
 * connection commits. Only then does it read the one-row result mark. Emits `change`.
 */
export class DbWatcher extends EventEmitter<{ change: [DbChange] }> {
  readonly #queries: DashboardQueries;
  readonly #timer: NodeJS.Timeout;
  #version: number;
  #mark: number;

  constructor(queries: DashboardQueries, intervalMs: number) {
    super();
    this.#queries = queries;
    this.#version = queries.dataVersion();
    this.#mark = queries.resultMark();
    this.#timer = setInterval(() => this.#tick(), intervalMs);
    this.#timer.unref();
  }

  get current(): DbChange {
    return { version: this.#version, resultMark: this.#mark };
  }

  #tick(): void {
    const version = this.#queries.dataVersion();
    if (version === this.#version) return;
    this.#version = version;
    this.#mark = this.#queries.resultMark();
    this.emit('change', this.current);
  }

  close(): void {
    clearInterval(this.#timer);
    this.removeAllListeners();
  }
}
