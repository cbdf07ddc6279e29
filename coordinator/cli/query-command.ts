import type { Command } from 'commander';
import { runReadOnlyQuery } from '../store/read-only-query.js';
import { choiceOption, dbOption } from './arguments.js';
import { formatCsv, formatTable } from './format.js';

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
    .action((sql: string, flags: { db: string; format: 'table' | 'csv' | 'json' }) => {
      const { columns, rows } = runReadOnlyQuery(flags.db, sql);
      const text =
        flags.format === 'json'
          ? JSON.stringify(rows)
          : flags.format === 'csv'
            ? formatCsv(columns, rows)
            : formatTable(columns, rows);
      process.stdout.write(`${text}\n`);
    });
}
