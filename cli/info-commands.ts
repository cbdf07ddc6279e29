import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { InputError } from '../shared/errors.js';
import { studySpecJsonSchema } from '../shared/spec/json-schema.js';
import { listTargetDefinitions } from '../shared/targets/registry.js';
import { formatTable } from '../coordinator/format.js';
import { SPEC_TEMPLATE } from './spec-template.js';

export function registerInfoCommands(program: Command): void {
  program
    .command('targets')
    .description('list the target functions with their parameters')
    .option('--json', 'print JSON', false)
    .action((flags: { json: boolean }) => {
      const rows = listTargetDefinitions().map((d) => ({
        name: d.name,
        kind: d.kind,
        loss: d.defaultLoss,
        defaults: d.params.parse({}),
        description: d.description,
      }));
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(rows)}\n`);
        return;
      }
      process.stdout.write(
        `${formatTable(['name', 'kind', 'loss', 'description', 'defaults'], rows)}\n`,
      );
    });

  program
    .command('init')
    .description('write a commented example study spec')
    .argument('[file]', 'where to write it; - for stdout', 'study.yaml')
    .option('--force', 'overwrite an existing file', false)
    .action(async (file: string, flags: { force: boolean }) => {
      if (file === '-') {
        process.stdout.write(SPEC_TEMPLATE);
        return;
      }
      if (existsSync(file) && !flags.force) {
        throw new InputError(`${file} exists; pass --force to overwrite it`);
      }
      await writeFile(file, SPEC_TEMPLATE);
      process.stderr.write(`wrote ${file}; run it with: widthsweep run ${file}\n`);
    });

  program
    .command('schema')
    .description('print the JSON Schema of study specs (for editors)')
    .option('--out <file>', 'write to a file instead of stdout')
    .action(async (flags: { out?: string }) => {
      const text = `${JSON.stringify(studySpecJsonSchema(), null, 2)}\n`;
      if (flags.out === undefined) process.stdout.write(text);
      else await writeFile(flags.out, text);
    });
}
