import type { BenchCase, BenchTiming } from './bench-case.js';

/** Main thread to bench thread: time one case. */
export interface BenchRequest {
  readonly type: 'time';
  readonly id: number;
  readonly benchCase: BenchCase;
}

/** Bench thread to main thread. */
export type BenchReply =
  | { readonly type: 'ready'; readonly versions: Readonly<Record<string, string>> }
  | { readonly type: 'init-failed'; readonly message: string }
  | { readonly type: 'timing'; readonly id: number; readonly timing: BenchTiming }
  | { readonly type: 'error'; readonly id: number; readonly message: string };

export function isBenchRequest(value: unknown): value is BenchRequest {
  return (
    typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'time'
  );
}
