import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FAULTY_CLI, startCli } from './cli.js';
import type { RunningCli } from './cli.js';
import { rowsWhenReady } from './db.js';
import { tempDir } from './temp.js';

/** Training small enough that dispatch, not arithmetic, dominates. */
export const TINY = { train: { steps: 20, samples: 32 }, eval: { samples: 256 } };

export const query = (db: string, sql: string, ...params: unknown[]) =>
  rowsWhenReady(db, sql, ...params);
export const count = (db: string, sql: string, ...params: unknown[]): number =>
  Number(query(db, sql, ...params)[0]?.n ?? 0);

/**
 * Waits for `condition`; on a timeout the failure quotes the end of what `processes` wrote to
 * stderr, since a process that stalls rarely says why on its own.
 */
export async function waitFor(
  what: string,
  condition: () => boolean,
  timeoutMs = 90_000,
  processes: Readonly<Record<string, RunningCli>> = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() >= deadline) {
      const said = Object.entries(processes).map(
        ([name, p]) => `--- ${name} stderr:\n${p.output().stderr.slice(-4000)}`,
      );
      assert.fail([`timed out waiting for ${what}`, ...said].join('\n'));
    }
    await sleep(200);
  }
}

/**
 * What the distributed and fault tests share: a temporary directory for specs and databases,
 * CLI processes that are killed when the file's tests end, and the exactly-once check.
 */
export class SweepHarness {
  readonly dir = tempDir();
  readonly #children = new Set<ChildProcess>();

  get path(): string {
    return this.dir.path;
  }

  /** Writes a study spec (1-D sine unless `grid` says otherwise) and returns its path. */
  spec(
    name: string,
    grid: Record<string, unknown>,
    recipe: Record<string, unknown> = TINY,
  ): string {
    const path = join(this.dir.path, `${name}-${Math.random().toString(36).slice(2, 8)}.json`);
    writeFileSync(
      path,
      JSON.stringify({ name, grid: { dims: [1], targets: ['sine'], ...grid }, ...recipe }),
    );
    return path;
  }

  db(name: string): string {
    return join(this.dir.path, `${name}.sqlite`);
  }

  /** A CLI process that dies with the test file if the test does not end it. */
  start(args: readonly string[], env: NodeJS.ProcessEnv = {}, entry?: string): RunningCli {
    const run = startCli(args, this.dir.path, env, entry);
    this.#children.add(run.child);
    void run.done.then(() => this.#children.delete(run.child));
    return run;
  }

  startWorker(
    url: string,
    name: string,
    env: NodeJS.ProcessEnv = {},
    extra: readonly string[] = [],
  ): RunningCli {
    return this.start(
      ['worker', '--nats', url, '--threads', '1', '--name', name, '--grace', '2', ...extra],
      env,
    );
  }

  /** A worker (as startWorker) whose tasks of grid seeds `failSeeds` fail on every attempt. */
  startFaultyWorker(
    url: string,
    name: string,
    failSeeds: readonly number[],
    extra: readonly string[] = [],
  ): RunningCli {
    return this.start(
      ['worker', '--nats', url, '--threads', '1', '--name', name, '--grace', '2', ...extra],
      { WIDTHSWEEP_FAIL_SEEDS: failSeeds.join(',') },
      FAULTY_CLI,
    );
  }

  async stopWorkers(workers: readonly RunningCli[]): Promise<void> {
    for (const w of workers) w.child.kill('SIGTERM');
    await Promise.all(workers.map((w) => w.done));
  }

  dispose(): void {
    for (const child of this.#children) child.kill('SIGKILL');
    this.dir.remove();
  }
}

/** Every task of the study done, one result row per task, and the database holds no others. */
export function assertCompleteOnce(db: string, study: string, total: number): void {
  const rows = query(
    db,
    `SELECT task_id, status, attempts FROM task_results WHERE study = ?`,
    study,
  );
  assert.equal(rows.length, total);
  assert.equal(new Set(rows.map((r) => r.task_id)).size, total);
  const notDone = rows.filter((r) => r.status !== 'done');
  assert.deepEqual(notDone, []);
  assert.ok(rows.every((r) => (r.attempts as number) >= 1));
  assert.equal(count(db, `SELECT count(*) AS n FROM results`), total);
  assert.equal(count(db, `SELECT count(*) AS n FROM tasks`), total, 'a task row was added');
}
