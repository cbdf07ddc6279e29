import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { lastJsonLine, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

const dir = tempDir('widthsweep-starved-');
after(() => dir.remove());

const db = join(dir.path, 'starved.sqlite');
/**
 * A deliberately sample-starved study: 256 training points for nets of up to 4 x 512 + 1 = 2049
 * parameters on sin(2 pi x1) sin(2 pi x2) in d = 2 (about 35 s on one core). The nets
 * interpolate their training points from width 128 on while the error on fresh points falls
 * slowly, so the analysis must name the samples, not the width, and extrapolate nothing.
 */
const spec = {
  name: 'starved',
  // One seed: the limit is read from medians, and the greedy reference at width 512 costs ~25 s.
  grid: { dims: [2], widths: [8, 32, 128, 512], seeds: [0], targets: ['sine'] },
  train: { samples: 256 },
  eval: { samples: 4096 },
};

before(async () => {
  const specPath = join(dir.path, 'starved.json');
  writeFileSync(specPath, JSON.stringify(spec));
  const run = await runCli(['run', specPath, '--db', db, '--threads', '1'], dir.path);
  assert.equal(run.code, 0, run.stderr);
});

interface Group {
  limit: { factor: string; from_width: number | null };
  rate_meaningful: boolean;
  eps_width: Record<string, number | null>;
  eps_extrapolated_width: Record<string, number | null>;
  eps_refusal: Record<string, string | null>;
  points: Array<{ width: number; estimation_gap: number | null; limit: string }>;
  verdict: string;
}

test('analyze - a sample-starved study names samples as the limit and extrapolates no eps-width', async () => {
  const out = await runCli(
    ['analyze', 'starved', '--db', db, '--format', 'json', '--eps', '1e-3,1e-4'],
    dir.path,
  );
  assert.equal(out.code, 0, out.stderr);
  const json = lastJsonLine<{ groups: Group[]; verdicts: Array<{ rq: string; answer: string }> }>(
    out.stdout,
  );
  const [g] = json.groups;
  assert.ok(g !== undefined);
  assert.equal(g.limit.factor, 'samples', g.verdict);
  assert.equal(g.rate_meaningful, false);
  assert.deepEqual(g.eps_extrapolated_width, { '0.001': null, '0.0001': null });
  assert.deepEqual(g.eps_width, { '0.001': null, '0.0001': null });
  assert.deepEqual(g.eps_refusal, { '0.001': 'samples', '0.0001': 'samples' });
  const widest = g.points[g.points.length - 1];
  assert.equal(widest?.width, 512);
  assert.ok((widest?.estimation_gap ?? 0) > 2, `estimation gap ${widest?.estimation_gap}`);
  assert.match(g.verdict, /More training samples would lift it \(train\.samples 256/);
  // A curve limited by samples says nothing about width.
  assert.equal(json.verdicts.find((v) => v.rq === 'RQ1')?.answer, 'inconclusive');
});

test('analyze - the convergence view carries the same decomposition', async () => {
  const out = await runCli(
    [
      'query',
      "SELECT width, estimation_gap, optimisation_gap, median_train_l1 FROM convergence WHERE study = 'starved' ORDER BY width",
      '--db',
      db,
      '--format',
      'json',
    ],
    dir.path,
  );
  assert.equal(out.code, 0, out.stderr);
  const rows = JSON.parse(out.stdout) as Array<Record<string, number | null>>;
  assert.deepEqual(
    rows.map((r) => r.width),
    [8, 32, 128, 512],
  );
  const widest = rows[3];
  assert.ok((widest?.estimation_gap ?? 0) > 2);
  assert.ok((widest?.median_train_l1 ?? 1) > 0);
});
