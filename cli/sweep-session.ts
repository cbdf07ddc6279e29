import type { SweepEvent, RunSummary } from '../coordinator/sweep-events.js';
import type { SummaryGroup } from '../coordinator/summary-table.js';
import { formatDuration } from '../coordinator/format.js';
import { ProgressReporter } from './progress.js';
import { renderSummary } from './summary-output.js';

/** Exit code for a run stopped by SIGINT/SIGTERM (128 + SIGINT), as shells expect. */
export const INTERRUPTED_EXIT_CODE = 130;

export interface SweepSession {
  run(onEvent: (event: SweepEvent) => void): Promise<RunSummary>;
  /** Read before close() releases the database. */
  summary(): SummaryGroup[];
  /** More to print after the run (a width search's brackets), read before close(). */
  extra?(): { readonly text: string; readonly json: Record<string, unknown> };
  close(): Promise<void>;
}

/**
 * Drives a coordinator from the CLI: progress on stderr, SIGINT/SIGTERM to close() it (a second
 * signal exits at once), the table or the --json line at the end. Returns the exit code: never 0
 * with tasks still pending, unless the caller asked for a partial pass (`--detach`,
 * `collect --once`).
 */
export async function runSweepSession(
  session: SweepSession,
  json: boolean,
  detached = false,
  partial = detached,
): Promise<number> {
  const progress = new ProgressReporter();
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled) {
      process.stderr.write(`\nsecond ${signal}: exiting now\n`);
      process.exit(INTERRUPTED_EXIT_CODE);
    }
    signalled = true;
    progress.stop();
    process.stderr.write(`\n${signal}: stopping, unfinished tasks stay pending for the next run\n`);
    void session.close();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let summary: RunSummary;
  let groups: SummaryGroup[] = [];
  let extra: ReturnType<NonNullable<SweepSession['extra']>> | undefined;
  try {
    summary = await session.run(progress.handle);
    progress.stop();
    if (!signalled && !detached) groups = session.summary();
    extra = session.extra?.();
  } finally {
    progress.stop();
    await session.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const unfinished = !partial && !summary.interrupted && summary.pending > 0;
  report(summary, groups, json, detached, unfinished, extra);
  if (summary.interrupted) return INTERRUPTED_EXIT_CODE;
  return summary.failed > 0 || unfinished ? 1 : 0;
}

function report(
  summary: RunSummary,
  groups: readonly SummaryGroup[],
  json: boolean,
  detached: boolean,
  unfinished: boolean,
  extra?: { readonly text: string; readonly json: Record<string, unknown> },
): void {
  if (json) {
    const more = extra?.json ?? {};
    process.stdout.write(
      `${JSON.stringify({ ...summary, wallMs: Math.round(summary.wallMs), groups, ...more })}\n`,
    );
    return;
  }
  if (groups.length > 0) process.stdout.write(`${renderSummary(groups)}\n\n`);
  if (extra !== undefined) process.stdout.write(`${extra.text}\n\n`);
  const line =
    `study ${summary.study}: ${summary.done}/${summary.total} done, ${summary.failed} failed, ` +
    `${summary.diverged} diverged, ${summary.pending} pending; trained ${summary.trained}, ` +
    `skipped ${summary.skipped} already finished, in ${formatDuration(summary.wallMs)} (${summary.backend})`;
  const suffix = summary.interrupted
    ? ' — interrupted, run again to resume'
    : unfinished
      ? ` — ${summary.pending} task(s) unfinished, run again to resume`
      : detached
        ? ` — published; collect with: widthsweep collect ${summary.study}`
        : '';
  const toStderr = summary.interrupted || unfinished;
  (toStderr ? process.stderr : process.stdout).write(`${line}${suffix}\n`);
}
