import { Worker } from 'node:worker_threads';
import type { AnalysisView } from './analysis-view.js';
import type { AnalysisReply, AnalysisRequest } from './analysis-worker.js';

interface Entry {
  /** The result mark (newest result rowid) the analysis was started at. */
  readonly mark: number;
  readonly view: Promise<AnalysisView>;
}

/**
 * Analyses studies in one worker thread, one at a time, and keeps the latest analysis of each
 * study until a new result is stored (the result mark moves). Concurrent requests for the same
 * study and mark share one run.
 */
export class AnalysisService {
  readonly #worker: Worker;
  readonly #pending = new Map<
    number,
    { resolve: (v: AnalysisView) => void; reject: (e: Error) => void }
  >();
  readonly #cache = new Map<string, Entry>();
  #nextId = 1;

  constructor(dbPath: string) {
    this.#worker = new Worker(new URL('./analysis-worker.js', import.meta.url), {
      workerData: { db: dbPath },
    });
    this.#worker.unref();
    this.#worker.on('message', (reply: AnalysisReply) => {
      const waiter = this.#pending.get(reply.id);
      this.#pending.delete(reply.id);
      if (reply.ok) waiter?.resolve(reply.view);
      else waiter?.reject(new Error(reply.error));
    });
    this.#worker.on('error', (err) => {
      for (const waiter of this.#pending.values()) waiter.reject(err);
      this.#pending.clear();
    });
  }

  /** The study's analysis as of `mark`; a cached one when no result arrived since. */
  analysis(study: string, mark: number): Promise<AnalysisView> {
    const cached = this.#cache.get(study);
    if (cached !== undefined && cached.mark === mark) return cached.view;
    const id = this.#nextId++;
    const view = new Promise<AnalysisView>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ id, study } satisfies AnalysisRequest);
    });
    // A failed run is not cached: the next request tries again.
    view.catch(() => {
      if (this.#cache.get(study)?.view === view) this.#cache.delete(study);
    });
    this.#cache.set(study, { mark, view });
    return view;
  }

  async close(): Promise<void> {
    await this.#worker.terminate();
  }
}
