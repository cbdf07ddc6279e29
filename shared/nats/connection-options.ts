import { ValidationError } from '../errors.js';

/**
 * How to reach and authenticate to NATS. Every field can also come from the environment
 * (WIDTHSWEEP_NATS_URL, _USER, _PASSWORD, _TOKEN, _NKEY_SEED_FILE, _CREDS, _TLS_CA, _TLS_CERT,
 * _TLS_KEY); flags win over the environment. Secrets are better passed by environment or file,
 * since command lines are visible to every user of a machine.
 */
export interface NatsConnectionOptions {
  /** Server URL(s), comma-separated. @default 'nats://127.0.0.1:4222' */
  url?: string;
  user?: string;
  password?: string;
  token?: string;
  /** File holding an NKey seed (`SU...`). */
  nkeySeedFile?: string;
  /** A `.creds` file (JWT + NKey seed) as issued by an operator. */
  credsFile?: string;
  /** PEM CA bundle for verifying the server; setting any TLS file turns TLS on. */
  tlsCaFile?: string;
  /** PEM client certificate for mutual TLS. */
  tlsCertFile?: string;
  /** PEM key of tlsCertFile. */
  tlsKeyFile?: string;
  /** How long the first connection may take, retrying while the server is down. Unit: ms. @default 60000 */
  connectTimeoutMs?: number;
  /** Shown in the server's connection list. @default 'widthsweep' */
  name?: string;
}

export interface ResolvedNatsConnectionOptions {
  readonly servers: readonly string[];
  readonly user: string | undefined;
  readonly password: string | undefined;
  readonly token: string | undefined;
  readonly nkeySeedFile: string | undefined;
  readonly credsFile: string | undefined;
  readonly tlsCaFile: string | undefined;
  readonly tlsCertFile: string | undefined;
  readonly tlsKeyFile: string | undefined;
  readonly connectTimeoutMs: number;
  readonly name: string;
}

export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';

const ENV: Record<keyof Omit<NatsConnectionOptions, 'connectTimeoutMs' | 'name'>, string> = {
  url: 'WIDTHSWEEP_NATS_URL',
  user: 'WIDTHSWEEP_NATS_USER',
  password: 'WIDTHSWEEP_NATS_PASSWORD',
  token: 'WIDTHSWEEP_NATS_TOKEN',
  nkeySeedFile: 'WIDTHSWEEP_NATS_NKEY_SEED_FILE',
  credsFile: 'WIDTHSWEEP_NATS_CREDS',
  tlsCaFile: 'WIDTHSWEEP_NATS_TLS_CA',
  tlsCertFile: 'WIDTHSWEEP_NATS_TLS_CERT',
  tlsKeyFile: 'WIDTHSWEEP_NATS_TLS_KEY',
};

const blankToUndefined = (v: string | undefined): string | undefined =>
  v === undefined || v.trim() === '' ? undefined : v;

export function resolveNatsConnectionOptions(
  options: NatsConnectionOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): ResolvedNatsConnectionOptions {
  const pick = (key: keyof typeof ENV): string | undefined =>
    blankToUndefined(options[key]) ?? blankToUndefined(env[ENV[key]]);
  const servers = (pick('url') ?? DEFAULT_NATS_URL)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  servers.forEach((server, i) => {
    if (!/^(nats|tls|wss?):\/\/[^\s]+$/.test(server) && !/^[^\s/:]+(:\d+)?$/.test(server)) {
      throw new ValidationError(
        `nats.url[${i}]`,
        `expected nats://host:port, got ${JSON.stringify(redactUrl(server))}`,
      );
    }
  });
  const user = pick('user');
  const password = pick('password');
  if (password !== undefined && user === undefined) {
    throw new ValidationError('nats.user', 'a password was given without a user');
  }
  const tlsCertFile = pick('tlsCertFile');
  const tlsKeyFile = pick('tlsKeyFile');
  if ((tlsCertFile === undefined) !== (tlsKeyFile === undefined)) {
    throw new ValidationError(
      tlsCertFile === undefined ? 'nats.tlsCertFile' : 'nats.tlsKeyFile',
      'a TLS client certificate and its key go together',
    );
  }
  const connectTimeoutMs = options.connectTimeoutMs ?? 60_000;
  if (!Number.isFinite(connectTimeoutMs) || connectTimeoutMs < 0) {
    throw new ValidationError(
      'nats.connectTimeoutMs',
      `expected a non-negative number, got ${connectTimeoutMs}`,
    );
  }
  return {
    servers,
    user,
    password,
    token: pick('token'),
    nkeySeedFile: pick('nkeySeedFile'),
    credsFile: pick('credsFile'),
    tlsCaFile: pick('tlsCaFile'),
    tlsCertFile,
    tlsKeyFile,
    connectTimeoutMs,
    name: options.name ?? 'widthsweep',
  };
}

/** A server URL safe to print: any user:password@ part is masked. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}

/** The server list safe to print. */
export function describeServers(options: ResolvedNatsConnectionOptions): string {
  return options.servers.map(redactUrl).join(',');
}
