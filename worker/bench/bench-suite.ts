import { Worker } from 'node:worker_threads';
import { BackendUnavailableError, ValidationError } from '../../shared/errors.js';
import { describeValue } from '../../shared/spec/fields.js';
import { median } from '../../shared/stats.js';
import {
  isBackendName,
  listInstalledBackends,
  resolveBackend,
  type BackendName,
} from '../backends.js';
import type { OptimizerName } from '../../shared/optimizer-choice.js';
import { stepFlops, type BenchCase, type BenchTiming } from './bench-case.js';
import type { BenchReply } from './bench-protocol.js';

export interface BenchOptions {
  /** Backends to time: names, `auto` (the one a sweep would use) or `all` (every installed). @default ['auto'] */
  readonly backends?: readonly string[];
  /** Optimizers to time. @default ['adam'] */
  readonly optimizers?: readonly string[];
  /** Input dimensions. @default [1, 2, 16] */
  readonly dims?: readonly number[];
  /** Hidden widths. @default [16, 256, 4096] */
  readonly widths?: readonly number[];
  /** Training points per case. @default [4096] */
  readonly samples?: readonly number[];
  /** Most steps timed per measurement. @default 200 */
  readonly steps?: number;
  /** Minibatch size, 0 = full batch. @default 0 */
  readonly batch?: number;
  /** Measurements per case and backend, interleaved across backends; the median is reported. @default 3 */
  readonly repeats?: number;
  /** Time aimed for per measurement; slow backends time fewer steps. Units: ms. @default 2000 */
  readonly budgetMs?: number;
}

export interface ResolvedBenchOptions {
  readonly backends: readonly BackendName[];
  readonly optimizers: readonly OptimizerName[];
  readonly dims: readonly number[];
  readonly widths: readonly number[];
  readonly samples: readonly number[];
  readonly steps: number;
  readonly batch: number;
  readonly repeats: number;
  readonly budgetMs: number;
}

/** One line of the benchmark table (snake_case: it is also the JSON output format). */
export interface BenchRow {
  readonly backend: string;
  readonly optimizer: string;
  readonly dim: number;
  readonly width: number;
  readonly samples: number;
  /** Steps timed in the median measurement. */
  readonly steps: number;
  /** Median over the repeats. Units: ms. */
  readonly ms_per_step: number;
  /** stepFlops / ms_per_step (the gradient's flops only, whatever the optimizer). Units: GFLOP/s. */
  readonly gflops: number;
  /** Fastest and slowest of the repeats, to judge noise. Units: ms. */
  readonly ms_min: number;
  readonly ms_max: number;
}

function positiveIntegers(field: string, values: readonly number[]): readonly number[] {
  if (values.length === 0) throw new ValidationError(field, 'expected a non-empty list');
  values.forEach((v, i) => {
    if (!Number.isInteger(v) || v < 1) {
      throw new ValidationError(
        `${field}[${i}]`,
        `expected a positive integer, got ${describeValue(v)}`,
      );
    }
  });
  return values;
}

function positiveInteger(field: string, value: number, min = 1): number {
  if (!Number.isInteger(value) || value < min) {
    throw new ValidationError(field, `expected an integer >= ${min}, got ${describeValue(value)}`);
  }
  return value;
}

const OPTIMIZERS: readonly OptimizerName[] = ['adam', 'sgd', 'lsgd', 'lbfgs'];

function optimizerList(values: readonly string[]): readonly OptimizerName[] {
  if (values.length === 0) throw new ValidationError('optimizers', 'expected a non-empty list');
  return values.map((v, i) => {
    const found = OPTIMIZERS.find((name) => name === v);
    if (found === undefined) {
      throw new ValidationError(
        `optimizers[${i}]`,
        `expected one of ${OPTIMIZERS.join(', ')}, got ${describeValue(v)}`,
      );
    }
    return found;
  });
}

/** Checks the options, fills in defaults and resolves `auto` / `all` to installed backends. */
export async function resolveBenchOptions(
  options: BenchOptions = {},
): Promise<ResolvedBenchOptions> {
  const requested = options.backends ?? ['auto'];
  const backends: BackendName[] = [];
  for (const [i, name] of requested.entries()) {
    const add = (b: BackendName): void => {
      if (!backends.includes(b)) backends.push(b);
    };
    if (name === 'all') listInstalledBackends().forEach(add);
    else if (name === 'auto') add(await resolveBackend('auto'));
    else if (isBackendName(name)) add(await resolveBackend(name));
    else {
      throw new ValidationError(
        `backends[${i}]`,
        `expected auto, all or a backend name, got ${describeValue(name)}`,
      );
    }
  }
  const resolved = {
    backends,
    optimizers: optimizerList(options.optimizers ?? ['adam']),
    dims: positiveIntegers('dims', options.dims ?? [1, 2, 16]),
    widths: positiveIntegers('widths', options.widths ?? [16, 256, 4096]),
    samples: positiveIntegers('samples', options.samples ?? [4096]),
    steps: positiveInteger('steps', options.steps ?? 200),
    batch: positiveInteger('batch', options.batch ?? 0, 0),
    repeats: positiveInteger('repeats', options.repeats ?? 3),
    budgetMs: options.budgetMs ?? 2000,
  };
  if (!(resolved.budgetMs > 0)) {
    throw new ValidationError(
      'budgetMs',
      `expected a positive number, got ${describeValue(resolved.budgetMs)}`,
    );
  }
  return resolved;
}

