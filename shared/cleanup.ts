import { describeError } from './errors.js';

/** One step of an ordered shutdown: what it does (for the error) and how. */
export type CleanupStep = readonly [what: string, run: () => unknown];

/**
 * Runs every step in order, even after one fails, so a failing step never leaves a later
 * resource (a pool, a connection, the database) open; then throws all failures together.
 */
export async function runCleanup(steps: readonly CleanupStep[], owner: string): Promise<void> {
  const failures: Error[] = [];
  for (const [what, run] of steps) {
    try {
      await run();
    } catch (err) {
      failures.push(new Error(`could not ${what}: ${describeError(err)}`, { cause: err }));
    }
  }
  if (failures.length > 0) throw new AggregateError(failures, `errors while closing the ${owner}`);
}
