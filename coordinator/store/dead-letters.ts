import type Database from 'better-sqlite3';

/**
 * Messages the collector could not decode or store: kept with the reason and acked, so one bad
 * message never blocks a study and none vanishes unseen (`widthsweep status STUDY
 * --dead-letters` lists them).
 */
export interface DeadLetter {
  /** The study whose result subject the message came on. */
  readonly study: string;
  readonly subject: string;
  /** Where it sat in the result stream. */
  readonly streamSeq: number | null;
  readonly reason: string;
  /** The message as received, cut to MAX_PAYLOAD_BYTES. */
  readonly payload: string;
}

export interface StoredDeadLetter extends DeadLetter {
  readonly id: number;
  readonly receivedAt: string;
}

/** Enough to see what a message was; a hostile one cannot fill the disk. */
export const MAX_PAYLOAD_BYTES = 16 * 1024;

/** Schema version 6: dead letters, and the key that scopes a study's NATS subjects. */
export const DEAD_LETTER_SCHEMA_SQL = `
CREATE TABLE dead_letters (
  id          INTEGER PRIMARY KEY,
  study       TEXT NOT NULL,
  subject     TEXT NOT NULL,
  stream_seq  INTEGER,
  reason      TEXT NOT NULL,
  payload     TEXT NOT NULL,
  received_at TEXT NOT NULL
);
CREATE INDEX dead_letters_by_study ON dead_letters (study);
ALTER TABLE studies ADD COLUMN study_key TEXT;
`;

export function prepareDeadLetters(db: Database.Database) {
  return {
    insert: db.prepare(`INSERT INTO dead_letters (study, subject, stream_seq, reason, payload,
      received_at) VALUES (@study, @subject, @seq, @reason, @payload, @stamp)`),
    list: db.prepare(`SELECT id, study, subject, stream_seq AS streamSeq, reason, payload,
      received_at AS receivedAt FROM dead_letters WHERE study = @study ORDER BY id`),
    count: db.prepare(`SELECT count(*) AS n FROM dead_letters WHERE study = @study`),
  };
}

export function truncatePayload(data: Uint8Array): string {
  const cut = data.length > MAX_PAYLOAD_BYTES ? data.subarray(0, MAX_PAYLOAD_BYTES) : data;
  const text = new TextDecoder('utf-8', { fatal: false }).decode(cut);
  return data.length > MAX_PAYLOAD_BYTES ? `${text}… (${data.length} bytes in all)` : text;
}
