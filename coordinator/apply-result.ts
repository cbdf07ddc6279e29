import { RejectedResultError } from '../shared/errors.js';
import type { StudyRef } from '../shared/nats/subjects.js';
import type { ResultMessage } from '../shared/wire/messages.js';
import type { ResultStore, TaskState } from './store/result-store.js';
import type { SweepEvent } from './sweep-events.js';

type FailureMessage = Extract<ResultMessage, { type: 'attempt-failed' }>;

/**
 * How a dispatcher's failure reports are judged: which report speaks for the task's current
 * attempt, and which one ends the task. Everything else about a message is applied the same way
 * whoever delivered it.
 */
export interface AttemptRules {
  /** Whether the report is about the task's latest attempt (an older one changes nothing). */
  isCurrent(state: TaskState, message: FailureMessage): boolean;
  /** Whether the report fails the task for good. */
  isFinal(message: FailureMessage): boolean;
}

/**
 * Applies one result message to the store; returns the event it makes, if any. This is the one
 * place a result reaches the store, whatever dispatched the task. Throws RejectedResultError for
 * a message that must not be stored: another study's (or another database's), or about a task
 * this study does not contain. Never creates a task row, never overwrites a final result.
 */
export function applyResult(
  store: ResultStore,
  study: StudyRef,
  rules: AttemptRules,
  message: ResultMessage,
): SweepEvent | undefined {
  if (message.study !== study.name || message.studyKey !== study.key) {
    throw new RejectedResultError(
      message.taskId,
      `result for study ${message.study} (key ${message.studyKey}) arrived for ${study.name} (key ${study.key})`,
    );
  }
  if (!store.acceptsResult(study.name, message.taskId)) {
    throw new RejectedResultError(
      message.taskId,
      `task ${message.taskId} is not a task of study ${study.name} in this database`,
    );
  }
  switch (message.type) {
    case 'started':
      store.markStarted(message.taskId, message.attempt);
      return undefined;
    case 'outcome': {
      const stored = store.recordOutcome(message.outcome, {
        worker: message.worker,
        attempt: message.attempt,
      });
      return stored
        ? { type: 'finished', task: message.task, outcome: message.outcome }
        : undefined;
    }
    case 'attempt-failed':
      return applyFailure(store, rules, message);
  }
}

function applyFailure(
  store: ResultStore,
  rules: AttemptRules,
  message: FailureMessage,
): SweepEvent | undefined {
  const state = store.taskState(message.taskId);
  if (state === undefined || !rules.isCurrent(state, message)) return undefined;
  const final = rules.isFinal(message);
  if (final) {
    if (!store.recordFailure(message.taskId, message.error, message.attempt)) return undefined;
  } else {
    store.noteAttemptFailed(message.taskId, message.attempt, message.error);
  }
  return {
    type: 'attempt-failed',
    task: message.task,
    error: message.error,
    attempt: message.attempt,
    final,
  };
}

/**
 * A task that its dispatcher gave up on without any report (JetStream: it hit max_deliver, each
 * worker died or went silent): it fails for good unless it already has a final result.
 */
export function applyGaveUp(
  store: ResultStore,
  taskId: string,
  attempts: number,
): SweepEvent | undefined {
  const last = store.taskError(taskId);
  const error =
    `no result after ${attempts} deliveries: the worker died or went silent past the ack wait each time` +
    (last === null ? '' : `; last error: ${last}`);
  if (!store.recordFailure(taskId, error, attempts)) return undefined;
  const task = store.getTask(taskId);
  if (task === undefined) return undefined;
  return { type: 'attempt-failed', task, error, attempt: attempts, final: true };
}
