import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { Logger } from '../../shared/log.js';
import { publishWithRetry } from '../../shared/nats/publish.js';
import { studyTaskFilter, TASK_STREAM, taskSubject } from '../../shared/nats/subjects.js';
import type { StudyRef } from '../../shared/nats/subjects.js';
import type { Task } from '../../shared/task.js';
import { encodeWire } from '../../shared/wire/json.js';
import { WIRE_VERSION } from '../../shared/wire/messages.js';
import type { TaskMessage } from '../../shared/wire/messages.js';
import type { JetStreamLedger } from './ledger.js';

export interface PublishSummary {
  /** Tasks put on the queue now. */
  readonly published: number;
  /** Tasks already on the queue (waiting or held by a worker): left alone. */
  readonly queued: number;
}

/** Publishes in flight at once: enough to hide the round trip, few enough not to flood. */
const WINDOW = 64;

/**
 * Records where published tasks sit in the stream, one transaction for every ack that arrived
 * in the same turn of the event loop: a commit per task (each one writes and locks the WAL) cost
 * about 40 us of CPU per published task, measured on 1000 tasks. A crash before the commit
 * leaves a queued task with no recorded copy, as a crash between the ack and a per-task commit
 * did: its result is stored all the same (the task is the study's), a failure report or an
 * advisory about that copy is ignored, and the lost-task check publishes the task again if no
 * result comes.
 */
class PublishRecorder {
  readonly #ledger: JetStreamLedger;
  #acked: Array<{ readonly taskId: string; readonly seq: number }> = [];
  #scheduled = false;
  #error: Error | undefined;

  constructor(ledger: JetStreamLedger) {
    this.#ledger = ledger;
  }

  /** Throws the error of an earlier commit, so the lane stops publishing. */
  record(taskId: string, seq: number): void {
    this.throwIfFailed();
    this.#acked.push({ taskId, seq });
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      try {
        this.flush();
      } catch (err) {
        this.#error ??= err instanceof Error ? err : new Error(String(err));
      }
    });
  }

  /** Commits what is recorded and not yet committed. */
  flush(): void {
    if (this.#acked.length === 0) return;
    const acked = this.#acked;
    this.#acked = [];
    this.#ledger.transaction(() => {
      for (const { taskId, seq } of acked) this.#ledger.recordPublished(taskId, seq);
    });
  }

  throwIfFailed(): void {
    if (this.#error !== undefined) throw this.#error;
  }
}

/**
 * The ids of a study's tasks still in the work queue, waiting or in flight, in any pool: a task
 * queued for a pool that the routing no longer names is still queued, not lost.
 */
export async function queuedTaskIds(jsm: JetStreamManager, study: StudyRef): Promise<Set<string>> {
  const info = await jsm.streams.info(TASK_STREAM, { subjects_filter: studyTaskFilter(study) });
  const subjects = Object.keys(info.state.subjects ?? {});
  return new Set(subjects.map((subject) => subject.slice(subject.lastIndexOf('.') + 1)));
}

/**
 * Puts every given task that is not already queued onto the work queue, with the study key and
 * task id as msgID. A task that the duplicate window remembers (published minutes ago, since lost) is
 * published again under a fresh msgID, so "lost" always means "republished".
 */
export async function publishMissingTasks(
  js: JetStreamClient,
  jsm: JetStreamManager,
  ledger: JetStreamLedger,
  study: StudyRef,
  tasks: readonly Task[],
  poolOf: (task: Task) => string,
  log: Logger,
): Promise<PublishSummary> {
  const queued = await queuedTaskIds(jsm, study);
  const missing = tasks.filter((t) => !queued.has(t.id));
  let next = 0;
  const recorder = new PublishRecorder(ledger);
  const lane = async (): Promise<void> => {
    while (next < missing.length) {
      const task = missing[next++];
      if (task === undefined) return;
      const subject = taskSubject(poolOf(task), study, task.id);
      const message: TaskMessage = {
        type: 'task',
        v: WIRE_VERSION,
        study: study.name,
        studyKey: study.key,
        task,
      };
      const data = encodeWire(message);
      // Keyed by study too: another database publishing the same task is not a duplicate.
      let ack = await publishWithRetry(js, subject, data, `${study.key}:${task.id}`);
      if (ack.duplicate) {
        log.info(
          `task ${task.id} was lost from the queue inside the duplicate window; republishing`,
        );
        ack = await publishWithRetry(js, subject, data, `${study.key}:${task.id}:${Date.now()}`);
      }
      recorder.record(task.id, ack.seq);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(WINDOW, missing.length) }, lane));
  } finally {
    // Also when a publish failed: the tasks already acked are in the stream.
    recorder.flush();
  }
  recorder.throwIfFailed();
  return { published: missing.length, queued: tasks.length - missing.length };
}
