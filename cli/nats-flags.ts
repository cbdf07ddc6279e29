import type { Command } from 'commander';
import { Option } from 'commander';
import type { NatsConnectionOptions } from '../shared/nats/connection-options.js';
import { parsePositiveInt } from './arguments.js';

/** The connection flags every NATS-speaking command takes; each also reads WIDTHSWEEP_NATS_*. */
export interface NatsFlags {
  nats?: string | true;
  natsUser?: string;
  natsPassword?: string;
  natsToken?: string;
  natsNkeySeed?: string;
  natsCreds?: string;
  natsTlsCa?: string;
  natsTlsCert?: string;
  natsTlsKey?: string;
  connectTimeout?: number;
}

/** Flags of the commands that coordinate a study over NATS (run, collect). */
export interface StudyNatsFlags {
  replicas?: number;
  takeOver: boolean;
}

export function addStudyNatsFlags(command: Command): Command {
  return command
    .option(
      '--replicas <n>',
      'NATS: replicas of the streams and buckets (default: 3 on a cluster of 3 or more servers, else 1)',
      parsePositiveInt,
    )
    .option(
      '--take-over',
      'NATS: serve the study even though another result database claims its name on this server',
      false,
    );
}

export function studyNatsOptionsFrom(flags: StudyNatsFlags): {
  replicas?: number;
  takeOver: boolean;
} {
  return {
    ...(flags.replicas === undefined ? {} : { replicas: flags.replicas }),
    takeOver: flags.takeOver,
  };
}

export function addNatsFlags(command: Command, urlRequired: boolean): Command {
  const url = urlRequired
    ? new Option('--nats <url>', 'NATS server URL(s), comma-separated (env WIDTHSWEEP_NATS_URL)')
    : new Option(
        '--nats [url]',
        'distribute over NATS JetStream at this URL (default: env WIDTHSWEEP_NATS_URL or nats://127.0.0.1:4222)',
      );
  return command
    .addOption(url)
    .option('--nats-user <user>', 'NATS user (env WIDTHSWEEP_NATS_USER)')
    .option('--nats-password <password>', 'NATS password; prefer env WIDTHSWEEP_NATS_PASSWORD')
    .option('--nats-token <token>', 'NATS token; prefer env WIDTHSWEEP_NATS_TOKEN')
    .option(
      '--nats-nkey-seed <file>',
      'file with an NKey seed (env WIDTHSWEEP_NATS_NKEY_SEED_FILE)',
    )
    .option('--nats-creds <file>', 'NATS .creds file (env WIDTHSWEEP_NATS_CREDS)')
    .option('--nats-tls-ca <file>', 'CA bundle to verify the server (env WIDTHSWEEP_NATS_TLS_CA)')
    .option(
      '--nats-tls-cert <file>',
      'client certificate for mutual TLS (env WIDTHSWEEP_NATS_TLS_CERT)',
    )
    .option('--nats-tls-key <file>', 'key of --nats-tls-cert (env WIDTHSWEEP_NATS_TLS_KEY)')
    .option(
      '--connect-timeout <seconds>',
      'how long to retry the first connection',
      parsePositiveInt,
      60,
    );
}

export function natsOptionsFrom(flags: NatsFlags): NatsConnectionOptions {
  const set = <K extends keyof NatsConnectionOptions>(
    key: K,
    value: NatsConnectionOptions[K] | undefined,
  ) => (value === undefined ? {} : { [key]: value });
  return {
    ...set('url', typeof flags.nats === 'string' ? flags.nats : undefined),
    ...set('user', flags.natsUser),
    ...set('password', flags.natsPassword),
    ...set('token', flags.natsToken),
    ...set('nkeySeedFile', flags.natsNkeySeed),
    ...set('credsFile', flags.natsCreds),
    ...set('tlsCaFile', flags.natsTlsCa),
    ...set('tlsCertFile', flags.natsTlsCert),
    ...set('tlsKeyFile', flags.natsTlsKey),
    ...set(
      'connectTimeoutMs',
      flags.connectTimeout === undefined ? undefined : flags.connectTimeout * 1000,
    ),
  };
}
