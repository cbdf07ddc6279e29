import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { copyFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { runCli, startCli } from '../helpers/cli.js';
import type { CliResult } from '../helpers/cli.js';
import { requireBinary } from '../helpers/system-binaries.js';
import { tempDir } from '../helpers/temp.js';

const CHROMIUM = requireBinary('chromium', 'chromium', {
  aliases: ['chromium-browser'],
  envVar: 'CHROMIUM',
});

const dir = tempDir('widthsweep-dashboard-');
const db = join(dir.path, 'dashboard.sqlite');
const servers: ChildProcess[] = [];
let browser: Browser | undefined;

const studySpec = (widths: number[]) => ({
  name: 'live',
  // Rendered into the page: it must come out as text, never as markup.
  description: 'dashboard test <img src=x onerror="window.__xss=1">',
  grid: { dims: [1, 2], widths, seeds: [0, 1], targets: ['sine', 'disk'] },
  train: { steps: 60, samples: 128 },
  eval: { samples: 1024 },
});

function writeSpec(name: string, widths: number[]): string {
  const path = join(dir.path, name);
  writeFileSync(path, JSON.stringify(studySpec(widths)));
  return path;
}

/** `widthsweep serve` in its own process; resolves with its URL once it listens. */
async function serve(args: readonly string[]): Promise<{ url: string; child: ChildProcess }> {
  const { child, done } = startCli(['serve', '--db', db, '--port', '0', ...args], dir.path);
  servers.push(child);
  const deadline = Date.now() + 30_000;
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  let exited: CliResult | undefined;
  void done.then((r) => (exited = r));
  for (;;) {
    const match = /dashboard on (http:\S+)/.exec(out);
    if (match?.[1] !== undefined) return { url: match[1], child };
    if (exited !== undefined) assert.fail(`serve exited ${exited.code}: ${exited.stderr}`);
    if (Date.now() > deadline) assert.fail('serve did not print its URL within 30 s');
    await sleep(50);
  }
}

async function waitFor(what: string, condition: () => Promise<boolean>, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** Console errors and uncaught exceptions of a page, collected as they happen. */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  page.on('pageerror', (err) => errors.push(err.message));
  return errors;
}

before(async () => {
  const run = await runCli(['run', writeSpec('live.json', [4, 8]), '--db', db], dir.path);
  assert.equal(run.code, 0, run.stderr);
});

after(async () => {
  await browser?.close();
  for (const child of servers) child.kill('SIGTERM');
  dir.remove();
});

test(
  'dashboard - the study page plots the study and follows a concurrent run without reloading',
  { skip: CHROMIUM.skip },
  async () => {
    const { url } = await serve([]);
    browser = await chromium.launch({ executablePath: CHROMIUM.path, args: ['--no-sandbox'] });
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors = watchErrors(page);

    await page.goto(url);
    const row = page.locator('#studies tr[data-study="live"]');
    await row.waitFor();
    assert.match(await row.innerText(), /\b16\b/, 'the studies table counts the 16 tasks');
    await row.locator('a').click();
    await page.waitForURL(/\/studies\/live$/);
    assert.equal(await page.locator('h1').innerText(), 'live');
    assert.equal(await page.evaluate(() => '__xss' in window), false);
    assert.match(await page.locator('.meta').first().innerText(), /<img src=x/);

    // One convergence chart per target, each an SVG with marks.
    const charts = page.locator('#charts svg.marks');
    await waitFor('two convergence charts', async () => (await charts.count()) === 2);
    for (const svg of await charts.all()) {
      assert.ok((await svg.locator('path').count()) > 5, 'a chart with marks');
    }
    assert.match(await page.locator('#analysis').innerText(), /RQ1/);
    const chartBefore = await charts.first().innerHTML();
    assert.equal(await page.locator('#counts').getAttribute('data-done'), '16');

    // A marker that a reload would wipe out.
    await page.evaluate(() => Object.assign(window, { __sameDocument: true }));
    const extended = await runCli(
      ['run', writeSpec('live-wider.json', [4, 8, 16]), '--db', db],
      dir.path,
    );
    assert.equal(extended.code, 0, extended.stderr);
    await waitFor(
      'the new results in the counts',
      async () => (await page.locator('#counts').getAttribute('data-done')) === '24',
    );
    await waitFor(
      'the chart to show width 16',
      async () => (await charts.first().innerHTML()) !== chartBefore,
    );
    assert.match(await charts.first().innerHTML(), />16</, 'an axis tick or point at width 16');
    assert.equal(
      await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument),
      true,
      'the page updated in place',
    );

    // A task page: parameters, metrics, the loss curve and the learned function.
    // A d = 1 task (column d is the third), so it has a learned function beside the loss.
    await page
      .locator('#progress tr')
      .filter({ has: page.locator('td:nth-child(3)', { hasText: /^1$/ }) })
      .locator('a[href^="/tasks/"]')
      .first()
      .click();
    await page.waitForURL(/\/tasks\/[0-9a-f]{32}$/);
    await waitFor(
      'the task plots',
      async () => (await page.locator('#charts svg.marks').count()) === 2,
    );
    assert.match(await page.locator('body').innerText(), /l1_error/);
    const shot = join(dir.path, 'task.png');
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok(statSync(shot).size > 20_000, 'a screenshot with content');
    const keep = process.env.WIDTHSWEEP_KEEP_SCREENSHOTS;
    if (keep !== undefined) {
      await page.goto(`${url}studies/live`);
      await waitFor('the charts', async () => (await charts.count()) === 2);
      await page.screenshot({ path: join(keep, 'dashboard-study.png'), fullPage: true });
      copyFileSync(shot, join(keep, 'dashboard-task.png'));
    }
    assert.deepEqual(errors, [], 'no console errors');
  },
);

test('dashboard - bad ids are 404 with a message, and nothing serves a stack trace', async () => {
  const { url } = await serve([]);
  for (const path of ['studies/nope', 'studies/%3Cscript%3E', 'tasks/0123', 'tasks/../etc']) {
    const response = await fetch(`${url}${path}`);
    assert.equal(response.status, 404, path);
    const text = await response.text();
    assert.match(text, /^not found: /, path);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain/, path);
    assert.doesNotMatch(text, /\n\s+at /, path);
  }
  assert.equal((await fetch(`${url}?study=live`)).status, 400, 'unknown query parameters');
});

test('dashboard - a token-protected server refuses requests without the token', async () => {
  const token = 'test-token-0123456789abcdef';
  const { url } = await serve(['--token', token]);
  assert.equal((await fetch(url)).status, 401);
  assert.equal(
    (await fetch(url, { headers: { 'X-Widthsweep-Token': 'wrong-token-0123456789' } })).status,
    401,
  );
  assert.equal((await fetch(url, { headers: { 'X-Widthsweep-Token': token } })).status, 200);
  const viaQuery = await fetch(`${url}studies/live?token=${token}`, { redirect: 'manual' });
  assert.equal(viaQuery.status, 303);
  assert.equal(viaQuery.headers.get('location'), '/studies/live');
  const cookie = (viaQuery.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  assert.equal((await fetch(`${url}studies/live`, { headers: { cookie } })).status, 200);
  assert.equal((await fetch(`${url}events`)).status, 401, 'the event stream too');
});

test('dashboard - binding beyond loopback without --token is refused with exit 2', async () => {
  const result = await runCli(['serve', '--db', db, '--host', '0.0.0.0', '--port', '0'], dir.path);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /--host: .*requires --token/);
});
