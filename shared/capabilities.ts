import type { OptimizerName } from './optimizer-choice.js';
import type { Route } from './spec/schema.js';
import type { TaskSpec } from './task.js';
import { routeIndexFor } from './routing.js';
import { DEFAULT_POOL } from './nats/subjects.js';

/**
 * The training backends widthsweep knows, fastest first: `auto` picks the first one installed
 * (worker/backends.ts says why this order).
 */
export const BACKEND_NAMES = ['fused', 'tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'] as const;

export type BackendName = (typeof BACKEND_NAMES)[number];

/** Every optimizer; a Record so that a new OptimizerName does not compile until listed here. */
const EVERY_OPTIMIZER: Readonly<Record<OptimizerName, true>> = {
  adam: true,
  sgd: true,
  lsgd: true,
  lbfgs: true,
};
const ALL = Object.keys(EVERY_OPTIMIZER) as OptimizerName[];

/**
 * Which backend trains with which optimizer: the one rule that workers advertise in their
 * heartbeat, that a worker refuses tasks by, and that `run` checks pools and local backends
 * against. Since the optimizers are written once over the training-kernel interface
 * (worker/train/methods.ts), every backend runs all of them; an optimizer that needs a kernel
 * primitive only one backend has is listed for that backend alone.
 */
export const BACKEND_OPTIMIZERS: Readonly<Record<BackendName, readonly OptimizerName[]>> = {
  fused: ALL,
  'tfjs-node-gpu': ALL,
  'tfjs-node': ALL,
  wasm: ALL,
  cpu: ALL,
};

/** The optimizers `backend` trains with; none for a backend this version does not know. */
export function backendOptimizers(backend: string): readonly string[] {
  return (
    (BACKEND_OPTIMIZERS as Readonly<Record<string, readonly string[] | undefined>>)[backend] ?? []
  );
}

/** What a worker (or a local run) can train: its backend and the optimizers it advertises. */
export interface Capability {
  readonly backend: string;
  readonly optimizers: readonly string[];
}

/** Whether a worker with `capability` can train `task` (its optimizer is resolved at expansion). */
export function canTrain(capability: Capability, task: Pick<TaskSpec, 'train'>): boolean {
  return capability.optimizers.includes(task.train.optimizer);
}

/** A live worker of a pool, as far as the check needs it. */
export interface PoolWorker extends Capability {
  readonly pool: string;
}

/** A routing rule whose pool has no live worker that can train some of its tasks. */
export interface PoolCapabilityIssue {
  /** `routing[i]`, or `routing` for the default pool's share (tasks no rule matched). */
  readonly rule: string;
  readonly pool: string;
  /** Tasks the rule sends there that no live worker of the pool can train. */
  readonly tasks: number;
  /** The optimizers those tasks need. */
  readonly optimizers: readonly string[];
  readonly message: string;
}

function describeRule(routing: readonly Route[], index: number): string {
  if (index < 0) return `tasks no routing rule matches (pool '${DEFAULT_POOL}')`;
  const route = routing[index];
  const conditions = Object.entries(route ?? {})
    .filter(([key, value]) => key !== 'pool' && value !== undefined)
    .map(([key, value]) => `${key} ${Array.isArray(value) ? value.join(',') : String(value)}`);
  return `routing[${index}] (${conditions.join(', ') || 'every task'})`;
}

function describeWorkers(workers: readonly PoolWorker[]): string {
  if (workers.length === 0) return 'it has no live worker';
  const kinds = new Map<string, number>();
  for (const w of workers) {
    const key = `${w.backend} [${w.optimizers.join(', ')}]`;
    kinds.set(key, (kinds.get(key) ?? 0) + 1);
  }
  const list = [...kinds].map(([key, count]) => `${count} x ${key}`).join('; ');
  return `its live workers are ${list}`;
}

/**
 * Checks each routing rule's tasks against the live workers of the rule's pool: one issue per
 * rule (and one for the default pool's unrouted tasks) with tasks no live worker there can train.
 */
export function poolCapabilityIssues(
  tasks: readonly TaskSpec[],
  routing: readonly Route[],
  workers: readonly PoolWorker[],
): PoolCapabilityIssue[] {
  const byRule = new Map<number, TaskSpec[]>();
  for (const task of tasks) {
    const index = routeIndexFor(routing, task);
    byRule.set(index, [...(byRule.get(index) ?? []), task]);
  }
  const issues: PoolCapabilityIssue[] = [];
  for (const [index, routed] of [...byRule].sort(([a], [b]) => a - b)) {
    const pool = routing[index]?.pool ?? DEFAULT_POOL;
    const live = workers.filter((w) => w.pool === pool);
    const stuck = routed.filter((task) => !live.some((w) => canTrain(w, task)));
    if (stuck.length === 0) continue;
    const optimizers = [...new Set(stuck.map((t) => t.train.optimizer))].sort();
    const rule = index < 0 ? 'routing' : `routing[${index}]`;
    issues.push({
      rule,
      pool,
      tasks: stuck.length,
      optimizers,
      message:
        `${describeRule(routing, index)} sends ${stuck.length} task(s) needing ` +
        `${optimizers.join(', ')} to pool '${pool}', but no live worker there can train them: ` +
        `${describeWorkers(live)}`,
    });
  }
  return issues;
}
