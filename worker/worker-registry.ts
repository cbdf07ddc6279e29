import type { KV } from '@nats-io/kv';
import type { WorkerHeartbeat } from '../shared/wire/heartbeat.js';

/** KV keys allow letters, digits and -/_=. only. */
export function workerKey(name: string): string {
  return name.replace(/[^-/_=.a-zA-Z0-9]/g, '_');
}

/**
 * Keeps this worker's entry fresh in the bucket; the bucket's TTL drops it when the worker
 * dies without saying goodbye.
 */
export class WorkerRegistry {
  #kv: KV;
  readonly #key: string;
  readonly #snapshot: () => WorkerHeartbeat;
  readonly #timer: NodeJS.Timeout;

  constructor(kv: KV, name: string, intervalMs: number, snapshot: () => WorkerHeartbeat) {
    this.#kv = kv;
    this.#key = workerKey(name);
    this.#snapshot = snapshot;
    this.#timer = setInterval(() => void this.beat(), intervalMs);
    this.#timer.unref();
  }

  /** Uses a re-created bucket from now on (the server lost its store). */
  rebind(kv: KV): void {
    this.#kv = kv;
  }

  async beat(): Promise<void> {
    try {
      await this.#kv.put(this.#key, JSON.stringify(this.#snapshot()));
    } catch {
      // Disconnected: the next beat after the reconnect puts it back.
    }
  }

  async remove(): Promise<void> {
    clearInterval(this.#timer);
    try {
      await this.#kv.delete(this.#key);
    } catch {
      // The TTL removes it anyway.
    }
  }
}
