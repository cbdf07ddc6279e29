import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { MetricsServer } from '../worker/metrics-server.js';
import { NatsWorker } from '../worker/nats-worker.js';
import { WorkerMetrics } from '../worker/worker-metrics.js';
import type { BackendName } from '../worker/backends.js';
import { backendOption, parseThreads } from './arguments.js';
import { addNatsFlags, natsOptionsFrom } from './nats-flags.js';
import type { NatsFlags } from './nats-flags.js';

interface WorkerFlags extends NatsFlags {
  threads?: number;
  backend: 'auto' | BackendName;
  name?: string;
  pool: string;
  grace: number;
  metricsPort?: number;
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1 || n > 65535) {
    throw new InvalidArgumentError(`expected a TCP port 1-65535, got ${JSON.stringify(value)}`);
  }
  return n;
}

export function registerWorkerCommand(program: Command): void {
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
      const worker = await NatsWorker.start({
        ...(flags.name === undefined ? {} : { name: flags.name }),
        ...(metrics === undefined ? {} : { onTaskSettled: metrics.observeTask }),
        pool: flags.pool,
        graceMs: flags.grace * 1000,
        nats: natsOptionsFrom(flags),
        runner: {
          backend: flags.backend,
          ...(flags.threads === undefined ? {} : { threads: flags.threads }),
        },
      });
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
