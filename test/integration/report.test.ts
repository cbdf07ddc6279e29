import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { lastJsonLine, runCli } from '../helpers/cli.js';
import { requireBinary } from '../helpers/system-binaries.js';
import { tempDir } from '../helpers/temp.js';

const dir = tempDir('widthsweep-report-');
after(() => dir.remove());

const db = join(dir.path, 'report.sqlite');
const spec = {
  name: 'report',
  grid: { dims: [1, 2], widths: [4, 8, 16], seeds: [0, 1], targets: ['sine', 'disk'] },
  train: { steps: 120, samples: 128, mode: 'both' },
  eval: { samples: 1024 },
};

/** Debian's package installs /usr/bin/chromium; CHROMIUM overrides. */
const CHROMIUM = requireBinary('chromium', 'chromium', {
  aliases: ['chromium-browser'],
  envVar: 'CHROMIUM',
});

function runChromium(
  binary: string,
  args: readonly string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const profile = join(dir.path, `chromium-profile-${Math.random().toString(36).slice(2)}`);
  const child = spawn(
    binary,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--enable-logging=stderr',
      '--v=0',
      `--user-data-dir=${profile}`,
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], timeout: 90_000 },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const report = join(dir.path, 'report.html');

before(async () => {
  const specPath = join(dir.path, 'report.json');
  writeFileSync(specPath, JSON.stringify(spec));
  const run = await runCli(['run', specPath, '--db', db, '--threads', '2'], dir.path);
  assert.equal(run.code, 0, run.stderr);
  const analyze = await runCli(['analyze', 'report', '--db', db, '--report', report], dir.path);
  assert.equal(analyze.code, 0, analyze.stderr);
});

test('analyze - JSON has a group per (target, mode, d) and the five research questions', async () => {
  const out = await runCli(['analyze', 'report', '--db', db, '--format', 'json'], dir.path);
  assert.equal(out.code, 0, out.stderr);
  const json = lastJsonLine<{
    study: string;
    groups: Array<{ target: string; task: string; mode: string; dim: number; points: unknown[] }>;
    verdicts: Array<{ rq: string; answer: string }>;
  }>(out.stdout);
  assert.equal(json.study, 'report');
  assert.deepEqual(
    json.groups.map((g) => `${g.target}/${g.task}/${g.mode}/${g.dim}`),
    [
      'sine/regression/direct/1',
      'sine/regression/direct/2',
      'disk/classification/direct/1',
      'disk/classification/direct/2',
      'disk/classification/construction/1',
      'disk/classification/construction/2',
    ],
  );
  assert.ok(json.groups.every((g) => g.points.length === 3));
  assert.deepEqual(
    json.verdicts.map((v) => v.rq),
    ['RQ1', 'RQ2', 'RQ3', 'RQ4', 'RQ5'],
  );
});

test('analyze - table and markdown formats print the curves and verdicts', async () => {
  const table = await runCli(['analyze', 'report', '--db', db], dir.path);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /sine \(d = 1, k=1\): \w+/);
  assert.match(table.stdout, /width\s+n\s+median_l1\s+q1\s+q3\s+min_l1\s+ref_l1\s+interp_l1\s+gap/);
  assert.match(table.stdout, /RQ5 \[/);
  const md = await runCli(['analyze', 'report', '--db', db, '--format', 'markdown'], dir.path);
  assert.equal(md.code, 0, md.stderr);
  assert.match(md.stdout, /^## Study report/m);
  assert.match(md.stdout, /^\| width \| n \| median_l1 \|/m);
});

test('analyze - bad input exits 2 and names the problem', async () => {
  const eps = await runCli(['analyze', 'report', '--db', db, '--eps', '1e-2,2'], dir.path);
  assert.equal(eps.code, 2);
  assert.match(eps.stderr, /--eps\[1\]: expected a number in \(0, 1\), got 2/);
  const gap = await runCli(['analyze', 'report', '--db', db, '--estimation-gap', '1'], dir.path);
  assert.equal(gap.code, 2);
  assert.match(gap.stderr, /--estimation-gap: expected a number > 1, got 1/);
  const unknown = await runCli(['analyze', 'nope', '--db', db], dir.path);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown study 'nope'/);
  const noDb = await runCli(['analyze', 'report', '--db', join(dir.path, 'none.sqlite')], dir.path);
  assert.equal(noDb.code, 2);
});

test('report - one self-contained file: inline SVG plots, no URL to fetch', () => {
  const html = readFileSync(report, 'utf8');
  assert.match(html, /^<!DOCTYPE html>/);
  // Convergence per target (2), the error decomposition per curve (6), learned functions for
  // the three d = 1 curves, decision
  // regions for the two d = 2 classification curves.
  assert.equal(html.match(/<svg/g)?.length, 2 + 6 + 3 + 2);
  // Only fragment references (#clip3) may appear: nothing the browser would fetch.
  const external = html.match(/https?:|\bsrc=|@import|url\((?!#)|<script|<link/g);
  assert.equal(external, null, `external references: ${String(external)}`);
  const ids = [...html.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]);
  assert.equal(new Set(ids).size, ids.length, 'element ids are unique across the inlined SVGs');
});

test(
  'report - headless Chromium loads it without errors and shows the plots',
  { skip: CHROMIUM.skip },
  async () => {
    const chromium = CHROMIUM.path ?? assert.fail('unreachable: skipped without chromium');
    const url = pathToFileURL(report).href;
    const dom = await runChromium(chromium, ['--dump-dom', url]);
    assert.equal(dom.code, 0, dom.stderr);
    assert.match(dom.stdout, /<h1>widthsweep report: report<\/h1>/);
    const svgs = dom.stdout.match(/<svg[^>]*class="marks"/g) ?? [];
    assert.equal(svgs.length, 13, 'every plot is in the rendered DOM');
    assert.ok((dom.stdout.match(/<path/g) ?? []).length > 50, 'the plots have marks');
    assert.doesNotMatch(dom.stderr, /net::ERR_|Failed to load|Uncaught|CONSOLE\(\d+\).*error/i);

    const png = join(dir.path, 'report.png');
    const shot = await runChromium(chromium, [
      '--window-size=1200,2400',
      '--hide-scrollbars',
      `--screenshot=${png}`,
      url,
    ]);
    assert.equal(shot.code, 0, shot.stderr);
    assert.ok(statSync(png).size > 20_000, 'a screenshot with content');
    if (process.env.WIDTHSWEEP_KEEP_SCREENSHOT !== undefined) {
      writeFileSync(process.env.WIDTHSWEEP_KEEP_SCREENSHOT, readFileSync(png));
    }
  },
);
