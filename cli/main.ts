import { Command, CommanderError } from 'commander';
import { describeError, InputError, InterruptedError } from '../shared/errors.js';
import { registerAnalyzeCommand } from './analyze-command.js';
import { registerBenchCommand } from './bench-command.js';
import { registerCollectCommand } from './collect-command.js';
import { registerExportCommand } from './export-command.js';
import { registerInfoCommands } from './info-commands.js';
import { registerQueryCommand } from './query-command.js';
import { registerRunCommand } from './run-command.js';
import { registerServeCommand } from './serve-command.js';
import { registerStatusCommand } from './status-command.js';
import { INTERRUPTED_EXIT_CODE } from './sweep-session.js';
import { registerWorkerCommand } from './worker-command.js';
import type { WorkerCommandHooks } from './worker-command.js';

/** Seams for entries other than bin/widthsweep.js (test-only fault injection). */
export interface CliHooks {
  readonly worker?: WorkerCommandHooks;
}

/** Exit codes: 0 success, 1 runtime failure, 2 bad input (spec, flags, query). */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_BAD_INPUT = 2;

export function buildProgram(setExitCode: (code: number) => void, hooks: CliHooks = {}): Command {
  const program = new Command('widthsweep')
    .description(
      'measure how the L1 error of one-hidden-layer ReLU / softmax networks falls with width',
    )
    .version(process.env.npm_package_version ?? '0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerRunCommand(program, setExitCode);
  registerCollectCommand(program, setExitCode);
  registerWorkerCommand(program, hooks.worker);
  registerStatusCommand(program);
  registerQueryCommand(program);
  registerExportCommand(program);
  registerAnalyzeCommand(program);
  registerServeCommand(program);
  registerInfoCommands(program);
  registerBenchCommand(program);
  for (const command of program.commands) command.exitOverride();
  return program;
}

/** Runs the CLI and returns the process exit code; never calls process.exit itself. */
export async function main(argv: readonly string[], hooks: CliHooks = {}): Promise<number> {
  let code = EXIT_OK;
  const program = buildProgram((c) => {
    code = c;
  }, hooks);
  try {
    await program.parseAsync([...argv]);
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and --version exit through here with code 0; usage errors were printed already.
      return err.exitCode === 0 ? EXIT_OK : EXIT_BAD_INPUT;
    }
    const plain = err instanceof InputError || err instanceof InterruptedError;
    process.stderr.write(`widthsweep: ${plain ? err.message : describeError(err)}\n`);
    if (err instanceof InterruptedError) return INTERRUPTED_EXIT_CODE;
    return err instanceof InputError ? EXIT_BAD_INPUT : EXIT_FAILURE;
  }
}
