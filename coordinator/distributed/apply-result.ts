import { RejectedResultError } from '../../shared/errors.js';
import type { StudyRef } from '../../shared/nats/subjects.js';
import type { ResultMessage } from '../../shared/wire/messages.js';
import type { ResultStore } from '../store/result-store.js';
import type { SweepEvent } from '../sweep-events.js';

/**
 * Applies one decoded result message to the store; returns the event it makes, if any. Throws
 * RejectedResultError for a message that must not be stored: another study's (or another
 * database's), or about a task this study does not contain. Never creates a task row.
 *
 * `maxDeliver` is the worker consumer's max_deliver: a failure report is final only when it
 * comes from the last delivery of the task's latest published copy, and no later attempt has
 * started; any other "final" failure is taken as one failed attempt, so it can never fail a task
 * that another attempt is still running (the lost-task check republishes it if nothing is).
 */
export function applyResult(
  store: ResultStore,
  study: StudyRef,
  maxDeliver: number,
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
      return applyFailure(store, maxDeliver, message);
  }
}

function applyFailure(
  store: ResultStore,
  maxDeliver: number,
  message: Extract<ResultMessage, { type: 'attempt-failed' }>,
): SweepEvent | undefined {
  const state = store.taskState(message.taskId);
  if (state === undefined) return undefined;
  const latestCopy = state.streamSeq === message.taskSeq;
  // A report about an older copy, or an attempt that a later one has overtaken, says nothing
  // about the task's current state.
  if (!latestCopy || message.attempt < state.attempts) return undefined;
  const final = message.final && maxDeliver > 0 && message.attempt >= maxDeliver;
  if (final) {
    if (!store.recordFailure(message.taskId, message.error)) return undefined;
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
