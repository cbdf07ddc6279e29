import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChildProcess } from 'node:child_process';
import type { CliResult } from './cli.js';
import { rowsWhenReady } from './db.js';

/** A recipe that trains in milliseconds: fault tests are about storage, not accuracy. */
export const TINY_RECIPE = {
  train: { steps: 20, samples: 32, optimizer: 'adam' },
  eval: { samples: 256 },
} as const;

/** Writes a spec as JSON into `dir` and returns its path. */
export function writeSpec(dir: string, file: string, spec: Record<string, unknown>): string {
  const path = join(dir, file);
  writeFileSync(path, JSON.stringify(spec));
  return path;
}

/** A tiny sine study of widths x seeds tasks. */
export function tinyStudy(name: string, widths: number, seeds: number): Record<string, unknown> {
  return {
    name,
    grid: {
      dims: [1],
      widths: Array.from({ length: widths }, (_, i) => i + 1),
      seeds: Array.from({ length: seeds }, (_, i) => i),
      targets: ['sine'],
    },
    ...TINY_RECIPE,
  };
}

/** The fault suite's invariant: every task of the study done, exactly one stored result each. */
export function assertOneResultPerTask(db: string, study: string, tasks: number): void {
  const rows = rowsWhenReady(
    db,
    `SELECT t.task_id, t.status, (SELECT count(*) FROM results r WHERE r.task_id = t.task_id) AS n
     FROM study_tasks st JOIN tasks t ON t.task_id = st.task_id WHERE st.study = ?`,
    study,
  );
  assert.equal(rows.length, tasks, `${study}: expected ${tasks} tasks`);
  const notDone = rows.filter((r) => r.status !== 'done');
  assert.deepEqual(notDone, [], `${study}: unfinished tasks`);
  assert.ok(
    rows.every((r) => r.n === 1),
    `${study}: a task without exactly one result`,
  );
  const total = rowsWhenReady(db, 'SELECT count(*) AS n FROM results')[0]?.n;
  assert.equal(total, tasks, `${study}: results for tasks outside the study`);
}

/** Count of stored results, 0 while the database is still being created. */
export function storedResults(db: string): number {
  return Number(rowsWhenReady(db, 'SELECT count(*) AS n FROM results')[0]?.n ?? 0);
}

/** Polls (every `pollMs`) until at least `n` results are stored. */
export async function waitForResults(
  db: string,
  n: number,
  timeoutMs = 60_000,
  pollMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (storedResults(db) < n) {
    assert.ok(Date.now() < deadline, `fewer than ${n} results within ${timeoutMs} ms`);
    await sleep(pollMs);
  }
}

/**
 * Waits for `n` stored results, then sends `signal` to a running CLI and waits for it to exit:
 * an interruption mid-study. Polls every 20 ms, so that a short study is caught before its end.
 * Returns how it exited and the results stored by then.
 */
export async function signalAfterResults(
  run: { readonly child: ChildProcess; readonly done: Promise<CliResult> },
  db: string,
  n: number,
  signal: NodeJS.Signals,
  timeoutMs = 90_000,
): Promise<{ exit: CliResult; stored: number }> {
  await waitForResults(db, n, timeoutMs, 20);
  run.child.kill(signal);
  const exit = await run.done;
  return { exit, stored: storedResults(db) };
}

/** Lock files (`*.lock`) left in a directory. */
export function lockFiles(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.lock')) : [];
}
