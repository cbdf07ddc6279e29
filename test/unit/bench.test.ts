import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ValidationError } from '../../shared/errors.js';
import { stepFlops } from '../../worker/bench/bench-case.js';
import { resolveBenchOptions, runBenchSuite } from '../../worker/bench/bench-suite.js';
import { REPO_ROOT, runCli } from '../helpers/cli.js';

test('bench - flops per step count 4d + 6k + 3 operations per sample and hidden unit', () => {
  assert.equal(stepFlops(2, 256, 4096), 4096 * 256 * 17);
  assert.equal(stepFlops(16, 10, 100, 3), 100 * 10 * (64 + 18 + 3));
});

test('bench - options are checked with the field named, auto and all resolve to backends', async () => {
  await assert.rejects(
    resolveBenchOptions({ dims: [2, 0] }),
    (err) => err instanceof ValidationError && err.field === 'dims[1]',
  );
  await assert.rejects(
    resolveBenchOptions({ backends: ['gpu'] }),
    (err) => err instanceof ValidationError && err.field === 'backends[0]',
  );
  assert.deepEqual((await resolveBenchOptions()).backends, ['fused']);
  const all = (await resolveBenchOptions({ backends: ['all', 'wasm'] })).backends;
  assert.ok(all.includes('fused') && all.includes('wasm') && all.includes('cpu'));
  assert.equal(new Set(all).size, all.length);
});

test('bench - one row per backend and case, with every column', async () => {
  const options = await resolveBenchOptions({
    backends: ['fused', 'cpu'],
    dims: [1, 3],
    widths: [8],
    samples: [64],
    steps: 6,
    repeats: 2,
    budgetMs: 20,
  });
  const rows = await runBenchSuite(options);
  assert.deepEqual(
    rows.map((r) => `${r.backend} ${r.dim} ${r.width} ${r.samples}`),
    ['fused 1 8 64', 'cpu 1 8 64', 'fused 3 8 64', 'cpu 3 8 64'],
  );
  for (const row of rows) {
    assert.ok(row.steps >= 5 && row.steps <= 6, `steps ${row.steps}`);
    assert.ok(
      row.ms_per_step > 0 && row.ms_min <= row.ms_per_step && row.ms_per_step <= row.ms_max,
    );
    assert.ok(
      Math.abs(row.gflops - stepFlops(row.dim, row.width, row.samples) / row.ms_per_step / 1e6) <
        1e-9,
    );
  }
});

test('bench - the CLI prints a JSON array of the documented columns', async () => {
  const result = await runCli(
    [
      'bench',
      '--dims',
      '2',
      '--widths',
      '4,8',
      '--samples',
      '32',
      '--steps',
      '5',
      '--repeats',
      '1',
      '--json',
    ],
    REPO_ROOT,
  );
  assert.equal(result.code, 0, result.stderr);
  const rows = JSON.parse(result.stdout) as Array<Record<string, unknown>>;
  assert.deepEqual(
    rows.map((r) => Object.keys(r)),
    [0, 1].map(() => [
      'backend',
      'optimizer',
      'dim',
      'width',
      'samples',
      'steps',
      'ms_per_step',
      'gflops',
    ]),
  );
  assert.deepEqual(
    rows.map((r) => [r.backend, r.width]),
    [
      ['fused', 4],
      ['fused', 8],
    ],
  );
  const bad = await runCli(['bench', '--widths', '4,x'], REPO_ROOT);
  assert.equal(bad.code, 2);
});

test('bench - every optimizer is timed on every backend; an unknown one is refused', async () => {
  await assert.rejects(
    resolveBenchOptions({ optimizers: ['adam', 'newton'] }),
    (err) => err instanceof ValidationError && err.field === 'optimizers[1]',
  );
  const options = await resolveBenchOptions({
    backends: ['fused', 'wasm'],
    optimizers: ['lsgd', 'lbfgs'],
    dims: [2],
    widths: [8],
    samples: [64],
    steps: 6,
    repeats: 1,
    budgetMs: 20,
  });
  const rows = await runBenchSuite(options);
  assert.deepEqual(
    rows.map((r) => `${r.backend} ${r.optimizer}`),
    ['fused lsgd', 'wasm lsgd', 'fused lbfgs', 'wasm lbfgs'],
  );
  assert.ok(rows.every((r) => r.steps >= 1 && r.ms_per_step > 0));
});
