import type { TaskOutcome } from '../shared/result.js';
import type { Task } from '../shared/task.js';
import type { BackendName } from './backends.js';

/**
 * IPC between the process runner and its child processes (worker/process-entry.ts). The channel
 * uses Node's 'advanced' serialization, so NaN and Infinity in loss curves survive.
 *
 * Life of a child: parent sends `init`; child answers `ready` or `init-failed` (then exits).
 * Then, one task at a time: `run` → `outcome` | `error`; a `cancel` for the running task makes
 * it answer `cancelled` instead. `shutdown` (or the parent disconnecting) ends the child.
 */
export type ParentMessage =
  | { readonly type: 'init'; readonly backend: BackendName }
  | { readonly type: 'run'; readonly task: Task }
  | { readonly type: 'cancel'; readonly taskId: string }
  | { readonly type: 'shutdown' };

export type ChildMessage =
  | {
      readonly type: 'ready';
      readonly pid: number;
      readonly backend: BackendName;
      readonly versions: Readonly<Record<string, string>>;
      readonly initMs: number;
    }
  | {
      readonly type: 'init-failed';
      readonly pid: number;
      /** The error class that stopped initialisation, e.g. BackendUnavailableError. */
      readonly name: string;
      readonly message: string;
    }
  | { readonly type: 'outcome'; readonly taskId: string; readonly outcome: TaskOutcome }
  | {
      readonly type: 'error';
      readonly taskId: string;
      readonly name: string;
      readonly message: string;
    }
  | { readonly type: 'cancelled'; readonly taskId: string };

const PARENT_TYPES = new Set(['init', 'run', 'cancel', 'shutdown']);
const CHILD_TYPES = new Set(['ready', 'init-failed', 'outcome', 'error', 'cancelled']);

function hasType(value: unknown, types: ReadonlySet<string>): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const type = (value as { type?: unknown }).type;
  return typeof type === 'string' && types.has(type);
}

export function isParentMessage(value: unknown): value is ParentMessage {
  return hasType(value, PARENT_TYPES);
}

export function isChildMessage(value: unknown): value is ChildMessage {
  return hasType(value, CHILD_TYPES);
}
