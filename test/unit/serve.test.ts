import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { InputError, ValidationError } from '../../shared/errors.js';
import { openReadConnection } from '../../coordinator/serve/read-connection.js';
import { isLoopback, resolveServeOptions } from '../../coordinator/serve/serve-options.js';
import { SqliteResultStore } from '../../coordinator/store/sqlite-store.js';
import { requireBinary } from '../helpers/system-binaries.js';
import { tempDir } from '../helpers/temp.js';

test('serve options - defaults bind loopback on 8321 without a token', () => {
  const o = resolveServeOptions();
  assert.deepEqual([o.host, o.port, o.token, o.nats], ['127.0.0.1', 8321, null, null]);
  assert.ok(isLoopback('127.0.0.2') && isLoopback('::1') && isLoopback('localhost'));
  assert.ok(!isLoopback('0.0.0.0') && !isLoopback('192.168.1.4') && !isLoopback('::'));
});

test('serve options - another address without a token is a ValidationError naming --host', () => {
  for (const host of ['0.0.0.0', '::', '10.0.0.5']) {
    assert.throws(
      () => resolveServeOptions({ host }),
      (err: unknown) => err instanceof ValidationError && err.field === '--host',
    );
  }
  const o = resolveServeOptions({ host: '0.0.0.0', token: 'a-long-enough-token' });
  assert.equal(o.token, 'a-long-enough-token');
});

test('serve options - a short or odd token and a bad port are refused by field', () => {
  const field = (f: string) => (err: unknown) => err instanceof ValidationError && err.field === f;
  assert.throws(() => resolveServeOptions({ token: 'short' }), field('--token'));
  assert.throws(() => resolveServeOptions({ token: 'has spaces in it, no' }), field('--token'));
  assert.throws(() => resolveServeOptions({ port: 70000 }), field('--port'));
});

test('serve read connection - reads, refuses writes, and refuses an unmigrated database', () => {
  const dir = tempDir('widthsweep-serve-');
  try {
    const current = join(dir.path, 'current.sqlite');
    new SqliteResultStore(current).close();
    const db = openReadConnection(current);
    try {
      assert.ok(db.prepare('SELECT count(*) AS n FROM studies').get());
      assert.throws(() => db.exec('CREATE TABLE x (a)'), /readonly/);
    } finally {
      db.close();
    }
    const old = join(dir.path, 'old.sqlite');
    new Database(old).close();
    assert.throws(() => openReadConnection(old), InputError);
    assert.throws(() => openReadConnection(join(dir.path, 'missing.sqlite')), InputError);
  } finally {
    dir.remove();
  }
});

test('system binaries - a missing one is a skip naming the package, and an error on CI', () => {
  const saved = process.env.CI;
  try {
    delete process.env.CI;
    const missing = requireBinary('widthsweep-no-such-program', 'no-such-package');
    assert.equal(missing.path, undefined);
    assert.match(String(missing.skip), /apt-get install no-such-package/);
    process.env.CI = 'true';
    assert.throws(() => requireBinary('widthsweep-no-such-program', 'no-such-package'), /CI=true/);
    assert.equal(requireBinary('node', 'nodejs', { envVar: 'WIDTHSWEEP_UNSET' }).skip, false);
  } finally {
    if (saved === undefined) delete process.env.CI;
    else process.env.CI = saved;
  }
});
