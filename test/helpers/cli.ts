import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root, from dist/test/helpers. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const CLI = fileURLToPath(new URL('../../../bin/widthsweep.js', import.meta.url));
/** The CLI with fault injection (test/helpers/faulty-worker-main.ts), compiled beside this file. */
export const FAULTY_CLI = fileURLToPath(new URL('./faulty-worker-main.js', import.meta.url));

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A CLI process started by startCli. */
export interface RunningCli {
  readonly child: ChildProcess;
  readonly done: Promise<CliResult>;
  /** What the process has written so far. */
  readonly output: () => { stdout: string; stderr: string };
}

/** Starts the real CLI (or `entry`) in its own process; `done` resolves when it exits. */
export function startCli(
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
  entry: string = CLI,
): RunningCli {
  const child = spawn(process.execPath, [entry, ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done, output: () => ({ stdout, stderr }) };
}

export function runCli(
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
): Promise<CliResult> {
  return startCli(args, cwd, env).done;
}

/** The JSON object on the last line of stdout (the --json contract). */
export function lastJsonLine<T = Record<string, unknown>>(stdout: string): T {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] ?? '') as T;
}
