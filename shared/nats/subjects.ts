/**
 * The JetStream layout both sides agree on. Subjects carry the pool (capability class of
 * workers), the study and the task id, so several studies share one set of workers and a
 * study's queued tasks can be listed by subject.
 */

export const TASK_STREAM = 'WIDTHSWEEP_TASKS';
export const RESULT_STREAM = 'WIDTHSWEEP_RESULTS';
export const ADVISORY_STREAM = 'WIDTHSWEEP_ADVISORIES';
export const WORKER_BUCKET = 'widthsweep_workers';
export const DEFAULT_POOL = 'default';

const TASK_ROOT = 'ws.tasks';
const RESULT_ROOT = 'ws.results';

/**
 * Study names may contain '.', which NATS reads as a token separator and forbids in consumer
 * names; '~' never occurs in a study name, so the mapping is one-to-one.
 */
export function studyToken(study: string): string {
  return study.replaceAll('.', '~');
}

export function taskSubject(pool: string, study: string, taskId: string): string {
  return `${TASK_ROOT}.${pool}.${studyToken(study)}.${taskId}`;
}

/** All queued tasks of a study, in any pool. */
export function studyTaskFilter(study: string): string {
  return `${TASK_ROOT}.*.${studyToken(study)}.*`;
}

export function poolTaskFilter(pool: string): string {
  return `${TASK_ROOT}.${pool}.>`;
}

export const ALL_TASKS = `${TASK_ROOT}.>`;
export const ALL_RESULTS = `${RESULT_ROOT}.>`;

export function resultSubject(study: string): string {
  return `${RESULT_ROOT}.${studyToken(study)}`;
}

/** The server publishes this when a task message has been delivered max_deliver times unacked. */
export function maxDeliveriesAdvisorySubject(consumer = '*'): string {
  return `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${TASK_STREAM}.${consumer}`;
}

export function workerConsumerName(pool: string): string {
  return `workers-${pool}`;
}

export function collectorConsumerName(study: string): string {
  return `collect-${studyToken(study)}`;
}

export function advisoryConsumerName(study: string): string {
  return `advisories-${studyToken(study)}`;
}

/** Pool names become subject tokens and consumer names. */
export const POOL_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
