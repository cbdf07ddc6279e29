import { setTimeout as sleep } from 'node:timers/promises';
import type { JetStreamClient, PubAck } from '@nats-io/jetstream';

export interface PublishRetryOptions {
  /** Give up after this long. Unit: ms. @default 120000 */
  deadlineMs?: number;
  /** Per-attempt wait for the server's ack. Unit: ms. @default 5000 */
  timeoutMs?: number;
  /** Stops retrying early (the caller is closing). */
  signal?: AbortSignal;
}

/**
 * A JetStream publish that survives timeouts and reconnects. A publish can time out and still be
 * stored (nats.node#628), so every retry reuses the same msgID and the stream's duplicate window
 * drops the extra copy.
 */
export async function publishWithRetry(
  js: JetStreamClient,
  subject: string,
  data: Uint8Array,
  msgID: string,
  options: PublishRetryOptions = {},
): Promise<PubAck> {
  const deadline = Date.now() + (options.deadlineMs ?? 120_000);
  const timeout = options.timeoutMs ?? 5000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await js.publish(subject, data, { msgID, timeout });
    } catch (err) {
      if (Date.now() >= deadline || options.signal?.aborted === true) throw err;
      await sleep(Math.min(5000, 100 * 2 ** attempt));
    }
  }
}
