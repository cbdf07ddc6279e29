import type { Command } from 'commander';
import { runReadOnlyQuery } from '../coordinator/store/read-only-query.js';
import { choiceOption, dbOption, parsePositiveInt } from './arguments.js';
import { formatCsv, formatTable } from '../coordinator/format.js';

interface QueryFlags {
  db: string;
  format: 'table' | 'csv' | 'json';
  timeout: number;
}

export function registerQueryCommand(program: Command): void {
  program
    .command('query')
    .description(
      'run one read-only SQL statement on the result database (see the task_results view)',
    )
    .argument('<sql>', 'the SQL statement')
    .addOption(dbOption())
    .addOption(
      choiceOption(
        '--format <format>',
        'output format',
        ['table', 'csv', 'json'] as const,
        'table',
      ),
    )
    .option(
      '--timeout <seconds>',
      'stop the statement after this long (exit 1)',
      parsePositiveInt,
      60,
    )
    .action(async (sql: string, flags: QueryFlags) => {
      // SIGINT/SIGTERM stop the statement (it runs in a child process) and exit 130.
      const stop = new AbortController();
      const onSignal = (): void => stop.abort();
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      let result;
      try {
        result = await runReadOnlyQuery(flags.db, sql, {
          timeoutMs: flags.timeout * 1000,
          signal: stop.signal,
        });
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      const { columns, rows } = result;
      const text =
        flags.format === 'json'
          ? JSON.stringify(rows)
          : flags.format === 'csv'
            ? formatCsv(columns, rows)
            : formatTable(columns, rows);
      process.stdout.write(`${text}\n`);
    });
}
