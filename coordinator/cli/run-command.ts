import type { Command } from 'commander';
import { Option } from 'commander';
import { loadStudySpecFile } from '../../shared/spec/load.js';
import { createTaskRunner } from '../../worker/runner.js';
import { LocalCoordinator } from '../local-coordinator.js';
import type { RunSummary } from '../local-coordinator.js';
import { SqliteResultStore } from '../store/sqlite-store.js';
import { dbOption, parsePositiveInt } from './arguments.js';
import { formatDuration } from './format.js';
import { ProgressReporter } from './progress.js';
import { renderSummary, studySummary } from './summary-output.js';

interface RunFlags {
  db: string;
  threads?: number;
  backend: 'auto' | 'tfjs-node-gpu' | 'tfjs-node' | 'wasm' | 'cpu';
  maxAttempts: number;
  json: boolean;
}

/** Exit code for a run stopped by SIGINT/SIGTERM (128 + SIGINT), as shells expect. */
export const INTERRUPTED_EXIT_CODE = 130;

export function registerRunCommand(program: Command, setExitCode: (code: number) => void): void {
  program
    .command('run')
    .description('run a study: train every grid cell the database lacks, store the results')
    .argument('<spec>', 'study spec file (YAML or JSON)')
    .addOption(dbOption())
    .option(
      '--threads <n>',
      'parallel training threads (default: the number of cores)',
      parsePositiveInt,
    )
    .addOption(
      new Option('--backend <name>', 'training backend; auto takes the fastest one installed')
        .choices(['auto', 'tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'])
        .default('auto'),
    )
    .option(
      '--max-attempts <n>',
      'attempts per task before it is recorded as failed',
      parsePositiveInt,
      3,
    )
    .option('--json', 'print one JSON summary object as the last line of stdout', false)
    .action(async (specPath: string, flags: RunFlags) => {
      const spec = await loadStudySpecFile(specPath);
      const store = new SqliteResultStore(flags.db);
      let runner;
      try {
        runner = await createTaskRunner({
          backend: flags.backend,
          ...(flags.threads === undefined ? {} : { threads: flags.threads }),
        });
      } catch (err) {
        store.close();
        throw err;
      }
      const coordinator = new LocalCoordinator(store, runner, { maxAttempts: flags.maxAttempts });
      const progress = new ProgressReporter();
      let signalled = false;
      const onSignal = (signal: NodeJS.Signals): void => {
        if (signalled) {
          process.stderr.write(`\nsecond ${signal}: exiting now\n`);
          process.exit(INTERRUPTED_EXIT_CODE);
        }
        signalled = true;
        progress.stop();
        process.stderr.write(
          `\n${signal}: stopping, unfinished tasks stay pending for the next run\n`,
        );
        void coordinator.close();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      let summary: RunSummary;
      try {
        summary = await coordinator.run(spec, progress.handle);
      } finally {
        progress.stop();
        // The table is read before close() releases the database.
      }
      const groups = signalled ? [] : studySummary(store, spec.name);
      await coordinator.close();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      report(summary, groups, flags.json);
      if (summary.interrupted) setExitCode(INTERRUPTED_EXIT_CODE);
      else if (summary.failed > 0) setExitCode(1);
    });
}

function report(summary: RunSummary, groups: ReturnType<typeof studySummary>, json: boolean): void {
  if (json) {
    process.stdout.write(
      `${JSON.stringify({ ...summary, wallMs: Math.round(summary.wallMs), groups })}\n`,
    );
    return;
  }
  if (groups.length > 0) process.stdout.write(`${renderSummary(groups)}\n\n`);
  const line =
    `study ${summary.study}: ${summary.done}/${summary.total} done, ${summary.failed} failed, ` +
    `${summary.diverged} diverged, ${summary.pending} pending; trained ${summary.trained}, ` +
    `skipped ${summary.skipped} already finished, in ${formatDuration(summary.wallMs)} (${summary.backend})`;
  const out = summary.interrupted ? process.stderr : process.stdout;
  out.write(`${line}${summary.interrupted ? ' — interrupted, run again to resume' : ''}\n`);
}
