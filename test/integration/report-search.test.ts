import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { chromium } from 'playwright-core';
import { buildAnalysisView } from '../../coordinator/serve/analysis-view.js';
import { lastJsonLine, runCli } from '../helpers/cli.js';
import { requireBinary } from '../helpers/system-binaries.js';
import { tempDir } from '../helpers/temp.js';

const dir = tempDir('widthsweep-report-search-');
after(() => dir.remove());

const db = join(dir.path, 'search.sqlite');
const report = join(dir.path, 'report.html');
/** One cheap curve whose search finds both eps within widths 4-64. */
const spec = {
  name: 'report-search',
  grid: { dims: [1], targets: ['sine'] },
  train: { steps: 150, samples: 128 },
  eval: { samples: 1024 },
  search: { eps: [0.05, 0.01], minWidth: 4, maxWidth: 64, seeds: 2 },
};

const CHROMIUM = requireBinary('chromium', 'chromium', {
  aliases: ['chromium-browser'],
  envVar: 'CHROMIUM',
});

interface Bracket {
  lo: number | null;
  hi: number | null;
  status: string;
}
let brackets: Record<string, Bracket> = {};
let probed: number[] = [];

/** The label the chart prints for a bracket (search-layers.ts's bracketLabel). */
const label = (eps: string, b: Bracket): string =>
  b.status === 'found' ? `eps ${eps}: [${b.lo ?? '-'}, ${b.hi ?? '-'}]` : `eps ${eps}: ${b.status}`;

before(async () => {
  const specPath = join(dir.path, 'spec.json');
  writeFileSync(specPath, JSON.stringify(spec));
  const run = await runCli(['run', specPath, '--db', db, '--threads', '2', '--json'], dir.path);
  assert.equal(run.code, 0, run.stderr);
  const out = lastJsonLine<{
    search: {
      curves: Array<{ eps_search: Record<string, Bracket>; probes: Array<{ width: number }> }>;
    };
  }>(run.stdout);
  brackets = out.search.curves[0]?.eps_search ?? {};
  probed = (out.search.curves[0]?.probes ?? []).map((p) => p.width);
  const analyze = await runCli(['analyze', spec.name, '--db', db, '--report', report], dir.path);
  assert.equal(analyze.code, 0, analyze.stderr);
});

/** A point mark's aria label without a `line:` field: a probed width's diamond. */
const DIAMOND =
  /aria-label="width: (\d+); value: [^"]*; curve: [^";]*"[^>]*aria-roledescription="point"/g;

/** The first SVG of the report: the convergence chart of the one target. */
function convergenceSvg(): string {
  const html = readFileSync(report, 'utf8');
  return html.match(/<svg[\s\S]*?<\/svg>/)?.[0] ?? assert.fail('no SVG in the report');
}

test('report search - the convergence chart labels every bracket and marks every probed width', () => {
  assert.deepEqual(Object.keys(brackets), ['0.05', '0.01']);
  assert.ok(probed.length >= 3, `probed ${probed.join(', ')}`);
  const svg = convergenceSvg();
  for (const [eps, b] of Object.entries(brackets)) assert.ok(svg.includes(label(eps, b)), eps);
  // Vega's SVG labels each point; the search's diamonds are the points of no line.
  const diamonds = [...svg.matchAll(DIAMOND)].map((m) => Number(m[1]));
  assert.deepEqual(
    diamonds.sort((x, y) => x - y),
    [...probed].sort((x, y) => x - y),
  );
  assert.match(readFileSync(report, 'utf8'), /Width search: hollow diamonds at the probed widths/);
});

test('report search - the dashboard chart carries the same marks; a plain study none', async () => {
  const conn = new Database(db, { readonly: true, fileMustExist: true });
  try {
    const view = buildAnalysisView(conn, spec.name);
    const chart = JSON.stringify(view.charts[0]?.spec);
    for (const [eps, b] of Object.entries(brackets)) assert.ok(chart.includes(label(eps, b)), eps);
  } finally {
    conn.close();
  }
  const plain = join(dir.path, 'plain.json');
  const grid = { ...spec.grid, widths: [4, 8], seeds: [0] };
  writeFileSync(plain, JSON.stringify({ name: 'plain', grid, train: spec.train, eval: spec.eval }));
  assert.equal((await runCli(['run', plain, '--db', db], dir.path)).code, 0);
  const other = join(dir.path, 'plain.html');
  assert.equal(
    (await runCli(['analyze', 'plain', '--db', db, '--report', other], dir.path)).code,
    0,
  );
  assert.doesNotMatch(readFileSync(other, 'utf8'), /eps 0\.05: |Width search: hollow/);
});

test(
  'report search - headless Chromium renders the bracket labels and the diamonds',
  { skip: CHROMIUM.skip },
  async () => {
    const browser = await chromium.launch({
      executablePath: CHROMIUM.path,
      args: ['--no-sandbox'],
    });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(pathToFileURL(report).href);
      const texts = await page.locator('svg text').allTextContents();
      for (const [eps, b] of Object.entries(brackets))
        assert.ok(texts.includes(label(eps, b)), eps);
      const shown = await page
        .locator('svg path[aria-roledescription="point"][fill="none"]')
        .count();
      assert.ok(shown >= probed.length, `${shown} hollow points`);
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  },
);
