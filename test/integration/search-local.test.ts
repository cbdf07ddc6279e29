import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { rowsWhenReady } from '../helpers/db.js';
import { lastJsonLine, runCli, startCli } from '../helpers/cli.js';
import { signalAfterResults, storedResults } from '../helpers/faults.js';
import { tempDir } from '../helpers/temp.js';
import { geometricLadder } from '../../coordinator/search/ladder.js';
import { startDashboard } from '../../coordinator/serve/dashboard-server.js';

const dir = tempDir();
after(() => dir.remove());

/** Cheap training; two curves so that rounds carry both. */
const study = {
  name: 'search',
  grid: { dims: [1], targets: ['sine', { name: 'sine', k: 2 }] },
  train: { steps: 150, samples: 128 },
  eval: { samples: 1024 },
  search: { eps: [0.02, 0.005], minWidth: 4, maxWidth: 64, seeds: 2, resolution: 1.25 },
};

interface SearchOut {
  trained: number;
  done: number;
  total: number;
  search: {
    complete: boolean;
    rounds: number;
    curves: Array<{
      label: string;
      tasks: number;
      eps_search: Record<string, { lo: number | null; hi: number | null; status: string }>;
      probes: Array<{ width: number; seeds: number; decisions: Record<string, string> }>;
    }>;
    efficiency: { tasks: number; grid_tasks: number; grid_core_seconds_estimate: number | null };
  };
}

function writeSpec(file: string, spec: Record<string, unknown>): string {
  const path = join(dir.path, file);
  writeFileSync(path, JSON.stringify(spec));
  return path;
}

const RUNGS = geometricLadder(4, 64, 1.25);
const brackets = (out: SearchOut) => out.search.curves.map((c) => c.eps_search);
const specPath = () => writeSpec('search.json', study);
let reference: SearchOut;

before(async () => {
  const db = join(dir.path, 'reference.sqlite');
  const out = await runCli(['run', specPath(), '--db', db, '--json', '--threads', '2'], dir.path);
  assert.equal(out.code, 0, out.stderr);
  reference = lastJsonLine<SearchOut>(out.stdout);
});

test('search local - a search ends with every eps decided, each bracket two adjacent rungs', () => {
  assert.equal(reference.search.complete, true);
  assert.equal(reference.search.curves.length, 2);
  for (const curve of reference.search.curves) {
    for (const [eps, b] of Object.entries(curve.eps_search)) {
      assert.ok(['found', 'unreachable'].includes(b.status), `${curve.label} ${eps}: ${b.status}`);
      // A found bracket is two adjacent rungs of the resolution ladder, as a dense grid has them.
      if (b.status === 'found' && b.lo !== null) {
        assert.equal(RUNGS[RUNGS.indexOf(b.lo) + 1], b.hi, `${curve.label} ${eps}`);
      }
      if (b.status === 'found') {
        const at = (w: number | null) => curve.probes.find((p) => p.width === w)?.decisions[eps];
        assert.equal(at(b.hi), 'below');
        if (b.lo !== null) assert.equal(at(b.lo), 'above');
      }
    }
  }
  const e = reference.search.efficiency;
  assert.equal(e.tasks, reference.trained);
  assert.ok(e.tasks < e.grid_tasks, `${e.tasks} < ${e.grid_tasks}`);
  assert.ok(e.grid_core_seconds_estimate !== null && e.grid_core_seconds_estimate > 0);
});

test('search local - running it again trains nothing and prints the same brackets', async () => {
  const db = join(dir.path, 'reference.sqlite');
  const out = await runCli(['run', specPath(), '--db', db, '--json'], dir.path);
  assert.equal(out.code, 0, out.stderr);
  const again = lastJsonLine<SearchOut>(out.stdout);
  assert.equal(again.trained, 0);
  assert.deepEqual(brackets(again), brackets(reference));
});

/**
 * Stops a search with `signal` past its first round (8 tasks) and before its end, runs it again,
 * and checks the rerun continues: same brackets as the uninterrupted run, every task trained
 * once (one result row each; attempts beyond one only for the task in flight at the signal).
 */
