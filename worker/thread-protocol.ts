import type { BackendName } from './backends.js';

/** What the thread runner hands each piscina thread as `workerData`. */
export interface ThreadWorkerData {
  readonly backend: BackendName;
}

/**
 * Messages a thread posts on its parentPort besides piscina's own; piscina re-emits them as the
 * pool's 'message' events. Each thread posts exactly one, once its backend is (or is not) up.
 */
export type ThreadMessage =
  | {
      readonly type: 'thread-ready';
      readonly threadId: number;
      readonly backend: BackendName;
      readonly versions: Readonly<Record<string, string>>;
      readonly initMs: number;
    }
  | {
      readonly type: 'thread-init-failed';
      readonly threadId: number;
      readonly name: string;
      readonly message: string;
    };

export function isThreadMessage(value: unknown): value is ThreadMessage {
  if (typeof value !== 'object' || value === null) return false;
  const type = (value as { type?: unknown }).type;
  return type === 'thread-ready' || type === 'thread-init-failed';
}
