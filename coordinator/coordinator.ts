import { runCleanup } from '../shared/cleanup.js';
import type { CleanupStep } from '../shared/cleanup.js';
import { LifecycleError, UnknownStudyError } from '../shared/errors.js';
import { expandStudyInterruptibly } from '../shared/expand.js';
import type { StudyRef } from '../shared/nats/subjects.js';
import type { StudySpec } from '../shared/spec/study-spec.js';
import type { Task } from '../shared/task.js';
import { applyGaveUp, applyResult } from './apply-result.js';
import type { DispatchJob, Dispatcher, ResultSink } from './dispatch/dispatcher.js';
import type { ResultStore } from './store/result-store.js';
import type { RunSummary, SweepEvent } from './sweep-events.js';

export type CoordinatorState = 'idle' | 'running' | 'closing' | 'closed';

export interface RunOptions {
  onEvent?: (event: SweepEvent) => void;
  /** The study's task set, e.g. a width search's rounds. @default the spec's grid */
  tasks?: readonly Task[];
  /** Dispatch and return without waiting for results (JetStream `--detach`). @default false */
  detach?: boolean;
}

export interface CollectOptions {
  onEvent?: (event: SweepEvent) => void;
  /** Store what is waiting and return instead of waiting for the study to finish. @default false */
  once?: boolean;
}

/** What one run brought about, counted from the events it reported. */
interface Counters {
  trained: number;
  failedNow: number;
}

/**
 * The coordinator, local or distributed alike: it expands a study, registers it (resuming what
 * the database has), hands the unfinished tasks to its Dispatcher, applies every result message
 * the dispatcher delivers (applyResult, the one place results reach the store) and builds the
 * RunSummary. It owns the store and the dispatcher; close() stops the run and releases both.
 */
export class Coordinator {
  readonly #store: ResultStore;
  readonly #dispatcher: Dispatcher;
  readonly #abort = new AbortController();
  #state: CoordinatorState = 'idle';
  #running: Promise<unknown> | undefined;
  #closing: Promise<void> | undefined;

  constructor(store: ResultStore, dispatcher: Dispatcher) {
    this.#store = store;
    this.#dispatcher = dispatcher;
  }

  get state(): CoordinatorState {
    return this.#state;
  }

  /**
   * Registers the study and trains what the database lacks, failed tasks included. A store
   * failure stops the run and rejects with a StoreError: the database keeps what was stored,
   * and the next run resumes.
   */
  run(spec: StudySpec, options: RunOptions = {}): Promise<RunSummary> {
    return this.#guard(() => this.#run(spec, options));
  }

