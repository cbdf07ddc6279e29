import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { ValidationError } from '../shared/errors.js';
import { createLogger } from '../shared/log.js';
import { loadStudySpecFile } from '../shared/spec/load.js';
import { studyTaskCount } from '../shared/spec/limits.js';
import type { StudySpec } from '../shared/spec/study-spec.js';
import { createTaskRunner } from '../worker/runner.js';
import type { BackendName } from '../worker/backends.js';
import { Coordinator } from '../coordinator/coordinator.js';
import { InProcessDispatcher } from '../coordinator/dispatch/in-process-dispatcher.js';
import { JetStreamDispatcher } from '../coordinator/dispatch/jetstream-dispatcher.js';
import { SqliteResultStore } from '../coordinator/store/sqlite-store.js';
import { WriterLock } from '../coordinator/store/writer-lock.js';
import { backendOption, dbOption, parsePositiveInt, parseThreads } from './arguments.js';
import {
  addNatsFlags,
  addStudyNatsFlags,
  natsOptionsFrom,
  studyNatsOptionsFrom,
} from './nats-flags.js';
import type { NatsFlags, StudyNatsFlags } from './nats-flags.js';
import { studySummary } from './summary-output.js';
import { searchSession } from './search-session.js';
import { INTERRUPTED_EXIT_CODE, runSweepSession } from './sweep-session.js';
import type { SweepSession } from './sweep-session.js';

interface RunFlags extends NatsFlags, StudyNatsFlags {
  db: string;
  threads?: number;
  backend: 'auto' | BackendName;
  maxAttempts: number;
  ackWait: number;
  detach: boolean;
  strict: boolean;
  json: boolean;
}

export function registerRunCommand(program: Command, setExitCode: (code: number) => void): void {
  const command = program
    .command('run')
    .description('run a study: train every grid cell the database lacks, store the results')
    .argument('<spec>', 'study spec file (YAML or JSON)')
    .addOption(dbOption())
    .option(
      '--threads <n>',
      'local mode: parallel training threads (default: the number of cores)',
      parseThreads,
    )
    .addOption(backendOption('local mode: training backend; auto takes the fastest one installed'))
    .option(
      '--max-attempts <n>',
      'attempts (NATS: deliveries) per task before it is recorded as failed',
      parsePositiveInt,
      3,
    )
    .option(
      '--ack-wait <seconds>',
      'NATS: how long a worker may go silent before its task is redelivered',
      parsePositiveInt,
      60,
    )
    .option(
      '--detach',
      'NATS: publish the tasks and exit; collect results later with `widthsweep collect`',
      false,
    )
    .option(
      '--strict',
      'NATS: exit 2, publishing nothing, when a routed pool has no live worker that can train its tasks',
      false,
    )
    .option('--json', 'print one JSON summary object as the last line of stdout', false);
  addNatsFlags(addStudyNatsFlags(command), false).action(
    async (specPath: string, flags: RunFlags) => {
      const spec = await loadStudySpecFile(specPath);
      if (spec.search !== undefined && flags.detach && flags.nats !== undefined) {
        // Each round depends on the last one's results, so a search needs its coordinator.
        throw new ValidationError(
          '--detach',
          'a width search needs the coordinator between rounds',
        );
      }
      const lock = WriterLock.acquire(flags.db);
      // Until the session handles signals, one stops the command at once without leaving the
      // lock behind (the lock releases itself on process exit).
      const stopEarly = (signal: NodeJS.Signals): void => {
        process.stderr.write(`\n${signal}: stopping before training started\n`);
        process.exit(INTERRUPTED_EXIT_CODE);
      };
      process.on('SIGINT', stopEarly);
      process.on('SIGTERM', stopEarly);
      try {
        let session: SweepSession;
        const store = new SqliteResultStore(flags.db);
        try {
          session =
            flags.nats === undefined
              ? await localSession(spec, store, flags)
              : await distributedSession(spec, store, flags);
        } finally {
          process.off('SIGINT', stopEarly);
          process.off('SIGTERM', stopEarly);
        }
        setExitCode(
          await runSweepSession(session, flags.json, flags.detach && flags.nats !== undefined),
        );
      } finally {
        process.off('SIGINT', stopEarly);
        process.off('SIGTERM', stopEarly);
        lock.release();
      }
    },
  );
}

/**
 * Threads for a local run: the request (default: the cores), but never more than the cores or
 * the study's tasks, since each idle thread still costs its backend's memory and start-up.
 */
function localThreads(spec: StudySpec, requested: number | undefined): number {
  const cores = availableParallelism();
  const tasks = studyTaskCount(spec, spec.grid.targets);
  const threads = Math.max(1, Math.min(requested ?? cores, cores, tasks));
  if (requested !== undefined && threads < requested) {
    process.stderr.write(
      `widthsweep: --threads ${requested}: using ${threads} (${cores} core(s), ${tasks} task(s) in the study)\n`,
    );
  }
  return threads;
}

async function localSession(
  spec: StudySpec,
  store: SqliteResultStore,
  flags: RunFlags,
): Promise<SweepSession> {
  let runner;
  try {
    runner = await createTaskRunner({
      backend: flags.backend,
      threads: localThreads(spec, flags.threads),
    });
  } catch (err) {
    store.close();
    throw err;
  }
  const dispatcher = new InProcessDispatcher(runner, { maxAttempts: flags.maxAttempts });
  return coordinatorSession(spec, store, new Coordinator(store, dispatcher), flags);
}

async function distributedSession(
  spec: StudySpec,
  store: SqliteResultStore,
  flags: RunFlags,
): Promise<SweepSession> {
  let dispatcher: JetStreamDispatcher;
  try {
    dispatcher = await JetStreamDispatcher.connect(
      store,
      {
        nats: natsOptionsFrom(flags),
        topology: { maxDeliver: flags.maxAttempts, ackWaitMs: flags.ackWait * 1000 },
        strict: flags.strict,
        ...studyNatsOptionsFrom(flags),
      },
      createLogger('coordinator'),
    );
  } catch (err) {
    store.close();
    throw err;
  }
  return coordinatorSession(spec, store, new Coordinator(store, dispatcher), flags);
}

/** One session for either dispatcher: the plain run, or a width search's rounds. */
function coordinatorSession(
  spec: StudySpec,
  store: SqliteResultStore,
  coordinator: Coordinator,
  flags: RunFlags,
): SweepSession {
  const plain: SweepSession = {
    run: (onEvent) =>
      coordinator.run(spec, { onEvent, detach: flags.detach && flags.nats !== undefined }),
    summary: () => studySummary(store, spec.name),
    close: () => coordinator.close(),
  };
  return searchSession(
    spec,
    flags.db,
    (tasks, onEvent) => coordinator.run(spec, { onEvent, tasks }),
    plain,
  );
}
