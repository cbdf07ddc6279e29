import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { rowsWhenReady } from '../helpers/db.js';
import { lastJsonLine, runCli, startCli } from '../helpers/cli.js';
import type { CliResult } from '../helpers/cli.js';
import { signalAfterResults, storedResults } from '../helpers/faults.js';
import { NATS_SERVER, TestNatsServer } from '../helpers/nats-server.js';
import { tempDir } from '../helpers/temp.js';

const dir = tempDir();
const children = new Set<ChildProcess>();
after(() => {
  for (const child of children) child.kill('SIGKILL');
  dir.remove();
});

const study = {
  name: 'nsearch',
  grid: { dims: [1], targets: ['sine'] },
  train: { steps: 150, samples: 128 },
  eval: { samples: 1024 },
  search: { eps: [0.02, 0.005], minWidth: 4, maxWidth: 64, seeds: 2, resolution: 1.25 },
};

interface SearchOut {
  trained: number;
  done: number;
  search: { complete: boolean; rounds: number; curves: Array<{ eps_search: unknown }> };
}

const brackets = (out: SearchOut) => out.search.curves.map((c) => c.eps_search);

function startWorker(server: TestNatsServer, name: string) {
  const worker = startCli(
    ['worker', '--nats', server.url, '--threads', '1', '--name', name, '--grace', '2'],
    dir.path,
  );
  children.add(worker.child);
  void worker.done.then(() => children.delete(worker.child));
  return worker;
}

let reference: SearchOut | undefined;

/** The uninterrupted run's output (a local run: the same tasks, the same brackets). */
async function referenceRun(path: string): Promise<SearchOut> {
  if (reference !== undefined) return reference;
  const db = join(dir.path, 'local.sqlite');
  const local = await runCli(['run', path, '--db', db, '--json', '--threads', '2'], dir.path);
  assert.equal(local.code, 0, local.stderr);
  reference = lastJsonLine<SearchOut>(local.stdout);
  return reference;
}

/**
 * Stops a `run --nats` search coordinator with `signal` mid-search while two workers train, runs
 * it again, and checks it ends with the reference brackets, one result per task, all from the
 * workers. Returns the stopped coordinator's exit.
 */
async function interruptAndResume(signal: NodeJS.Signals, file: string): Promise<CliResult> {
  const path = join(dir.path, 'nsearch.json');
  writeFileSync(path, JSON.stringify(study));
  const ref = await referenceRun(path);
  const server = await TestNatsServer.start();
  try {
    const workers = ['a', 'b'].map((n) => startWorker(server, n));
    const db = join(dir.path, file);
    const args = ['run', path, '--nats', server.url, '--db', db, '--json'];
    const first = startCli(args, dir.path);
    children.add(first.child);
    const { exit, stored } = await signalAfterResults(first, db, 5, signal);
    assert.ok(stored < ref.trained, `stopped after ${stored} of ${ref.trained} tasks`);
    const out = await runCli(args, dir.path);
    assert.equal(out.code, 0, out.stderr);
    const resumed = lastJsonLine<SearchOut>(out.stdout);
    assert.equal(resumed.search.complete, true);
    assert.deepEqual(brackets(resumed), brackets(ref));
    assert.equal(storedResults(db), ref.trained);
    // Results workers published while no coordinator ran are collected, not trained again.
    assert.ok(stored + resumed.trained <= ref.trained);
    const twice = rowsWhenReady(
      db,
      'SELECT task_id FROM results GROUP BY task_id HAVING count(*) > 1',
    );
    assert.deepEqual(twice, []);
    const workersSeen = rowsWhenReady(db, 'SELECT DISTINCT worker FROM results');
    assert.ok(workersSeen.every((r) => ['a', 'b'].includes(r.worker as string)));
    for (const w of workers) w.child.kill('SIGTERM');
    await Promise.all(workers.map((w) => w.done));
    return exit;
  } finally {
    await server.dispose();
  }
}

test(
  'search nats - rounds go through workers; a killed coordinator resumes to the same brackets',
  { skip: NATS_SERVER.skip },
  async () => {
    await interruptAndResume('SIGKILL', 'nats-killed.sqlite');
  },
);

test(
  'search nats - SIGINT stops the coordinator (exit 130); the rerun resumes to the same brackets',
  { skip: NATS_SERVER.skip },
  async () => {
    const exit = await interruptAndResume('SIGINT', 'nats-sigint.sqlite');
    assert.equal(exit.code, 130, exit.stderr);
  },
);