/** A worker thread with one backend loaded, timing cases one at a time. */
class BenchThread {
  readonly #worker: Worker;
  readonly #pending = new Map<
    number,
    { resolve: (t: BenchTiming) => void; reject: (e: Error) => void }
  >();
  #nextId = 0;

  private constructor(worker: Worker) {
    this.#worker = worker;
    worker.on('message', (reply: BenchReply) => {
      if (reply.type !== 'timing' && reply.type !== 'error') return;
      const pending = this.#pending.get(reply.id);
      this.#pending.delete(reply.id);
      if (reply.type === 'timing') pending?.resolve(reply.timing);
      else pending?.reject(new Error(reply.message));
    });
  }

  static start(backend: BackendName): Promise<BenchThread> {
    const worker = new Worker(new URL('./bench-thread.js', import.meta.url), {
      workerData: { backend },
    });
    return new Promise((resolve, reject) => {
      const onMessage = (reply: BenchReply): void => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        if (reply.type === 'ready') resolve(new BenchThread(worker));
        else {
          void worker.terminate();
          const why = reply.type === 'init-failed' ? reply.message : reply.type;
          reject(new BackendUnavailableError(backend, `bench thread for '${backend}': ${why}`));
        }
      };
      const onError = (err: Error): void => {
        worker.off('message', onMessage);
        reject(
          new BackendUnavailableError(
            backend,
            `bench thread for '${backend}' failed: ${err.message}`,
            { cause: err },
          ),
        );
      };
      worker.on('message', onMessage);
      worker.once('error', onError);
    });
  }

  time(benchCase: BenchCase): Promise<BenchTiming> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ type: 'time', id, benchCase });
    });
  }

  close(): Promise<number> {
    return this.#worker.terminate();
  }
}

/**
 * Times every (dim, width, samples) case on every backend. Each backend runs in its own worker
 * thread, one measurement at a time (never two at once, so they do not compete for cores), and
 * the measurements are interleaved: each repeat visits every case on every backend, in an order
 * rotated per repeat, so a change in machine load hits all backends alike and ratios between
 * backends are taken in the same run. Reports the median of the repeats.
 */
export async function runBenchSuite(
  options: ResolvedBenchOptions,
  onProgress: (message: string) => void = () => {},
): Promise<BenchRow[]> {
  const threads = new Map<BackendName, BenchThread>();
  try {
    for (const backend of options.backends) threads.set(backend, await BenchThread.start(backend));
    const cases: BenchCase[] = [];
    for (const optimizer of options.optimizers) {
      for (const dim of options.dims) {
        for (const width of options.widths) {
          for (const samples of options.samples) {
            cases.push({
              optimizer,
              dim,
              width,
              samples,
              steps: options.steps,
              batch: options.batch,
              budgetMs: options.budgetMs,
            });
          }
        }
      }
    }
    const timings = new Map<string, BenchTiming[]>();
    const key = (backend: BackendName, c: BenchCase): string =>
      `${backend} ${c.optimizer} ${c.dim} ${c.width} ${c.samples}`;
    for (let r = 0; r < options.repeats; r++) {
      for (const benchCase of cases) {
        const order = options.backends.map((_, i, all) => all[(i + r) % all.length] as BackendName);
        for (const backend of order) {
          const timing = await (threads.get(backend) as BenchThread).time(benchCase);
          const list = timings.get(key(backend, benchCase)) ?? [];
          list.push(timing);
          timings.set(key(backend, benchCase), list);
          onProgress(
            `repeat ${r + 1}/${options.repeats} ${backend} ${benchCase.optimizer} d=${benchCase.dim} m=${benchCase.width} ` +
              `n=${benchCase.samples}: ${timing.msPerStep.toFixed(3)} ms/step (${timing.steps} steps)`,
          );
        }
      }
    }
    const rows: BenchRow[] = [];
    for (const benchCase of cases) {
      for (const backend of options.backends) {
        const list = timings.get(key(backend, benchCase)) ?? [];
        const ms = median(list.map((t) => t.msPerStep));
        const closest = list.reduce((best, t) =>
          Math.abs(t.msPerStep - ms) < Math.abs(best.msPerStep - ms) ? t : best,
        );
        const batchSamples =
          options.batch > 0 ? Math.min(options.batch, benchCase.samples) : benchCase.samples;
        rows.push({
          backend,
          optimizer: benchCase.optimizer,
          dim: benchCase.dim,
          width: benchCase.width,
          samples: benchCase.samples,
          steps: closest.steps,
          ms_per_step: ms,
          gflops: stepFlops(benchCase.dim, benchCase.width, batchSamples) / ms / 1e6,
          ms_min: Math.min(...list.map((t) => t.msPerStep)),
          ms_max: Math.max(...list.map((t) => t.msPerStep)),
        });
      }
    }
    return rows;
  } finally {
    await Promise.all([...threads.values()].map((t) => t.close()));
  }
}
