import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { InputError, UnknownStudyError } from '../shared/errors.js';
import type { StoredDeadLetter } from '../coordinator/store/dead-letters.js';
import type { ReadModel } from '../coordinator/store/read-model.js';
import { SqliteResultStore } from '../coordinator/store/sqlite-store.js';
import { dbOption } from './arguments.js';
import { addNatsFlags, natsOptionsFrom } from './nats-flags.js';
import type { NatsFlags } from './nats-flags.js';
import { fetchLiveWorkers, renderWorkers } from '../coordinator/distributed/workers-output.js';
import { formatTable } from '../coordinator/format.js';
import { searchStatus } from '../coordinator/search/search-status.js';
import { renderSummary, studySummary } from './summary-output.js';

export function registerStatusCommand(program: Command): void {
  const command = program
    .command('status')
    .description(
      'show the studies in a database, or one study in detail; with --nats, the live workers too',
    )
    .argument('[study]', 'study name')
    .addOption(dbOption())
    .option('--json', 'print JSON instead of tables', false)
    .option(
      '--dead-letters',
      "list the study's dead letters: result messages that could not be stored, with the reason",
      false,
    );
  addNatsFlags(command, false).action(
    async (
      study: string | undefined,
      flags: NatsFlags & { db: string; json: boolean; deadLetters: boolean },
    ) => {
      const workers =
        flags.nats === undefined ? undefined : await fetchLiveWorkers(natsOptionsFrom(flags));
      if (workers !== undefined && !flags.json)
        process.stdout.write(`${renderWorkers(workers)}\n\n`);
      if (!existsSync(flags.db)) {
        if (workers !== undefined) {
          if (flags.json) process.stdout.write(`${JSON.stringify({ workers })}\n`);
          return;
        }
        throw new InputError(`no result database at ${flags.db}`);
      }
      // Opened through the writer's store, which brings an older file to the current schema;
      // status then reads only through the read model.
      const store: ReadModel & { close(): void } = new SqliteResultStore(flags.db);
      try {
        if (study === undefined) {
          const studies = store.listStudies();
          if (flags.json) {
            const list = studies.map((s) => ({
              ...s.progress,
              createdAt: s.createdAt,
              updatedAt: s.updatedAt,
            }));
            const out = workers === undefined ? list : { studies: list, workers };
            process.stdout.write(`${JSON.stringify(out)}\n`);
            return;
          }
          const rows = studies.map((s) => ({ ...s.progress, updated: s.updatedAt }));
          const columns = [
            'study',
            'total',
            'done',
            'failed',
            'diverged',
            'running',
            'pending',
            'updated',
          ];
          process.stdout.write(
            `${rows.length === 0 ? 'no studies yet' : formatTable(columns, rows)}\n`,
          );
          return;
        }
        if (!store.hasStudy(study)) throw new UnknownStudyError(study);
        if (flags.deadLetters) {
          printDeadLetters(store.deadLetters(study), flags.json);
          return;
        }
        const progress = store.progress(study);
        const deadLetters = store.deadLetterCount(study);
        const groups = studySummary(store, study);
        const spec = store.studySpec(study);
        const search = spec === undefined ? undefined : searchStatus(flags.db, spec);
        if (flags.json) {
          process.stdout.write(
            `${JSON.stringify({ ...progress, deadLetters, groups, ...(search === undefined ? {} : { search: search.json }), ...(workers === undefined ? {} : { workers }) })}\n`,
          );
          return;
        }
        const p = progress;
        const dead =
          deadLetters === 0
            ? ''
            : `; ${deadLetters} dead letter(s): widthsweep status ${study} --dead-letters`;
        process.stdout.write(
          `study ${study}: ${p.total} tasks: ${p.done} done, ${p.failed} failed, ${p.diverged} diverged, ${p.running} running, ${p.pending} pending${dead}\n\n${renderSummary(groups)}\n`,
        );
        if (search !== undefined) process.stdout.write(`\n${search.text}\n`);
      } finally {
        store.close();
      }
    },
  );
}

function printDeadLetters(letters: readonly StoredDeadLetter[], json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(letters)}\n`);
    return;
  }
  if (letters.length === 0) {
    process.stdout.write('no dead letters\n');
    return;
  }
  const rows = letters.map((l) => ({
    id: l.id,
    received: l.receivedAt,
    stream_seq: l.streamSeq ?? '',
    reason: l.reason,
  }));
  process.stdout.write(`${formatTable(['id', 'received', 'stream_seq', 'reason'], rows)}\n`);
}
