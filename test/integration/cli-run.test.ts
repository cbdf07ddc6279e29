import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { rowsWhenReady } from '../helpers/db.js';
import { lastJsonLine, runCli, startCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

const dir = tempDir();
after(() => dir.remove());

const tinyRecipe = { train: { steps: 150, samples: 128 }, eval: { samples: 1024 } };

function writeSpec(file: string, spec: Record<string, unknown>): string {
  const path = join(dir.path, file);
  writeFileSync(path, JSON.stringify(spec));
  return path;
}

interface Summary {
  study: string;
  total: number;
  done: number;
  failed: number;
  trained: number;
  skipped: number;
  wallMs: number;
  backend: string;
}

function rows(db: string, sql: string, ...params: unknown[]): Array<Record<string, unknown>> {
  const conn = new Database(db, { readonly: true });
  try {
    return conn.prepare(sql).all(...params) as Array<Record<string, unknown>>;
  } finally {
    conn.close();
  }
}

const base = {
  name: 'resume',
  grid: { dims: [1], widths: [4, 8], seeds: [0, 1], targets: ['sine'] },
  ...tinyRecipe,
};
const db = join(dir.path, 'resume.sqlite');

before(async () => {
  const spec = writeSpec('resume.json', base);
  const first = await runCli(['run', spec, '--db', db, '--json', '--threads', '2'], dir.path);
  assert.equal(first.code, 0, first.stderr);
});

test('cli run - the first run trains every cell and stores one row each', () => {
  const all = rows(db, "SELECT * FROM task_results WHERE study = 'resume'");
  assert.equal(all.length, 4);
  for (const row of all) {
    assert.equal(row.status, 'done');
    assert.equal(typeof row.l1_error, 'number');
    assert.ok((row.l1_stderr as number) >= 0);
    assert.equal(row.attempts, 1);
    // auto trains 1-D sine with lbfgs from the knot warm start, which ends once no step helps.
    assert.ok((row.steps as number) >= 1 && (row.steps as number) <= 150, String(row.steps));
    assert.ok(
      ['fused', 'wasm', 'cpu', 'tfjs-node', 'tfjs-node-gpu'].includes(row.backend as string),
    );
  }
});

test('cli run - re-running trains nothing and says so', async () => {
  const again = await runCli(
    ['run', writeSpec('resume.json', base), '--db', db, '--json'],
    dir.path,
  );
  assert.equal(again.code, 0, again.stderr);
  const summary = lastJsonLine<Summary>(again.stdout);
  assert.equal(summary.trained, 0);
  assert.equal(summary.skipped, 4);
  assert.equal(summary.done, 4);
  assert.match(again.stderr, /4 already finished, 0 to train/);
  for (const key of ['study', 'total', 'done', 'failed', 'trained', 'skipped', 'wallMs'])
    assert.ok(key in summary, key);
});

test('cli run - adding widths and seeds trains only the new cells', async () => {
  const grown = { ...base, grid: { ...base.grid, widths: [4, 8, 16], seeds: [0, 1, 2] } };
  const out = await runCli(['run', writeSpec('grown.json', grown), '--db', db, '--json'], dir.path);
  assert.equal(out.code, 0, out.stderr);
  const summary = lastJsonLine<Summary>(out.stdout);
  assert.equal(summary.total, 9);
  assert.equal(summary.trained, 5);
  assert.equal(summary.skipped, 4);
});

test('cli run - a changed recipe makes new tasks and keeps the old results', async () => {
  const changed = { ...base, train: { ...base.train, lr: 0.02 } };
  const out = await runCli(
    ['run', writeSpec('changed.json', changed), '--db', db, '--json'],
    dir.path,
  );
  assert.equal(out.code, 0, out.stderr);
  assert.equal(lastJsonLine<Summary>(out.stdout).trained, 4);
  const results = rows(db, 'SELECT count(*) AS n FROM results');
  assert.equal(results[0]?.n, 4 + 5 + 4);
});

test('cli run - the table shows L1 error against width', async () => {
  const out = await runCli(['run', writeSpec('resume.json', base), '--db', db], dir.path);
  assert.equal(out.code, 0, out.stderr);
  assert.match(out.stdout, /sine \(d = 1/);
  assert.match(out.stdout, /width\s+seeds\s+done\s+median_l1/);
  assert.match(out.stdout, /study resume: 4\/4 done/);
});

test('cli run - an invalid spec exits 2 naming the field and writes nothing', async () => {
  const bad = writeSpec('bad.json', { ...base, grid: { ...base.grid, widths: [4, 8, -4] } });
  const fresh = join(dir.path, 'never.sqlite');
  const out = await runCli(['run', bad, '--db', fresh], dir.path);
  assert.equal(out.code, 2);
  assert.match(out.stderr, /grid\.widths\[2\]: expected a positive integer, got -4/);
  assert.equal(existsSync(fresh), false);
});

test('cli run - bad flags exit 2', async () => {
  const out = await runCli(['run', 'x.yaml', '--threads', '0'], dir.path);
  assert.equal(out.code, 2);
  assert.match(out.stderr, /--threads/);
  const missing = await runCli(['run', join(dir.path, 'missing.yaml')], dir.path);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot read study spec/);
});

test('cli query - json rows, and writes are refused with exit 2', async () => {
  const out = await runCli(
    [
      'query',
      "SELECT width, count(*) AS n FROM task_results WHERE study = 'resume' GROUP BY width",
      '--db',
      db,
      '--format',
      'json',
    ],
    dir.path,
  );
  assert.equal(out.code, 0, out.stderr);
  assert.deepEqual(JSON.parse(out.stdout), [
    { width: 4, n: 2 },
    { width: 8, n: 2 },
  ]);
  const write = await runCli(['query', 'DELETE FROM results', '--db', db], dir.path);
  assert.equal(write.code, 2);
  assert.match(write.stderr, /read-only/);
  assert.equal(rows(db, 'SELECT count(*) AS n FROM results')[0]?.n, 13);
  const broken = await runCli(['query', 'SELEC 1', '--db', db], dir.path);
  assert.equal(broken.code, 2);
});

test('cli export - csv and jsonl carry every row', async () => {
  const csv = await runCli(['export', 'resume', '--db', db, '--format', 'csv'], dir.path);
  assert.equal(csv.code, 0, csv.stderr);
  const lines = csv.stdout.trim().split('\n');
  assert.equal(lines.length, 1 + 4);
  assert.match(lines[0] ?? '', /^study,task_id,target/);
  const jsonl = await runCli(['export', 'resume', '--db', db, '--format', 'jsonl'], dir.path);
  const objects = jsonl.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { study: string });
  assert.equal(objects.length, 4);
  assert.ok(objects.every((o) => o.study === 'resume'));
  const unknown = await runCli(['export', 'nope', '--db', db], dir.path);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown study 'nope'/);
});

