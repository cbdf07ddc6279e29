import type { DeadLetter } from '../store/dead-letters.js';

/**
 * What the JetStream dispatcher keeps in the result database beside the results: where each
 * task's latest copy sits in the task stream, and the messages it could not store. The core
 * never sees these; SqliteResultStore implements both.
 */
export interface JetStreamLedger {
  /** Where the latest published copy of the task sits in the task stream. */
  recordPublished(taskId: string, streamSeq: number): void;
  /** The unfinished task whose latest published copy has this stream sequence. */
  unfinishedTaskAtStreamSeq(streamSeq: number): string | undefined;
  /** Keeps a message that could not be decoded or stored, with the reason. */
  recordDeadLetter(letter: DeadLetter): void;
  /** Runs fn in one transaction, so a batch of messages commits (and is acked) together. */
  transaction<T>(fn: () => T): T;
}
