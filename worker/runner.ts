import { availableParallelism } from 'node:os';
import { ValidationError } from '../shared/errors.js';
import { describeValue } from '../shared/spec/fields.js';
import {
  BACKEND_NAMES,
  backendIsolation,
  isBackendName,
  resolveBackend,
  type BackendName,
  type Isolation,
} from './backends.js';
import { ProcessTaskRunner } from './process-runner.js';
import type { TaskRunner } from '../shared/task-runner.js';
import { ThreadTaskRunner } from './thread-runner.js';

export type { TaskRunner } from '../shared/task-runner.js';

export interface TaskRunnerOptions {
  /** Parallel tasks. @default os.availableParallelism() */
  threads?: number;
  /** Training backend; auto = the fastest installed (fused > tfjs-node-gpu > tfjs-node > wasm > cpu). @default 'auto' */
  backend?: 'auto' | BackendName;
  /**
   * Run tasks in child processes instead of worker threads.
   * @default 'auto' (processes for tfjs-node, threads otherwise)
   */
  isolation?: 'auto' | Isolation;
}

/**
 * Validated options with defaults filled in. `backend` and `isolation` may still be 'auto':
 * which backends are installed is settled by createTaskRunner.
 */
export interface ResolvedTaskRunnerOptions {
  readonly threads: number;
  readonly backend: 'auto' | BackendName;
  readonly isolation: 'auto' | Isolation;
}

const ISOLATIONS = ['auto', 'thread', 'process'] as const;

/**
 * Most parallel tasks one runner starts. Each thread holds its own backend (15-20 MB before any
 * task): 512 took 6.8 GB and minutes to start. More threads than cores buy nothing anyway.
 */
export const MAX_THREADS = 256;

/** Checks the options and fills in defaults; throws ValidationError naming the bad field. */
export function resolveTaskRunnerOptions(
  options: TaskRunnerOptions = {},
): ResolvedTaskRunnerOptions {
  const { threads = availableParallelism(), backend = 'auto', isolation = 'auto' } = options;
  if (typeof threads !== 'number' || !Number.isInteger(threads) || threads < 1) {
    throw new ValidationError(
      'threads',
      `expected a positive integer, got ${describeValue(threads)}`,
    );
  }
  if (threads > MAX_THREADS) {
    throw new ValidationError('threads', `expected at most ${MAX_THREADS}, got ${threads}`);
  }
  if (backend !== 'auto' && !isBackendName(backend)) {
    throw new ValidationError(
      'backend',
      `expected one of auto, ${BACKEND_NAMES.join(', ')}, got ${describeValue(backend)}`,
    );
  }
  if (!(ISOLATIONS as readonly unknown[]).includes(isolation)) {
    throw new ValidationError(
      'isolation',
      `expected one of ${ISOLATIONS.join(', ')}, got ${describeValue(isolation)}`,
    );
  }
  return { threads, backend, isolation };
}

/**
 * Resolves the backend (BackendUnavailableError if the requested one is not installed), then
 * starts `threads` worker threads or child processes and waits until each has initialised it.
 * Isolation 'auto' gives tfjs-node(-gpu) child processes (it crashes in worker threads) and
 * wasm/cpu threads; an explicit 'thread' for tfjs-node is honoured at the caller's risk.
 */
export async function createTaskRunner(options: TaskRunnerOptions = {}): Promise<TaskRunner> {
  const resolved = resolveTaskRunnerOptions(options);
  const backend = await resolveBackend(resolved.backend);
  const isolation = resolved.isolation === 'auto' ? backendIsolation(backend) : resolved.isolation;
  const config = { backend, threads: resolved.threads };
  return isolation === 'process' ? ProcessTaskRunner.start(config) : ThreadTaskRunner.start(config);
}
