import { expandStudy } from '../../shared/expand.js';
import type { StudySpec } from '../../shared/spec/study-spec.js';
import { validateStudySpec } from '../../shared/spec/validate.js';
import type { Task } from '../../shared/task.js';
import { WIRE_VERSION } from '../../shared/wire/messages.js';
import type { ResultMessage } from '../../shared/wire/messages.js';
import type { AttemptRules } from '../../coordinator/apply-result.js';
import type { DispatchJob, Dispatcher } from '../../coordinator/dispatch/dispatcher.js';
import type { SweepEvent } from '../../coordinator/sweep-events.js';
import { TINY_RECIPE } from './faults.js';

/** A study of `widths` x 2 seeds tiny sine tasks, and its tasks. */
export function tinySpec(name: string, widths = 2): { spec: StudySpec; tasks: Task[] } {
  const spec = validateStudySpec({
    name,
    grid: {
      dims: [1],
      widths: Array.from({ length: widths }, (_, i) => i + 1),
      seeds: [0, 1],
      targets: ['sine'],
    },
    ...TINY_RECIPE,
  });
  return { spec, tasks: expandStudy(spec) };
}

/** Every report is current; finality is what the message says: only the store's rules protect. */
export const TRUSTING_RULES: AttemptRules = {
  isCurrent: () => true,
  isFinal: (message) => message.final,
};

type Body =
  | { type: 'started' }
  | { type: 'outcome'; outcome: Extract<ResultMessage, { type: 'outcome' }>['outcome'] }
  | { type: 'attempt-failed'; error: string; final: boolean };

/** A result message of the job's study about `task`, as a worker would send it. */
export function messageFor(
  job: DispatchJob,
  task: Task,
  attempt: number,
  body: Body,
): ResultMessage {
  const base = {
    v: WIRE_VERSION,
    study: job.study.name,
    studyKey: job.study.key,
    taskId: task.id,
    worker: 'fake',
    attempt,
    taskSeq: attempt,
  } as const;
  if (body.type === 'started') return { ...base, type: 'started' };
  if (body.type === 'outcome') return { ...base, type: 'outcome', outcome: body.outcome, task };
  return { ...base, type: 'attempt-failed', task, error: body.error, final: body.final };
}

/** A dispatcher that delivers the messages `script` makes for a job, then returns. */
export class ScriptedDispatcher implements Dispatcher {
  readonly backend = 'scripted';
  closeCalls = 0;
  readonly #script: (job: DispatchJob) => ResultMessage[];

  constructor(script: (job: DispatchJob) => ResultMessage[]) {
    this.#script = script;
  }

  dispatch(job: DispatchJob): Promise<void> {
    job.started('a script');
    for (const message of this.#script(job)) {
      const event = job.sink.apply(message, TRUSTING_RULES);
      if (event !== undefined) job.sink.emit(event);
    }
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.closeCalls++;
    return Promise.resolve();
  }
}

/** Collects a run's events. */
export function eventLog(): { events: SweepEvent[]; onEvent: (event: SweepEvent) => void } {
  const events: SweepEvent[] = [];
  return { events, onEvent: (event) => events.push(event) };
}
