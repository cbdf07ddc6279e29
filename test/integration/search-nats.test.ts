import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, test } from 'node:test';
import { rowsWhenReady } from '../helpers/db.js';
import { lastJsonLine, runCli, startCli } from '../helpers/cli.js';
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

test(
  'search nats - rounds go through workers; a killed coordinator resumes to the same brackets',
  { skip: NATS_SERVER.skip },
  async () => {
    const path = join(dir.path, 'nsearch.json');
    writeFileSync(path, JSON.stringify(study));
    const local = await runCli(
      ['run', path, '--db', join(dir.path, 'local.sqlite'), '--json', '--threads', '2'],
      dir.path,
    );
    assert.equal(local.code, 0, local.stderr);
    const reference = lastJsonLine<SearchOut>(local.stdout);

    const server = await TestNatsServer.start();
    try {
      const workers = ['a', 'b'].map((n) => startWorker(server, n));
      const db = join(dir.path, 'nats.sqlite');
      const args = ['run', path, '--nats', server.url, '--db', db, '--json'];
      const first = startCli(args, dir.path);
      children.add(first.child);
      const results = (): number =>
        Number(rowsWhenReady(db, 'SELECT count(*) AS n FROM results')[0]?.n ?? 0);
      const deadline = Date.now() + 90_000;
      while (results() < 5) {
        assert.ok(Date.now() < deadline, 'the search did not get going');
        await sleep(20);
      }
      first.child.kill('SIGKILL');
      await first.done;
      const before = results();
      const out = await runCli(args, dir.path);
      assert.equal(out.code, 0, out.stderr);
      const resumed = lastJsonLine<SearchOut>(out.stdout);
      assert.equal(resumed.search.complete, true);
      assert.deepEqual(brackets(resumed), brackets(reference));
      assert.equal(results(), reference.trained);
      // Results workers published while no coordinator ran are collected, not trained again.
      assert.ok(before + resumed.trained <= reference.trained);
      const workersSeen = rowsWhenReady(db, 'SELECT DISTINCT worker FROM results');
      assert.ok(workersSeen.every((r) => ['a', 'b'].includes(r.worker as string)));
      for (const w of workers) w.child.kill('SIGTERM');
      await Promise.all(workers.map((w) => w.done));
    } finally {
      await server.dispose();
    }
  },
);
