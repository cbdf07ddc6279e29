import type { Consumer, JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import Database from 'better-sqlite3';
import { describeError, RejectedResultError, WireFormatError } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import {
  ADVISORY_STREAM,
  advisoryConsumerName,
  collectorConsumerName,
  RESULT_STREAM,
  TASK_STREAM,
} from '../../shared/nats/subjects.js';
import type { StudyRef } from '../../shared/nats/subjects.js';
import { parseResultMessage } from '../../shared/wire/messages.js';
import type { ResultMessage } from '../../shared/wire/messages.js';
import { COLLECTOR_ACK_WAIT_MS } from '../../shared/nats/topology.js';
import type { AttemptRules } from '../apply-result.js';
import type { ResultSink } from '../dispatch/dispatcher.js';
import { truncatePayload } from '../store/dead-letters.js';
import type { SweepEvent } from '../sweep-events.js';
import type { JetStreamLedger } from './ledger.js';

/**
 * SQLite errors that belong to one message (it cannot be stored as it is); any other SQLite
 * error (disk full, I/O, busy, read-only) is the database's, fails the batch, and leaves it
 * unacked for a retry.
 */
const PER_MESSAGE_SQLITE = /^SQLITE_(CONSTRAINT|MISMATCH|TOOBIG|RANGE)/;

function isPerMessageError(err: unknown): boolean {
  if (err instanceof Database.SqliteError) return PER_MESSAGE_SQLITE.test(err.code);
  return true;
}

/**
 * Messages taken per fetch and stored per SQLite transaction: big enough that the fetch round
 * trips and the commits are small beside the work. Each commit writes its own copy of every page
 * it dirtied (the B-tree interior pages, the pages of the task rows) to the WAL, so four times
 * 1024 made storing a backlog cheaper again; a batch is a few MB of messages, well under what
 * the client buffers, and takes far less than the collector's ack wait to store.
 */
const BATCH = 4096;
/**
 * The first batch of a step is small: storing starts as soon as it arrives, while the server
 * reads and sends the first full batch, which is asked for before it is stored. A first batch
 * of 4096 kept the collector waiting a tenth of a 10,000-result backlog's time.
 */
const FIRST_BATCH = 256;
/** The client refuses pull requests that expire sooner. Unit: ms. */
const MIN_EXPIRES_MS = 1000;
/**
 * Acks are fire-and-forget publishes, so right after a batch the consumer may still count them as
 * pending; before a pull waits for a redelivery (MIN_EXPIRES_MS), the backlog drain looks again
 * this many times, this far apart (Unit: ms). It saved the last second of every `collect`.
 */
const ACK_SETTLE_CHECKS = 10;
const ACK_SETTLE_MS = 20;
/** How often the max-deliveries advisories are checked while collecting. Unit: ms. */
const ADVISORY_INTERVAL_MS = 5000;

interface MaxDeliveriesAdvisory {
  readonly stream_seq: number;
  readonly deliveries: number;
}

function parseAdvisory(msg: JsMsg): MaxDeliveriesAdvisory | undefined {
  try {
    const raw = msg.json<Partial<MaxDeliveriesAdvisory> & { stream?: string }>();
    if (raw.stream !== TASK_STREAM || typeof raw.stream_seq !== 'number') return undefined;
    return { stream_seq: raw.stream_seq, deliveries: raw.deliveries ?? 0 };
  } catch {
    return undefined;
  }
}

interface Decoded {
  readonly msg: JsMsg;
  readonly message?: ResultMessage;
  readonly error?: unknown;
}

interface Applied {
  readonly events: SweepEvent[];
  readonly dead: number;
}

/** Decodes one message; a WireFormatError is kept for the dead letters, anything else thrown. */
function decode(msg: JsMsg): Decoded {
  try {
    return { msg, message: parseResultMessage(msg.data) };
  } catch (err) {
    if (!(err instanceof WireFormatError)) throw err;
    return { msg, error: err };
  }
}

/**
 * The `started` reports whose outcome, from the same delivery and the same study, comes later in
 * the batch: storing them would change nothing the outcome does not (the outcome sets the status
 * and the attempt count), so they cost no statement. Their outcome is checked as usual.
 */
function redundantStarts(decoded: readonly Decoded[], study: StudyRef): Set<number> {
  const delivery = (m: ResultMessage): string => `${m.taskId}:${m.taskSeq}:${m.attempt}`;
  const ours = (m: ResultMessage): boolean => m.study === study.name && m.studyKey === study.key;
  const finished = new Map<string, number>();
  for (const [i, { message }] of decoded.entries()) {
    if (message?.type === 'outcome' && ours(message)) finished.set(delivery(message), i);
  }
  const redundant = new Set<number>();
  for (const [i, { message }] of decoded.entries()) {
    if (message?.type !== 'started' || !ours(message)) continue;
    if ((finished.get(delivery(message)) ?? -1) > i) redundant.add(i);
  }
  return redundant;
}

/**
 * How JetStream failure reports are judged. `maxDeliver` is the worker consumer's max_deliver: a
 * failure report is final only when it comes from the last delivery of the task's latest
 * published copy, and no later attempt has started; any other "final" failure is taken as one
 * failed attempt, so it can never fail a task that another attempt is still running (the
 * lost-task check republishes it if nothing is).
 */
export function jetStreamAttemptRules(maxDeliver: number): AttemptRules {
  return {
    // A report about an older copy, or an attempt that a later one has overtaken, says nothing
    // about the task's current state.
    isCurrent: (state, message) =>
      state.latestCopy === message.taskSeq && message.attempt >= state.attempts,
    isFinal: (message) => message.final && maxDeliver > 0 && message.attempt >= maxDeliver,
  };
}

/**
 * Moves a study's results from JetStream into the store: each message goes to the coordinator's
 * sink, which applies it. Each batch is stored in one SQLite transaction and acked only after it
 * commits, so a coordinator killed at any point loses nothing: unacked messages are delivered
 * again, and storing one twice changes nothing.
 */
export class ResultCollector {
  readonly #ledger: JetStreamLedger;
  readonly #sink: ResultSink;
  readonly #study: StudyRef;
  readonly #rules: AttemptRules;
  readonly #jsm: JetStreamManager;
  readonly #results: Consumer;
  readonly #advisories: Consumer;
  readonly #log: Logger;
  #lastAdvisoryCheck = 0;

  private constructor(
    ledger: JetStreamLedger,
    sink: ResultSink,
    study: StudyRef,
    maxDeliver: number,
    jsm: JetStreamManager,
    consumers: { readonly results: Consumer; readonly advisories: Consumer },
    log: Logger,
  ) {
    this.#ledger = ledger;
    this.#sink = sink;
    this.#study = study;
    this.#rules = jetStreamAttemptRules(maxDeliver);
    this.#jsm = jsm;
    this.#results = consumers.results;
    this.#advisories = consumers.advisories;
    this.#log = log;
  }

  /** `maxDeliver`: the worker consumer's, which decides when a failure report is final. */
  static async open(
    ledger: JetStreamLedger,
    sink: ResultSink,
    js: JetStreamClient,
    jsm: JetStreamManager,
    study: StudyRef,
    maxDeliver: number,
    log: Logger,
  ): Promise<ResultCollector> {
    const results = await js.consumers.get(RESULT_STREAM, collectorConsumerName(study));
    const advisories = await js.consumers.get(ADVISORY_STREAM, advisoryConsumerName(study));
    const consumers = { results, advisories };
    return new ResultCollector(ledger, sink, study, maxDeliver, jsm, consumers, log);
  }

  /**
   * Fetches and stores the results pending now, batch after batch (and, every few seconds, the
   * advisories); returns how many messages it handled. A pull request is held until its batch is
   * full, so it asks for what is pending, or for one message when nothing is: then the first
   * result ends the wait at once. The pull for the next batch goes out before the current one is
   * stored, so the server sends it while SQLite works; it is awaited before step returns, and an
   * unacked message is delivered again anyway.
   */
  async step(expiresMs: number): Promise<number> {
    const pending = (await this.#results.info()).num_pending;
    let batch = await this.#fetch(
      this.#results,
      Math.min(FIRST_BATCH, Math.max(1, pending)),
      expiresMs,
    );
    let left = pending - batch.length;
    let handled = 0;
    while (batch.length > 0) {
      const next =
        left > 0 ? this.#fetch(this.#results, Math.min(BATCH, left), MIN_EXPIRES_MS) : undefined;
      // The store below throws or not; the next fetch's failure is reported by its await.
      next?.catch(() => undefined);
      // Lets the client write the pull request (it flushes in a microtask) before SQLite blocks.
      if (next !== undefined) await new Promise((resolve) => setImmediate(resolve));
      this.#storeResults(batch);
      handled += batch.length;
      if (next === undefined) break;
      batch = await next;
      left -= batch.length;
    }
    let advisories = 0;
    if (Date.now() - this.#lastAdvisoryCheck > ADVISORY_INTERVAL_MS) {
      this.#lastAdvisoryCheck = Date.now();
      advisories = await this.#stepAdvisories();
    }
    return handled + advisories;
  }

  async #stepAdvisories(): Promise<number> {
    const pending = (await this.#advisories.info()).num_pending;
    if (pending === 0) return 0;
    const batch = await this.#fetch(this.#advisories, Math.min(BATCH, pending), MIN_EXPIRES_MS);
    if (batch.length > 0) await this.#storeAdvisories(batch);
    return batch.length;
  }

  /**
   * Stores everything already waiting; used before deciding what must be republished. Results
   * that a killed coordinator was holding (delivered, never acked) come back only through a pull
   * once their ack wait has passed, so those are pulled for, up to `heldWaitMs`; whatever is
   * still held then is stored by the collecting loop later.
   */
  async drainBacklog(heldWaitMs = COLLECTOR_ACK_WAIT_MS + 5000): Promise<void> {
    const deadline = Date.now() + heldWaitMs;
    let settleChecks = 0;
    for (;;) {
      const [r, a] = await Promise.all([this.#results.info(), this.#advisories.info()]);
      if (a.num_pending > 0) await this.#stepAdvisories();
      if (r.num_pending > 0) {
        await this.step(MIN_EXPIRES_MS);
        continue;
      }
      if (a.num_pending > 0) continue;
      if (r.num_ack_pending === 0 || Date.now() > deadline) return;
      if (settleChecks++ < ACK_SETTLE_CHECKS) {
        // Maybe only our own acks, still on their way.
        await new Promise((resolve) => setTimeout(resolve, ACK_SETTLE_MS));
        continue;
      }
      // A pull is what makes the server redeliver an expired message.
      const redelivered = await this.#fetch(this.#results, 1, MIN_EXPIRES_MS);
      if (redelivered.length > 0) this.#storeResults(redelivered);
    }
  }

  async #fetch(consumer: Consumer, max: number, expiresMs: number): Promise<JsMsg[]> {
    const batch: JsMsg[] = [];
    const messages = await consumer.fetch({
      max_messages: max,
      expires: Math.max(MIN_EXPIRES_MS, expiresMs),
    });
    for await (const msg of messages) batch.push(msg);
    return batch;
  }

  /**
   * Stores a batch in one transaction: a message that cannot be decoded or is refused goes to the
   * dead letters with the reason, and the rest of the batch is stored all the same. Everything is
   * acked after the commit. Messages are decoded before the transaction, and stored without a
   * savepoint each; only if storing one fails in SQLite is the batch stored again, each message
   * in its own savepoint, so that one alone goes to the dead letters.
   */
  #storeResults(batch: readonly JsMsg[]): void {
    const decoded = batch.map(decode);
    const redundant = redundantStarts(decoded, this.#study);
    let applied: Applied;
    try {
      applied = this.#ledger.transaction(() => this.#applyAll(decoded, redundant, false));
    } catch (err) {
      if (!isPerMessageError(err)) throw err;
      applied = this.#ledger.transaction(() => this.#applyAll(decoded, redundant, true));
    }
    // Acked only now that the transaction has committed.
    for (const msg of batch) msg.ack();
    if (applied.dead > 0) {
      this.#log.warn(
        `${applied.dead} result message(s) could not be stored and were kept as dead letters: widthsweep status ${this.#study.name} --dead-letters`,
      );
    }
    for (const event of applied.events) this.#sink.emit(event);
  }

  /**
   * Applies decoded messages in stream order. `isolated`: each in a savepoint, and a SQLite
   * error of one message makes it a dead letter; otherwise such an error fails the whole call
   * (the caller rolls back and tries again isolated). A refused or undecodable message writes
   * nothing before it throws, so it needs no savepoint to become a dead letter.
   */
  #applyAll(decoded: readonly Decoded[], redundant: ReadonlySet<number>, isolated: boolean) {
    const events: SweepEvent[] = [];
    let dead = 0;
    const apply = (message: ResultMessage): SweepEvent | undefined =>
      this.#sink.apply(message, this.#rules);
    for (const [i, item] of decoded.entries()) {
      if (redundant.has(i)) continue;
      try {
        if (item.message === undefined) throw item.error;
        const { message } = item;
        const event = isolated ? this.#ledger.transaction(() => apply(message)) : apply(message);
        if (event !== undefined) events.push(event);
      } catch (err) {
        const refused = err instanceof WireFormatError || err instanceof RejectedResultError;
        if (!refused && !(isolated && isPerMessageError(err))) throw err;
        this.#deadLetter(item.msg, err);
        dead++;
      }
    }
    return { events, dead };
  }

  #deadLetter(msg: JsMsg, err: unknown): void {
    const reason =
      err instanceof WireFormatError || err instanceof RejectedResultError
        ? err.message
        : `cannot be stored: ${describeError(err)}`;
    this.#ledger.recordDeadLetter({
      study: this.#study.name,
      subject: msg.subject,
      streamSeq: msg.info.streamSequence,
      reason,
      payload: truncatePayload(msg.data),
    });
  }

  async #storeAdvisories(batch: readonly JsMsg[]): Promise<void> {
    const gaveUp: Array<{ seq: number; event: SweepEvent | undefined }> = [];
    this.#ledger.transaction(() => {
      for (const msg of batch) {
        const advisory = parseAdvisory(msg);
        if (advisory === undefined) continue;
        // Only this database's unfinished tasks whose latest copy is that message: an advisory
        // about an older copy of a republished task says nothing about the current one.
        const taskId = this.#ledger.unfinishedTaskAtStreamSeq(advisory.stream_seq);
        if (taskId === undefined) continue;
        const event = this.#sink.gaveUp(taskId, advisory.deliveries);
        if (event !== undefined) gaveUp.push({ seq: advisory.stream_seq, event });
      }
    });
    for (const msg of batch) msg.ack();
    for (const { seq, event } of gaveUp) {
      if (event !== undefined) this.#sink.emit(event);
      // A work-queue stream keeps a message that hit max_deliver (nats-server#5564): remove it.
      await this.#jsm.streams.deleteMessage(TASK_STREAM, seq).catch((err: unknown) => {
        this.#log.warn(`could not delete task message ${seq}: ${describeError(err)}`);
      });
    }
  }
}