  /** Collects an existing study's results (dispatching lost tasks again) until it is finished. */
  collect(study: string, options: CollectOptions = {}): Promise<RunSummary> {
    return this.#guard(async () => {
      const spec = this.#store.studySpec(study);
      if (spec === undefined) throw new UnknownStudyError(study);
      const before = this.#store.progress(study);
      return this.#dispatch(spec, before.done + before.diverged, performance.now(), {
        retryFailed: false,
        once: options.once === true,
        onEvent: options.onEvent,
      });
    });
  }

  /** Runs `body` as the coordinator's one run; close() waits for all of it. */
  async #guard(body: () => Promise<RunSummary>): Promise<RunSummary> {
    if (this.#state !== 'idle') {
      throw new LifecycleError(
        this.#state,
        `run() needs an idle coordinator, this one is ${this.#state}`,
      );
    }
    this.#state = 'running';
    const running = body();
    this.#running = running.catch(() => undefined);
    try {
      return await running;
    } finally {
      if (this.#state === 'running') this.#state = 'idle';
    }
  }

  async #run(spec: StudySpec, options: RunOptions): Promise<RunSummary> {
    const started = performance.now();
    const signal = this.#abort.signal;
    // Expansion and registration of a large grid take seconds: both yield, so a signal stops them.
    const tasks = options.tasks ?? (await expandStudyInterruptibly(spec, signal));
    if (tasks === undefined) return this.#summary(spec.name, started, 0, none());
    this.#dispatcher.check?.(tasks);
    const registered = await this.#store.registerStudyInterruptibly(spec, tasks, signal);
    if (registered === undefined) return this.#summary(spec.name, started, 0, none());
    return this.#dispatch(spec, registered.finished, started, {
      retryFailed: true,
      once: options.detach === true,
      onEvent: options.onEvent,
      prepare: true,
    });
  }

  async #dispatch(
    spec: StudySpec,
    skipped: number,
    started: number,
    how: {
      retryFailed: boolean;
      once: boolean;
      onEvent: ((event: SweepEvent) => void) | undefined;
      prepare?: boolean;
    },
  ): Promise<RunSummary> {
    const study: StudyRef = { name: spec.name, key: this.#store.studyKey(spec.name) };
    const counters = none();
    const onEvent = how.onEvent ?? (() => {});
    const open = new OpenTasks(() => {
      const p = this.#store.progress(study.name);
      return p.pending + p.running;
    });
    const job: DispatchJob = {
      study,
      spec: this.#store.studySpec(spec.name) ?? spec,
      retryFailed: how.retryFailed,
      once: how.once,
      signal: this.#abort.signal,
      sink: this.#sink(study, counters, (event) => {
        open.note(event);
        onEvent(event);
      }),
      openTasks: (includeFailed) => this.#store.unfinishedTasks(study.name, includeFailed),
      settled: () => open.none(),
      attempts: (taskId) => this.#store.taskState(taskId)?.attempts ?? 0,
      started: (runner) => {
        const p = this.#store.progress(study.name);
        const queued = p.total - p.done - p.diverged - (how.retryFailed ? 0 : p.failed);
        onEvent({ type: 'start', study: study.name, total: p.total, skipped, queued, runner });
      },
    };
    if (how.prepare === true) await this.#dispatcher.prepare?.(job);
    if (!this.#abort.signal.aborted) await this.#dispatcher.dispatch(job);
    return this.#summary(study.name, started, skipped, counters);
  }

  /** The sink every dispatcher delivers to: the one application of results, and the counts. */
  #sink(study: StudyRef, counters: Counters, onEvent: (event: SweepEvent) => void): ResultSink {
    return {
      apply: (message, rules) => applyResult(this.#store, study, rules, message),
      gaveUp: (taskId, attempts) => applyGaveUp(this.#store, taskId, attempts),
      emit: (event) => {
        if (event.type === 'finished') counters.trained++;
        if (event.type === 'attempt-failed' && event.final) counters.failedNow++;
        // Once close() has begun, attempts handed back are not news: the summary says it.
        if (!this.#abort.signal.aborted) onEvent(event);
      },
    };
  }

  #summary(study: string, started: number, skipped: number, counters: Counters): RunSummary {
    const progress = this.#store.progress(study);
    const unfinished = progress.pending + progress.running;
    return {
      study,
      total: progress.total,
      done: progress.done,
      failed: progress.failed,
      diverged: progress.diverged,
      pending: unfinished,
      trained: counters.trained,
      skipped,
      failedNow: counters.failedNow,
      wallMs: performance.now() - started,
      backend: this.#dispatcher.backend,
      // Stopped before or during training: a study stopped while expanding may have no rows yet.
      interrupted: this.#abort.signal.aborted && (unfinished > 0 || progress.total === 0),
    };
  }

  /**
   * Idempotent; safe while run() is in progress (it then resolves as interrupted). Stops
   * dispatching and waits for the run to hand its tasks back, then closes the dispatcher (its
   * threads or connection), then the store.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#state = 'closing';
    const steps: CleanupStep[] = [
      [
        'stop dispatching and hand back in-flight tasks',
        async () => {
          this.#abort.abort();
          await this.#running;
        },
      ],
      ['close the dispatcher', () => this.#dispatcher.close()],
      ['close the result database', () => this.#store.close()],
    ];
    try {
      await runCleanup(steps, 'coordinator');
    } finally {
      this.#state = 'closed';
    }
  }
}

/** How long a count of the open tasks is trusted, whatever happened since. Unit: ms. */
const OPEN_RECOUNT_MS = 5000;

/**
 * Whether a study still has pending or running tasks, asked after every collecting step. Counting
 * them is a query over the study's tasks (with a trickle of results, a millisecond per result
 * stored); so the count is taken again only when it may have reached zero, or after
 * OPEN_RECOUNT_MS, and in between lowered by each task that the events say has ended. A task can
 * end only with an event; one that opens again (a failed task restarted) makes the estimate low,
 * which only brings the next count forward.
 */
class OpenTasks {
  readonly #count: () => number;
  #open = 0;
  #countedAt = Number.NEGATIVE_INFINITY;

  constructor(count: () => number) {
    this.#count = count;
  }

  none(): boolean {
    if (this.#open <= 0 || performance.now() - this.#countedAt > OPEN_RECOUNT_MS) {
      this.#open = this.#count();
      this.#countedAt = performance.now();
    }
    return this.#open === 0;
  }

  note(event: SweepEvent): void {
    if (event.type === 'finished' || (event.type === 'attempt-failed' && event.final)) {
      this.#open--;
    }
  }
}

function none(): Counters {
  return { trained: 0, failedNow: 0 };
}
