import type { Command } from 'commander';
import { Option } from 'commander';
import { dbOption, parsePositiveInt } from './arguments.js';
import { addNatsFlags, natsOptionsFrom } from './nats-flags.js';
import type { NatsFlags } from './nats-flags.js';

interface ServeFlags extends NatsFlags {
  db: string;
  host: string;
  port: number;
  token?: string;
}

const parsePort = (value: string): number => (value === '0' ? 0 : parsePositiveInt(value));

/** Resolves when SIGINT or SIGTERM arrives. */
function stopSignal(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: string) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

export function registerServeCommand(program: Command): void {
  const command = program
    .command('serve')
    .description(
      'a live, read-only web dashboard of the database: studies, progress, plots, tasks, workers',
    )
    .addOption(dbOption())
    .option(
      '--host <address>',
      'address to bind; anything but loopback requires --token',
      '127.0.0.1',
    )
    .option('--port <port>', 'TCP port (0: any free one)', parsePort, 8321)
    .addOption(
      new Option(
        '--token <token>',
        'require this token (header X-Widthsweep-Token, or open the page once with ?token=...); prefer env WIDTHSWEEP_SERVE_TOKEN',
      ).env('WIDTHSWEEP_SERVE_TOKEN'),
    );
  addNatsFlags(command, false).action(async (flags: ServeFlags) => {
    // Loaded on demand: the server, vega and its worker thread cost every other command nothing.
    const { startDashboard } = await import('../coordinator/serve/dashboard-server.js');
    const stopped = stopSignal();
    const dashboard = await startDashboard({
      db: flags.db,
      host: flags.host,
      port: flags.port,
      ...(flags.token === undefined ? {} : { token: flags.token }),
      ...(flags.nats === undefined ? {} : { nats: natsOptionsFrom(flags) }),
    });
    process.stdout.write(`widthsweep dashboard on ${dashboard.url}\n`);
    await stopped;
    await dashboard.close();
  });
}
