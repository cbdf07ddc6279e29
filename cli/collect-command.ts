import type { Command } from 'commander';
import { InputError } from '../shared/errors.js';
import { createLogger } from '../shared/log.js';
import { Coordinator } from '../coordinator/coordinator.js';
import { JetStreamDispatcher } from '../coordinator/dispatch/jetstream-dispatcher.js';
import { SqliteResultStore } from '../coordinator/store/sqlite-store.js';
import { WriterLock } from '../coordinator/store/writer-lock.js';
import { existsSync } from 'node:fs';
import { dbOption } from './arguments.js';
import {
  addNatsFlags,
  addStudyNatsFlags,
  natsOptionsFrom,
  studyNatsOptionsFrom,
} from './nats-flags.js';
import type { NatsFlags, StudyNatsFlags } from './nats-flags.js';
import { studySummary } from './summary-output.js';
import { runSweepSession } from './sweep-session.js';

interface CollectFlags extends NatsFlags, StudyNatsFlags {
  db: string;
  once: boolean;
  json: boolean;
}

export function registerCollectCommand(
  program: Command,
  setExitCode: (code: number) => void,
): void {
  const command = program
    .command('collect')
    .description(
      "store a distributed study's results from NATS until it is finished (republishing lost tasks)",
    )
    .argument('<study>', 'study name')
    .addOption(dbOption())
    .option(
      '--once',
      'store what is waiting and exit instead of waiting for the study to finish',
      false,
    )
    .option('--json', 'print one JSON summary object as the last line of stdout', false);
  addNatsFlags(addStudyNatsFlags(command), true).action(
    async (study: string, flags: CollectFlags) => {
      if (!existsSync(flags.db)) throw new InputError(`no result database at ${flags.db}`);
      const lock = WriterLock.acquire(flags.db);
      try {
        const store = new SqliteResultStore(flags.db);
        let coordinator: Coordinator;
        try {
          const dispatcher = await JetStreamDispatcher.connect(
            store,
            { nats: natsOptionsFrom(flags), ...studyNatsOptionsFrom(flags) },
            createLogger('coordinator'),
          );
          coordinator = new Coordinator(store, dispatcher);
        } catch (err) {
          store.close();
          throw err;
        }
        const code = await runSweepSession(
          {
            run: (onEvent) => coordinator.collect(study, { once: flags.once, onEvent }),
            summary: () => studySummary(store, study),
            close: () => coordinator.close(),
          },
          flags.json,
          false,
          flags.once,
        );
        setExitCode(code);
      } finally {
        lock.release();
      }
    },
  );
}