async function interruptAndResume(signal: NodeJS.Signals, file: string): Promise<number> {
  const db = join(dir.path, file);
  const first = startCli(['run', specPath(), '--db', db, '--threads', '1'], dir.path);
  const { exit, stored } = await signalAfterResults(first, db, 10, signal);
  assert.ok(stored < reference.trained, `stopped after ${stored} of ${reference.trained} tasks`);
  const out = await runCli(['run', specPath(), '--db', db, '--json', '--threads', '2'], dir.path);
  assert.equal(out.code, 0, out.stderr);
  const resumed = lastJsonLine<SearchOut>(out.stdout);
  assert.deepEqual(brackets(resumed), brackets(reference));
  assert.equal(stored + resumed.trained, reference.trained);
  assert.equal(storedResults(db), reference.trained);
  const twice = rowsWhenReady(
    db,
    'SELECT count(*) AS n FROM results GROUP BY task_id HAVING n > 1',
  );
  assert.equal(twice.length, 0);
  const attempts = Number(rowsWhenReady(db, 'SELECT sum(attempts) AS n FROM tasks')[0]?.n);
  assert.ok(attempts <= reference.trained + 1, `${attempts} attempts, one thread in flight`);
  return exit.code ?? -1;
}

test('search local - killed mid-search, the next run continues, trains nothing twice, same brackets', async () => {
  await interruptAndResume('SIGKILL', 'killed.sqlite');
});

test('search local - SIGINT mid-search exits 130; the next run continues to the same brackets', async () => {
  assert.equal(await interruptAndResume('SIGINT', 'sigint.sqlite'), 130);
});

test('search local - status and analyze show the search', async () => {
  const db = join(dir.path, 'reference.sqlite');
  const status = await runCli(['status', 'search', '--db', db], dir.path);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /search: \d+ round\(s\), complete/);
  assert.match(status.stdout, /eps 0\.005: (found|unreachable) \[/);
  const analyze = await runCli(['analyze', 'search', '--db', db, '--format', 'json'], dir.path);
  assert.equal(analyze.code, 0, analyze.stderr);
  const json = JSON.parse(analyze.stdout) as {
    groups: Array<{
      label: string;
      eps_search?: Record<string, { status: string; tasks: number }>;
    }>;
  };
  assert.equal(json.groups.length, 2);
  for (const g of json.groups) {
    assert.ok(g.eps_search !== undefined, g.label);
    assert.deepEqual(Object.keys(g.eps_search), ['0.02', '0.005']);
    assert.ok((g.eps_search['0.02']?.tasks ?? 0) > 0);
  }
});

test('search local - --detach is refused for a search with exit 2', async () => {
  const out = await runCli(
    [
      'run',
      specPath(),
      '--db',
      join(dir.path, 'never.sqlite'),
      '--nats',
      'nats://127.0.0.1:1',
      '--detach',
    ],
    dir.path,
  );
  assert.equal(out.code, 2);
  assert.match(out.stderr, /--detach: a width search needs the coordinator between rounds/);
});

test('search local - the dashboard study page shows the brackets and the probed widths', async () => {
  const db = join(dir.path, 'reference.sqlite');
  const dashboard = await startDashboard({ db, port: 0 });
  try {
    const response = await fetch(`${dashboard.url}studies/search`);
    assert.equal(response.status, 200);
    const html = await response.text();
    assert.match(html, /<h2>Width search<\/h2>/);
    const curve = reference.search.curves[0];
    assert.ok(curve !== undefined);
    const found = Object.values(curve.eps_search).find((b) => b.status === 'found');
    assert.ok(found !== undefined && found.hi !== null, 'the reference search found a bracket');
    assert.match(html, new RegExp(`\\b${found.hi}\\b`));
    assert.match(html, /found/);
  } finally {
    await dashboard.close();
  }
  // A study without a search section gets no such section.
  const plain = join(dir.path, 'plain.sqlite');
  const spec = writeSpec('plain.json', {
    name: 'plain',
    grid: { ...study.grid, widths: [4], seeds: [0] },
    train: study.train,
    eval: study.eval,
  });
  const out = await runCli(['run', spec, '--db', plain], dir.path);
  assert.equal(out.code, 0, out.stderr);
  const other = await startDashboard({ db: plain, port: 0 });
  try {
    const html = await (await fetch(`${other.url}studies/plain`)).text();
    assert.doesNotMatch(html, /Width search/);
  } finally {
    await other.close();
  }
});
