import { plainText } from './plain-text.js';

/**
 * Every error widthsweep raises on purpose. Callers match by class (`instanceof`), never by
 * message text; the CLI maps classes to exit codes (bad input = 2, anything else = 1).
 */

/** Base class, so callers can tell widthsweep's own errors from library and runtime ones. */
export class WidthsweepError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'WidthsweepError';
  }
}

/** Bad input from the user: a spec, a flag, a query. The CLI exits with code 2. */
export class InputError extends WidthsweepError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InputError';
  }
}

/** One invalid field in a study spec or option object; `field` is its exact path (`grid.widths[2]`). */
export class ValidationError extends InputError {
  readonly field: string;
  constructor(field: string, message: string, options?: ErrorOptions) {
    super(field === '' ? message : `${field}: ${message}`, options);
    this.name = 'ValidationError';
    this.field = field;
  }
}

const MAX_LISTED_ISSUES = 20;

/** A spec with one or more invalid fields; `issues` holds each one, in document order. */
export class SpecError extends InputError {
  readonly issues: readonly ValidationError[];
  readonly source: string | undefined;
  constructor(issues: readonly ValidationError[], source?: string, options?: ErrorOptions) {
    const where = source === undefined ? 'invalid study spec' : `invalid study spec ${source}`;
    // A fuzzed spec can have thousands of bad items: the first few say what to fix.
    const shown = issues.slice(0, MAX_LISTED_ISSUES).map((i) => `  ${i.message}`);
    if (issues.length > MAX_LISTED_ISSUES) {
      shown.push(`  … and ${issues.length - MAX_LISTED_ISSUES} more`);
    }
    super(`${where}:\n${shown.join('\n')}`, options);
    this.name = 'SpecError';
    this.issues = issues;
    this.source = source;
  }
}

/** A SQL statement that `widthsweep query` refuses (it writes) or SQLite rejects. */
export class QueryError extends InputError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'QueryError';
  }
}

/** A `widthsweep query` statement still running at its time limit; it was stopped. Exit 1. */
export class QueryTimeoutError extends WidthsweepError {
  readonly timeoutMs: number;
  constructor(timeoutMs: number, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'QueryTimeoutError';
    this.timeoutMs = timeoutMs;
  }
}

/** A command stopped by SIGINT/SIGTERM before it finished. The CLI exits with code 130. */
export class InterruptedError extends WidthsweepError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InterruptedError';
  }
}

/** A study that the result database does not know. */
export class UnknownStudyError extends InputError {
  readonly study: string;
  constructor(study: string, options?: ErrorOptions) {
    super(`unknown study '${study}'`, options);
    this.name = 'UnknownStudyError';
    this.study = study;
  }
}

/** A requested training backend that is not installed or failed to initialise. */
export class BackendUnavailableError extends WidthsweepError {
  readonly backend: string;
  constructor(backend: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'BackendUnavailableError';
    this.backend = backend;
  }
}

/** Training or evaluation of one task failed; the task may be retried. */
export class TaskFailedError extends WidthsweepError {
  readonly taskId: string;
  constructor(taskId: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TaskFailedError';
    this.taskId = taskId;
  }
}

/**
 * A worker cannot train this task at all (its backend does not run the task's optimizer):
 * retrying it on the same worker would fail the same way, so it fails for good at once.
 */
export class UnsupportedTaskError extends TaskFailedError {
  readonly field: string;
  constructor(taskId: string, field: string, message: string, options?: ErrorOptions) {
    super(taskId, message, options);
    this.name = 'UnsupportedTaskError';
    this.field = field;
  }
}

/** A task was cancelled because its runner is closing; it is handed back, not failed. */
export class TaskCancelledError extends WidthsweepError {
  readonly taskId: string;
  constructor(taskId: string, options?: ErrorOptions) {
    super(`task ${taskId} was cancelled`, options);
    this.name = 'TaskCancelledError';
    this.taskId = taskId;
  }
}

/** The result database is unusable: newer schema than this build, or corrupt. */
export class StoreError extends WidthsweepError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StoreError';
  }
}

/**
 * Another coordinator holds the database's writer lock and this process cannot tell that it is
 * gone: it is alive on this host, or it runs on `host`, another machine sharing the file system.
 */
export class WriterLockHeldError extends StoreError {
  readonly lockPath: string;
  readonly host: string;
  readonly pid: number;
  constructor(lockPath: string, host: string, pid: number, message: string) {
    super(message);
    this.name = 'WriterLockHeldError';
    this.lockPath = lockPath;
    this.host = host;
    this.pid = pid;
  }
}

/** A long-lived component was used in a lifecycle state that forbids it (e.g. after close()). */
export class LifecycleError extends WidthsweepError {
  readonly state: string;
  constructor(state: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'LifecycleError';
    this.state = state;
  }
}

/** A message on the wire that cannot be decoded; it is terminated, never retried. */
export class WireFormatError extends WidthsweepError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'WireFormatError';
  }
}

/** The NATS server refused or could not be reached; `server` never includes credentials. */
export class ConnectionError extends WidthsweepError {
  readonly server: string;
  constructor(server: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConnectionError';
    this.server = server;
  }
}

/** Renders an error and its causes on one line each, for logs and stored failure texts. */
export function describeError(err: unknown): string {
  const parts: string[] = [];
  let current: unknown = err;
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    if (current instanceof AggregateError) {
      const inner = current.errors.map((e) => describeError(e).replaceAll('\n', '\n  '));
      parts.push(`${current.message}:\n  - ${inner.join('\n  - ')}`);
      current = current.cause;
    } else if (current instanceof Error) {
      parts.push(`${current.name}: ${current.message}`);
      current = current.cause;
    } else {
      parts.push(plainText(current));
      current = undefined;
    }
  }
  return parts.join('\n  caused by ');
}

/**
 * A study name that another result database already serves on this NATS server: two databases
 * must not collect the same study. `study` is the name, `claimedBy` the other database's key.
 */
export class StudyClaimedError extends InputError {
  readonly study: string;
  readonly claimedBy: string;
  constructor(study: string, claimedBy: string, options?: ErrorOptions) {
    super(
      `study '${study}' is already served on this NATS server by another result database (study key ${claimedBy}); ` +
        'rename the study, use that database, or pass --take-over if that database is gone for good',
      options,
    );
    this.name = 'StudyClaimedError';
    this.study = study;
    this.claimedBy = claimedBy;
  }
}

/** A result message the collector refuses to store; it goes to the dead letters with this reason. */
export class RejectedResultError extends WidthsweepError {
  readonly taskId: string;
  constructor(taskId: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RejectedResultError';
    this.taskId = taskId;
  }
}
