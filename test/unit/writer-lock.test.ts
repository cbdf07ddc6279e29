import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { StoreError, WriterLockHeldError } from '../../shared/errors.js';
import { WriterLock } from '../../coordinator/store/writer-lock.js';
import { tempDir } from '../helpers/temp.js';

const dir = tempDir();
after(() => dir.remove());

test('writer lock - a second writer is refused until the first releases', () => {
  const db = join(dir.path, 'a.sqlite');
  const lock = WriterLock.acquire(db);
  assert.throws(() => WriterLock.acquire(db), StoreError);
  lock.release();
  lock.release();
  assert.equal(existsSync(`${db}.lock`), false);
  WriterLock.acquire(db).release();
});

test('writer lock - a lock left by a dead process on this host is taken over', () => {
  const db = join(dir.path, 'b.sqlite');
  // pid 2^22 + 1 is above Linux's pid_max default, so no process has it.
  writeFileSync(
    `${db}.lock`,
    JSON.stringify({ pid: 4194305, host: hostname(), startedAt: 'then' }),
  );
  WriterLock.acquire(db).release();
});

test('writer lock - a lock from another host is respected', () => {
  const db = join(dir.path, 'c.sqlite');
  writeFileSync(`${db}.lock`, JSON.stringify({ pid: 1, host: 'elsewhere', startedAt: 'then' }));
  assert.throws(
    () => WriterLock.acquire(db),
    (err: unknown) => err instanceof StoreError && err.message.includes('elsewhere'),
  );
});

const thisBoot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();

test('writer lock - a lock held on another host is refused naming that host and the file', () => {
  const db = join(dir.path, 'd.sqlite');
  writeFileSync(`${db}.lock`, JSON.stringify({ pid: 77, host: 'node17', startedAt: 'then' }));
  assert.throws(
    () => WriterLock.acquire(db),
    (err: unknown) =>
      err instanceof WriterLockHeldError &&
      err.host === 'node17' &&
      err.pid === 77 &&
      err.lockPath === `${db}.lock` &&
      err.message.includes(`delete ${db}.lock`),
  );
  assert.equal(existsSync(`${db}.lock`), true, 'the lock of another host is left alone');
});

test('writer lock - a lock written before this host last booted is taken over', () => {
  const db = join(dir.path, 'e.sqlite');
  // A live pid (this process), but recorded under another boot: that process is gone.
  writeFileSync(
    `${db}.lock`,
    JSON.stringify({ pid: process.pid, host: hostname(), startedAt: 'then', bootId: 'x-boot' }),
  );
  WriterLock.acquire(db).release();
});

test('writer lock - a lock whose pid now belongs to a later process is taken over', () => {
  const db = join(dir.path, 'f.sqlite');
  writeFileSync(
    `${db}.lock`,
    JSON.stringify({
      pid: process.pid,
      host: hostname(),
      startedAt: 'then',
      bootId: thisBoot,
      processStart: '1',
    }),
  );
  WriterLock.acquire(db).release();
});

test('writer lock - a live holder on this host is refused with its pid', () => {
  const db = join(dir.path, 'g.sqlite');
  const lock = WriterLock.acquire(db);
  assert.throws(
    () => WriterLock.acquire(db),
    (err: unknown) => err instanceof WriterLockHeldError && err.pid === process.pid,
  );
  lock.release();
});

test('writer lock - release leaves a lock that someone broke and took since', () => {
  const db = join(dir.path, 'h.sqlite');
  const lock = WriterLock.acquire(db);
  const theirs = JSON.stringify({ pid: 5, host: 'node3', startedAt: 'now' });
  writeFileSync(`${db}.lock`, theirs);
  lock.release();
  assert.equal(readFileSync(`${db}.lock`, 'utf8'), theirs);
});
