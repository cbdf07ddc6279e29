import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { runCli, startCli } from '../helpers/cli.js';
import { rowsWhenReady } from '../helpers/db.js';
import {
  assertOneResultPerTask,
  lockFiles,
  tinyStudy,
  waitForResults,
  writeSpec,
} from '../helpers/faults.js';
import { tempDir } from '../helpers/temp.js';

const dir = tempDir('widthsweep-faults-local-');
after(() => dir.remove());

/** Mounts a tmpfs of `size` at a fresh directory; undefined (with the reason) where it cannot. */
function mountTmpfs(
  size: string,
): { path: string; resize: (s: string) => void; unmount: () => void } | string {
  const path = join(dir.path, `tmpfs-${size}`);
  mkdirSync(path);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', path], { stdio: 'pipe' });
  } catch (err) {
    return `cannot mount a tmpfs here (needs root and mount(8)): ${(err as Error).message.split('\n')[0]}`;
  }
  return {
    path,
    resize: (s) => execFileSync('mount', ['-o', `remount,size=${s}`, path], { stdio: 'pipe' }),
    unmount: () => execFileSync('umount', ['-l', path], { stdio: 'pipe' }),
  };
}

test('faults local - a full disk ends the run with exit 1; freed, a resume stores one result per task', async (t) => {
  const fs = mountTmpfs('2m');
  if (typeof fs === 'string') {
    t.skip(fs);
    return;
  }
  try {
    const spec = writeSpec(dir.path, 'full.json', tinyStudy('full-disk', 20, 10));
    const db = join(fs.path, 'full.sqlite');
    const full = await runCli(['run', spec, '--db', db, '--threads', '2', '--json'], dir.path);
    assert.equal(full.code, 1, `a run on a full disk must not exit 0:\n${full.stderr}`);
    assert.match(full.stderr, /storing results failed \(database or disk is full\)/);
    assert.match(full.stderr, /run again to resume/);
    assert.deepEqual(lockFiles(fs.path), []);
    fs.resize('64m');
    const resumed = await runCli(['run', spec, '--db', db, '--threads', '2', '--json'], dir.path);
    assert.equal(resumed.code, 0, resumed.stderr);
    assertOneResultPerTask(db, 'full-disk', 200);
  } finally {
    fs.unmount();
  }
});

test(
  'faults local - a second coordinator through a symlink to the database is refused',
  { timeout: 120_000 },
  async () => {
    // Long tasks: the first run must still hold the database when the second one starts. Width
    // 1-2 nets ran 200k steps in 3 s on a loaded machine (the test then flaked): these take minutes.
    const spec = writeSpec(dir.path, 'symlink.json', {
      ...tinyStudy('symlink', 2, 1),
      grid: { dims: [1], widths: [256, 512], seeds: [0], targets: ['sine'] },
      train: { steps: 200_000, samples: 1024, optimizer: 'adam' },
    });
    const db = join(dir.path, 'real.sqlite');
    const link = join(dir.path, 'link.sqlite');
    const first = startCli(['run', spec, '--db', db, '--threads', '1'], dir.path);
    try {
      // The lock is the first thing a run takes: from then on the database is held.
      const deadline = Date.now() + 60_000;
      while (!existsSync(`${db}.lock`)) {
        assert.ok(Date.now() < deadline, 'the first run took no lock');
        await sleep(50);
      }
      symlinkSync(db, link);
      const second = await runCli(['run', spec, '--db', link, '--threads', '1'], dir.path);
      assert.equal(second.code, 1, second.stderr);
      assert.match(second.stderr, /in use by another widthsweep coordinator/);
    } finally {
      first.child.kill('SIGTERM');
    }
    const stopped = await first.done;
    assert.equal(stopped.code, 130, stopped.stderr);
    const running = rowsWhenReady(db, "SELECT count(*) AS n FROM tasks WHERE status = 'running'");
    assert.equal(running[0]?.n, 0);
    assert.deepEqual(lockFiles(dir.path), []);
  },
);

test('faults local - kill -9 of a local run, then a resume stores exactly one result per task', async () => {
  const spec = writeSpec(dir.path, 'kill9.json', {
    ...tinyStudy('kill9', 8, 2),
    train: { steps: 400, samples: 256, optimizer: 'adam' },
  });
  const db = join(dir.path, 'kill9.sqlite');
  const run = startCli(['run', spec, '--db', db, '--threads', '2'], dir.path);
  await waitForResults(db, 2);
  run.child.kill('SIGKILL');
  const killed = await run.done;
  assert.equal(killed.signal, 'SIGKILL');
  // The dead coordinator's lock is stale (its pid is gone): the resume takes it over.
  const resumed = await runCli(['run', spec, '--db', db, '--json'], dir.path);
  assert.equal(resumed.code, 0, resumed.stderr);
  assertOneResultPerTask(db, 'kill9', 16);
  assert.deepEqual(lockFiles(dir.path), []);
});

test('faults local - SIGTERM stops a run promptly with 130; a resume completes it', async () => {
  const spec = writeSpec(dir.path, 'term.json', {
    ...tinyStudy('term', 8, 2),
    train: { steps: 800, samples: 256, optimizer: 'adam' },
  });
  const db = join(dir.path, 'term.sqlite');
  const run = startCli(['run', spec, '--db', db, '--threads', '2'], dir.path);
  await waitForResults(db, 1);
  const signalled = Date.now();
  run.child.kill('SIGTERM');
  const stopped = await run.done;
  const took = Date.now() - signalled;
  assert.equal(stopped.code, 130, stopped.stderr);
  assert.ok(took < 10_000, `SIGTERM took ${took} ms`);
  assert.deepEqual(lockFiles(dir.path), []);
  const resumed = await runCli(['run', spec, '--db', db, '--json'], dir.path);
  assert.equal(resumed.code, 0, resumed.stderr);
  assertOneResultPerTask(db, 'term', 16);
});

test('faults local - a foreign SQLite file is refused and left byte for byte unchanged', async () => {
  const foreign = join(dir.path, 'foreign.sqlite');
  const conn = new Database(foreign);
  conn.exec("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('mine')");
  conn.close();
  const hash = () => createHash('sha256').update(readFileSync(foreign)).digest('hex');
  const before = hash();
  assert.equal(readFileSync(foreign)[18], 1, 'the fixture starts in rollback-journal mode');
  const spec = writeSpec(dir.path, 'foreign.json', tinyStudy('foreign', 1, 1));
  const out = await runCli(['run', spec, '--db', foreign], dir.path);
  assert.equal(out.code, 1, out.stderr);
  assert.match(out.stderr, /another program.*not a widthsweep result database; it was not changed/);
  // Header bytes 18-19 are 2 in WAL mode: the file must still be in its own journal mode.
  assert.equal(readFileSync(foreign)[18], 1);
  assert.equal(hash(), before);
  assert.deepEqual(lockFiles(dir.path), []);
});
