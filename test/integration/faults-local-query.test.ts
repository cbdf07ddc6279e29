import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCli, startCli } from '../helpers/cli.js';
import { rowsWhenReady } from '../helpers/db.js';
import { tinyStudy, writeSpec } from '../helpers/faults.js';
import { tempDir } from '../helpers/temp.js';
import { SqliteResultStore } from '../../coordinator/store/sqlite-store.js';
import { expandStudy } from '../../shared/expand.js';
import { validateStudySpec } from '../../shared/spec/validate.js';

const dir = tempDir('widthsweep-faults-query-');
after(() => dir.remove());
const db = join(dir.path, 'query.sqlite');

const RUNAWAY =
  'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c';

before(async () => {
  const spec = writeSpec(dir.path, 'q.json', tinyStudy('q', 2, 2));
  const out = await runCli(['run', spec, '--db', db, '--threads', '1'], dir.path);
  assert.equal(out.code, 0, out.stderr);
});

/** Resolves once `pid` has a child process (Linux /proc; elsewhere after a fixed wait). */
async function childProcessSpawned(pid: number): Promise<void> {
  const list = `/proc/${pid}/task/${pid}/children`;
  if (!existsSync(list)) {
    await new Promise((r) => setTimeout(r, 5000));
    return;
  }
  const deadline = Date.now() + 30_000;
  while (readFileSync(list, 'utf8').trim() === '') {
    assert.ok(Date.now() < deadline, 'the query never started');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The bytes of the database and its WAL: a refused statement must not change either. */
function fingerprint(): string {
  const hash = createHash('sha256');
  for (const f of [db, `${db}-wal`]) if (existsSync(f)) hash.update(readFileSync(f));
  return hash.digest('hex');
}

test('faults local - disguised writes are refused by query with exit 2 and change nothing', async () => {
  const before = fingerprint();
  const copy = join(dir.path, 'copy.sqlite');
  for (const sql of [
    "WITH x AS (SELECT 1) INSERT INTO studies SELECT 'evil', '{}', '', '' FROM x",
    'WITH doomed AS (SELECT task_id FROM results) DELETE FROM results WHERE task_id IN doomed',
    "UPDATE tasks SET status = 'pending'",
    'PRAGMA journal_mode=DELETE',
    'PRAGMA user_version=99',
    'PRAGMA wal_checkpoint(TRUNCATE)',
    `ATTACH '${join(dir.path, 'side.sqlite')}' AS side`,
    `VACUUM INTO '${copy}'`,
    'SELECT 1; DELETE FROM results',
    'BEGIN IMMEDIATE',
    'REINDEX',
    'ANALYZE',
    'DROP VIEW task_results',
    "SELECT load_extension('/nonexistent/evil')",
  ]) {
    const out = await runCli(['query', sql, '--db', db], dir.path);
    assert.equal(out.code, 2, `${sql}: ${out.stderr}`);
    assert.match(out.stderr, /^widthsweep: query: /, sql);
  }
  assert.equal(existsSync(copy), false);
  assert.equal(existsSync(join(dir.path, 'side.sqlite')), false);
  assert.equal(fingerprint(), before);
  assert.equal(rowsWhenReady(db, 'SELECT count(*) AS n FROM results')[0]?.n, 4);
});

test('faults local - a runaway query stops at --timeout with exit 1', async () => {
  const out = await runCli(['query', RUNAWAY, '--db', db, '--timeout', '2'], dir.path);
  assert.equal(out.code, 1, out.stderr);
  assert.match(out.stderr, /query: stopped after 2 s, the time limit/);
});

test('faults local - SIGTERM stops a running query with exit 130', async () => {
  const { child, done } = startCli(['query', RUNAWAY, '--db', db], dir.path);
  let out;
  try {
    // Wait until the CLI handles signals: it has spawned the statement's child process by then.
    await childProcessSpawned(child.pid ?? 0);
    child.kill('SIGTERM');
    out = await done;
  } finally {
    // A runaway statement must not outlive a failed test at 100% CPU.
    child.kill('SIGKILL');
  }
  assert.equal(out.code, 130, out.stderr);
  assert.match(out.stderr, /query: interrupted/);
});

test('faults local - query on a directory or a missing file says so with exit 2', async () => {
  const directory = await runCli(['query', 'SELECT 1', '--db', dir.path], dir.path);
  assert.equal(directory.code, 2);
  assert.match(directory.stderr, /is a directory, not a result database/);
  const missing = await runCli(
    ['query', 'SELECT 1', '--db', join(dir.path, 'nope.sqlite')],
    dir.path,
  );
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no result database at/);
  assert.equal(existsSync(join(dir.path, 'nope.sqlite')), false);
});

test('faults local - analyze on a study without results answers no data', async () => {
  const spec = validateStudySpec(tinyStudy('nothing-yet', 3, 2));
  const empty = join(dir.path, 'empty.sqlite');
  const store = new SqliteResultStore(empty);
  store.registerStudy(spec, expandStudy(spec));
  store.close();
  const out = await runCli(['analyze', 'nothing-yet', '--db', empty], dir.path);
  assert.equal(out.code, 0, out.stderr);
  for (const rq of ['RQ1', 'RQ3', 'RQ5'])
    assert.match(out.stdout, new RegExp(`${rq} \\[no data\\]`));
  assert.ok(!/\[no\]/.test(out.stdout), out.stdout);
  assert.ok(!/no longer fall/.test(out.stdout), out.stdout);
  assert.match(out.stdout, /verdict: No data/);
});
