import { createWriteStream, existsSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { once } from 'node:events';
import type { Command } from 'commander';
import { InputError, UnknownStudyError } from '../shared/errors.js';
import { choiceOption, dbOption } from './arguments.js';
import { stringify } from 'csv-stringify';
import { CSV_OPTIONS } from '../coordinator/format.js';
import { openReadModel } from '../coordinator/store/sqlite-read-model.js';

async function write(out: Writable, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}

export function registerExportCommand(program: Command): void {
  program
    .command('export')
    .description("export a study's rows of the task_results view")
    .argument('<study>', 'study name')
    .addOption(dbOption())
    .addOption(choiceOption('--format <format>', 'output format', ['csv', 'jsonl'] as const, 'csv'))
    .option('--out <file>', 'write to a file instead of stdout')
    .action(async (study: string, flags: { db: string; format: 'csv' | 'jsonl'; out?: string }) => {
      if (!existsSync(flags.db)) throw new InputError(`no result database at ${flags.db}`);
      const model = openReadModel(flags.db);
      try {
        if (!model.hasStudy(study)) throw new UnknownStudyError(study);
        const { columns, rows } = model.exportRows(study);
        const out: Writable =
          flags.out === undefined ? process.stdout : createWriteStream(flags.out);
        if (flags.format === 'csv') {
          const csv = stringify({ ...CSV_OPTIONS, header: true, columns: [...columns] });
          csv.pipe(out, { end: false });
          for (const row of rows) {
            if (!csv.write(row)) await once(csv, 'drain');
          }
          csv.end();
          await once(csv, 'end');
        } else {
          for (const row of rows) await write(out, `${JSON.stringify(row)}\n`);
        }
        if (out !== process.stdout) {
          out.end();
          await once(out, 'finish');
        }
      } finally {
        model.close();
      }
    });
}
