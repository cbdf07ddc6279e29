/**
 * The JetStream layout both sides agree on. Subjects carry the pool (capability class of
 * workers) and the study's scope, so several studies share one set of workers and a study's
 * queued tasks can be listed by subject.
 */

export const TASK_STREAM = 'WIDTHSWEEP_TASKS';
export const RESULT_STREAM = 'WIDTHSWEEP_RESULTS';
export const ADVISORY_STREAM = 'WIDTHSWEEP_ADVISORIES';
export const WORKER_BUCKET = 'widthsweep_workers';
/** Which database serves which study name: key = study name, value = a StudyClaim. */
export const STUDY_BUCKET = 'widthsweep_studies';
export const DEFAULT_POOL = 'default';

const TASK_ROOT = 'ws.tasks';
const RESULT_ROOT = 'ws.results';

/**
 * A study as NATS sees it: its name and the key its database drew when it first registered
 * it. Two databases that happen to use the same name get different keys, so they never share a
 * subject or a consumer.
 */
export interface StudyRef {
  readonly name: string;
  readonly key: string;
}

/** Study keys: 16 lowercase hex digits, drawn once per (database, study). */
export const STUDY_KEY_PATTERN = /^[0-9a-f]{16}$/;

/**
 * Study names may contain '.', which NATS reads as a token separator and forbids in consumer
 * names; '~' never occurs in a study name, so the mapping is one-to-one.
 */
export function studyToken(study: string): string {
  return study.replaceAll('.', '~');
}

/** Two subject tokens: the study name, then its key. */
function scope(study: StudyRef): string {
  return `${studyToken(study.name)}.${study.key}`;
}

export function taskSubject(pool: string, study: StudyRef, taskId: string): string {
  return `${TASK_ROOT}.${pool}.${scope(study)}.${taskId}`;
}

/** All queued tasks of a study, in any pool. */
export function studyTaskFilter(study: StudyRef): string {
  return `${TASK_ROOT}.*.${scope(study)}.*`;
}

export function poolTaskFilter(pool: string): string {
  return `${TASK_ROOT}.${pool}.>`;
}

export const ALL_TASKS = `${TASK_ROOT}.>`;
export const ALL_RESULTS = `${RESULT_ROOT}.>`;

export function resultSubject(study: StudyRef): string {
  return `${RESULT_ROOT}.${scope(study)}`;
}

/** The server publishes this when a task message has been delivered max_deliver times unacked. */
export function maxDeliveriesAdvisorySubject(consumer = '*'): string {
  return `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${TASK_STREAM}.${consumer}`;
}

export function workerConsumerName(pool: string): string {
  return `workers-${pool}`;
}

export function collectorConsumerName(study: StudyRef): string {
  return `collect-${studyToken(study.name)}-${study.key}`;
}

export function advisoryConsumerName(study: StudyRef): string {
  return `advisories-${studyToken(study.name)}-${study.key}`;
}

/** Pool names become subject tokens and consumer names. */
export const POOL_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