test('cli status - lists studies and details one', async () => {
  const list = await runCli(['status', '--db', db], dir.path);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /resume\s+4\s+4/);
  const one = await runCli(['status', 'resume', '--db', db, '--json'], dir.path);
  const parsed = JSON.parse(one.stdout) as { total: number; done: number };
  assert.equal(parsed.total, 4);
  assert.equal(parsed.done, 4);
});

test('cli targets and init - list targets, write a spec that validates', async () => {
  const targets = await runCli(['targets', '--json'], dir.path);
  const names = (JSON.parse(targets.stdout) as Array<{ name: string }>).map((t) => t.name);
  for (const n of [
    'sine',
    'ridge-sine',
    'bump',
    'kink',
    'step',
    'singular',
    'teacher',
    'halfspaces',
    'disk',
    'shells',
    'checkerboard',
    'voronoi',
    'spirals',
  ]) {
    assert.ok(names.includes(n), n);
  }
  const init = await runCli(['init', 'new.yaml'], dir.path);
  assert.equal(init.code, 0, init.stderr);
  const again = await runCli(['init', 'new.yaml'], dir.path);
  assert.equal(again.code, 2);
  const schema = await runCli(['schema'], dir.path);
  assert.equal(schema.code, 0);
  assert.equal((JSON.parse(schema.stdout) as { title: string }).title, 'widthsweep study spec');
});

test('cli run - SIGINT stops promptly and a re-run completes with one row per task', async () => {
  const spec = writeSpec('interrupt.json', {
    name: 'interrupt',
    grid: { dims: [1], widths: [8, 16, 32, 64], seeds: [0, 1], targets: ['sine'] },
    train: { steps: 1500, samples: 256 },
    eval: { samples: 1024 },
  });
  const idb = join(dir.path, 'interrupt.sqlite');
  const { child, done } = startCli(['run', spec, '--db', idb, '--threads', '2'], dir.path);
  // Wait until at least one result is stored, so the interrupt lands mid-study.
  const deadline = Date.now() + 60_000;
  for (;;) {
    await sleep(200);
    const done = rowsWhenReady(idb, "SELECT count(*) AS n FROM task_results WHERE status = 'done'");
    if (Number(done[0]?.n ?? 0) > 0) break;
    assert.ok(Date.now() < deadline, 'no result within 60 s');
  }
  const signalledAt = Date.now();
  child.kill('SIGINT');
  const stopped = await done;
  assert.ok(Date.now() - signalledAt < 10_000, 'took more than 10 s to stop');
  assert.equal(stopped.code, 130, stopped.stderr);
  const partial = rows(
    idb,
    "SELECT status, count(*) AS n FROM task_results WHERE study = 'interrupt' GROUP BY status",
  );
  assert.ok(!partial.some((r) => r.status === 'running'), JSON.stringify(partial));
  const resumed = await runCli(['run', spec, '--db', idb, '--json'], dir.path);
  assert.equal(resumed.code, 0, resumed.stderr);
  const final = rows(idb, "SELECT task_id, status FROM task_results WHERE study = 'interrupt'");
  assert.equal(final.length, 8);
  assert.equal(new Set(final.map((r) => r.task_id)).size, 8);
  assert.ok(final.every((r) => r.status === 'done'));
  assert.equal(rows(idb, 'SELECT count(*) AS n FROM results')[0]?.n, 8);
});

test('cli run - lsgd trains on wasm too, and each result records the optimizer that ran', async () => {
  const spec = writeSpec('lsgd-on-wasm.json', {
    ...base,
    name: 'lsgd-on-wasm',
    train: { ...base.train, optimizer: 'lsgd' },
  });
  const lsgdDb = join(dir.path, 'lsgd.sqlite');
  const out = await runCli(['run', spec, '--db', lsgdDb, '--backend', 'wasm'], dir.path);
  assert.equal(out.code, 0, out.stderr);
  const stored = rows(
    lsgdDb,
    `SELECT tr.status, r.backend, r.optimizer FROM task_results tr
     JOIN results r ON r.task_id = tr.task_id WHERE tr.study = 'lsgd-on-wasm'`,
  );
  assert.equal(stored.length, 4);
  for (const row of stored)
    assert.deepEqual(row, { status: 'done', backend: 'wasm', optimizer: 'lsgd' });
});
