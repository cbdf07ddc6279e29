import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { MetricsServer } from '../worker/metrics-server.js';
import { NatsWorker, resolveNatsWorkerOptions } from '../worker/nats-worker.js';
import type { NatsWorkerOptions } from '../worker/nats-worker.js';
import { createTaskRunner } from '../worker/runner.js';
import type { TaskRunner } from '../shared/task-runner.js';
import { WorkerMetrics } from '../worker/worker-metrics.js';
import type { BackendName } from '../worker/backends.js';
import { backendOption, parseSeconds, parseThreads } from './arguments.js';
import { addNatsFlags, natsOptionsFrom } from './nats-flags.js';
import type { NatsFlags } from './nats-flags.js';

interface WorkerFlags extends NatsFlags {
  threads?: number;
  backend: 'auto' | BackendName;
  name?: string;
  pool: string;
  grace: number;
  reportStartAfter: number;
  metricsPort?: number;
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1 || n > 65535) {
    throw new InvalidArgumentError(`expected a TCP port 1-65535, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** What a caller other than bin/widthsweep.js may change about the worker command. */
export interface WorkerCommandHooks {
  /**
   * Wraps the runner the worker trains with; the seam test/helpers/faulty-worker-main.ts uses
   * to make chosen tasks fail. @default none
   */
  readonly wrapRunner?: (runner: TaskRunner) => TaskRunner;
}

export function registerWorkerCommand(program: Command, hooks: WorkerCommandHooks = {}): void {
  const command = program
    .command('worker')
    .description(
      'train tasks from NATS JetStream until stopped (SIGINT/SIGTERM hand back what is held)',
    );
  addNatsFlags(command, true)
    .option(
      '--threads <n>',
      'parallel training threads (default: the number of cores)',
      parseThreads,
    )
    .addOption(backendOption('training backend; auto takes the fastest one installed'))
    .option('--name <name>', 'worker name shown in status (default: host:pid)')
    .option('--pool <pool>', 'the pool of tasks to take (capability class)', 'default')
    .option(
      '--grace <seconds>',
      'on stop, how long in-flight tasks may finish before they are handed back',
      Number,
      10,
    )
    .option(
      '--report-start-after <seconds>',
      'report a task as started once it has trained this long (0: at once); shorter tasks send only their result',
      parseSeconds,
      1,
    )
    .option(
      '--metrics-port <port>',
      'serve GET /healthz (200 while running, else 503) and Prometheus /metrics on this port, all interfaces',
      parsePort,
    )
    .action(async (flags: WorkerFlags) => {
      // Listening before connecting lets probes see "starting" (503) rather than a refused port.
      const metrics =
        flags.metricsPort === undefined
          ? undefined
          : new WorkerMetrics({ version: program.version() ?? 'unknown' });
      const server =
        metrics === undefined
          ? undefined
          : await MetricsServer.start(metrics, { port: flags.metricsPort ?? 0 });
      if (server !== undefined) {
        process.stderr.write(`metrics and health on port ${server.port} (/metrics, /healthz)\n`);
      }
      const options: NatsWorkerOptions = {
        ...(flags.name === undefined ? {} : { name: flags.name }),
        ...(metrics === undefined ? {} : { onTaskSettled: metrics.observeTask }),
        pool: flags.pool,
        graceMs: flags.grace * 1000,
        reportStartAfterMs: flags.reportStartAfter * 1000,
        nats: natsOptionsFrom(flags),
      };
      // Checked before any thread starts, as start() would.
      resolveNatsWorkerOptions(options);
      const runner = await createTaskRunner({
        backend: flags.backend,
        ...(flags.threads === undefined ? {} : { threads: flags.threads }),
      });
      const worker = await NatsWorker.startWith(hooks.wrapRunner?.(runner) ?? runner, options);
      metrics?.attach(worker);
      let signalled = false;
      const stop = (signal: NodeJS.Signals): void => {
        if (signalled) {
          process.stderr.write(
            `second ${signal}: exiting now; held tasks return after the ack wait\n`,
          );
          process.exit(130);
        }
        signalled = true;
        process.stderr.write(`${signal}: stopping; finishing or handing back held tasks\n`);
        void worker.close();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      await worker.finished;
      await worker.close();
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      await server?.close();
      const { tasksDone, tasksFailed } = worker.stats;
      process.stderr.write(
        `worker ${worker.options.name} stopped: ${tasksDone} done, ${tasksFailed} failed attempts\n`,
      );
    });
}
