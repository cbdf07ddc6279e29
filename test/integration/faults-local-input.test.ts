import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { lastJsonLine, runCli, startCli } from '../helpers/cli.js';
import { rowsWhenReady } from '../helpers/db.js';
import { assertOneResultPerTask, lockFiles, tinyStudy, writeSpec } from '../helpers/faults.js';
import { tempDir } from '../helpers/temp.js';

const dir = tempDir('widthsweep-faults-input-');
after(() => dir.remove());

const good = tinyStudy('fuzz', 2, 1);
const grid = good.grid as Record<string, unknown>;

/** Specs a fuzzer produced: each must exit 2 naming what is wrong, and write nothing at all. */
const FUZZED: ReadonlyArray<readonly [file: string, text: string, message: RegExp]> = [
  [
    'width-1e12.json',
    JSON.stringify({ ...good, grid: { ...grid, widths: [4, 1e12] } }),
    /grid\.widths\[1\]: expected at most/,
  ],
  [
    'width-memory.json',
    JSON.stringify({
      ...good,
      grid: { ...grid, widths: [200_000] },
      train: { samples: 1024, steps: 20, optimizer: 'adam' },
    }),
    /grid\.widths\[0\]: width 200000 needs about .* GiB/,
  ],
  [
    'steps.json',
    JSON.stringify({ ...good, train: { steps: 1e9 } }),
    /train\.steps: expected at most/,
  ],
  [
    'eval.json',
    JSON.stringify({ ...good, eval: { samples: 2 ** 31 } }),
    /eval\.samples: expected at most/,
  ],
  [
    'nan.yaml',
    'name: x\ngrid: { dims: [.nan], widths: [4], seeds: [0], targets: [sine] }\n',
    /grid\.dims\[0\]/,
  ],
  [
    'neg-seed.json',
    JSON.stringify({ ...good, grid: { ...grid, seeds: [-1] } }),
    /grid\.seeds\[0\]/,
  ],
  [
    'string-width.json',
    JSON.stringify({ ...good, grid: { ...grid, widths: ['8'] } }),
    /grid\.widths\[0\]/,
  ],
  [
    'proto.json',
    '{"name":"x","__proto__":{"polluted":1},"grid":{"dims":[1],"widths":[4],"seeds":[0],"targets":["sine"]}}',
    /__proto__|unknown key|Unrecognized/i,
  ],
  [
    'trailing-comma.json',
    '{"name":"x","grid":{"dims":[1],"widths":[4,],"seeds":[0],"targets":["sine"]}}',
    /trailing-comma\.json[\s\S]*syntax error/,
  ],
  [
    'momentum.yaml',
    'name: m\ngrid: { dims: [1], widths: [4], seeds: [0], targets: [sine] }\ntrain: { optimizer: adam, momentum: 0.9 }\n',
    /train\.momentum: only used with train\.optimizer sgd/,
  ],
  ['bomb.yaml', aliasBomb(), /invalid study spec .*bomb\.yaml[\s\S]*alias/i],
  ['empty.yaml', '', /the spec is empty/],
  ['binary.yaml', '\u0000\u0001\u0002', /invalid study spec/],
  [
    'grid-cap.json',
    JSON.stringify({ ...good, grid: { ...grid, widths: range(1, 1001), seeds: range(0, 200) } }),
    /grid: expands into 200000 tasks, more than the limit/,
  ],
];

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

