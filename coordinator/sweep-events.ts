import type { TaskOutcome } from '../shared/result.js';
import type { Task } from '../shared/task.js';

/** Progress as the run goes; the CLI turns these into a bar or log lines. */
export type SweepEvent =
  | {
      readonly type: 'start';
      readonly study: string;
      readonly total: number;
      readonly skipped: number;
      readonly queued: number;
      /** Where the tasks train, for the log: `2 wasm thread(s)`, `workers via nats://…`. */
      readonly runner: string;
    }
  | { readonly type: 'finished'; readonly task: Task; readonly outcome: TaskOutcome }
  | {
      readonly type: 'attempt-failed';
      readonly task: Task;
      readonly error: string;
      readonly attempt: number;
      readonly final: boolean;
    };

export interface RunSummary {
  readonly study: string;
  readonly total: number;
  readonly done: number;
  readonly failed: number;
  readonly diverged: number;
  readonly pending: number;
  /** Tasks this run brought to a final result (done or diverged). */
  readonly trained: number;
  /** Tasks that already had a final result when the run began. */
  readonly skipped: number;
  /** Tasks that failed for good in this run. */
  readonly failedNow: number;
  readonly wallMs: number;
  readonly backend: string;
  /** True when close() stopped the run before every task had a final result. */
  readonly interrupted: boolean;
}
