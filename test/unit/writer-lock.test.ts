import assert from 'node:assert/strict';
import { writeFileSync, existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { StoreError } from '../../shared/errors.js';
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