/** Nine levels of nine aliases each: 9^9 nodes if expanded. */
function aliasBomb(): string {
  const lines = ['l0: &l0 [x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 9; i++)
    lines.push(
      `l${i}: &l${i} [${Array(9)
        .fill(`*l${i - 1}`)
        .join(', ')}]`,
    );
  return `${lines.join('\n')}\nname: bomb\n`;
}

test('faults local - fuzzed specs exit 2 naming the problem; the database file is never created', async () => {
  for (const [file, text, message] of FUZZED) {
    const path = join(dir.path, file);
    writeFileSync(path, text);
    const db = join(dir.path, `${file}.sqlite`);
    const out = await runCli(['run', path, '--db', db], dir.path);
    assert.equal(out.code, 2, `${file}: ${out.stderr}`);
    assert.match(out.stderr, message, file);
    assert.ok(!/at .*\.js:\d+/.test(out.stderr), `${file}: a stack trace was printed`);
    assert.equal(existsSync(db), false, `${file}: the database was created`);
  }
  assert.deepEqual(lockFiles(dir.path), []);
});

// Before the bounds this took 2.6 GB and minutes: the timeout makes that a failure, not a hang.
test(
  'faults local - a spec of 1.5 M widths is refused at once without reading it whole',
  { timeout: 60_000 },
  async () => {
    const path = join(dir.path, 'huge.json');
    writeFileSync(
      path,
      JSON.stringify({ ...good, grid: { ...grid, widths: range(1, 1_500_001) } }),
    );
    const db = join(dir.path, 'huge.sqlite');
    const out = await runCli(['run', path, '--db', db], dir.path);
    assert.equal(out.code, 2, out.stderr);
    assert.match(out.stderr, /huge\.json is \d+ bytes, more than the \d+-byte limit/);
    assert.equal(existsSync(db), false);
  },
);

test(
  'faults local - --threads above the cap exits 2; above the tasks it is bounded and says so',
  { timeout: 120_000 },
  async () => {
    const spec = writeSpec(dir.path, 'threads.json', tinyStudy('threads', 2, 1));
    const db = join(dir.path, 'threads.sqlite');
    const refused = await runCli(['run', spec, '--db', db, '--threads', '512'], dir.path);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /--threads.*expected at most 256 threads, got 512/);
    assert.equal(existsSync(db), false);
    const bounded = await runCli(['run', spec, '--db', db, '--threads', '64', '--json'], dir.path);
    assert.equal(bounded.code, 0, bounded.stderr);
    assert.match(
      bounded.stderr,
      /--threads 64: using [12] \(\d+ core\(s\), 2 task\(s\) in the study\)/,
    );
    assert.equal(lastJsonLine<{ done: number }>(bounded.stdout).done, 2);
    assertOneResultPerTask(db, 'threads', 2);
    assert.deepEqual(lockFiles(dir.path), []);
  },
);

test('faults local - SIGTERM while a 100k-task grid expands stops the run with 130 and no lock', async () => {
  const spec = writeSpec(dir.path, 'big.json', {
    ...good,
    name: 'big',
    grid: { ...grid, widths: range(1, 1001), seeds: range(0, 100) },
  });
  const db = join(dir.path, 'big.sqlite');
  const run = startCli(['run', spec, '--db', db, '--threads', '1'], dir.path);
  // The lock is taken right after the spec validated: expansion starts then.
  while (!existsSync(`${db}.lock`)) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 300));
  const signalled = Date.now();
  run.child.kill('SIGTERM');
  const out = await run.done;
  const took = Date.now() - signalled;
  assert.equal(out.code, 130, out.stderr);
  assert.ok(took < 10_000, `SIGTERM took ${took} ms`);
  assert.deepEqual(lockFiles(dir.path), []);
  // Stopped mid-expansion (or mid-registration, rolled back): no half-registered study.
  const linked = rowsWhenReady(db, 'SELECT count(*) AS n FROM study_tasks')[0]?.n ?? 0;
  assert.equal(linked, 0);
});

test('faults local - a bad worker --report-start-after exits 2 naming the flag, before connecting', async () => {
  for (const value of ['-1', 'abc', '']) {
    // No server listens on this port: the flag is refused before any connection is tried.
    const out = await runCli(
      ['worker', '--nats', 'nats://127.0.0.1:1', '--report-start-after', value],
      dir.path,
    );
    assert.equal(out.code, 2, out.stderr);
    assert.match(out.stderr, /--report-start-after <seconds>.*expected seconds >= 0/);
  }
});
