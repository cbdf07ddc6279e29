import { ValidationError } from '../errors.js';
import { isServerUrl, redactUrl, splitServerUrl } from './server-url.js';
import type { ServerUrlParts } from './server-url.js';

/**
 * How to reach and authenticate to NATS. Every field can also come from the environment
 * (WIDTHSWEEP_NATS_URL, _USER, _PASSWORD, _TOKEN, _NKEY_SEED_FILE, _CREDS, _TLS_CA, _TLS_CERT,
 * _TLS_KEY); flags win over the environment. Credentials in the URL (`nats://user:pass@host`,
 * `nats://token@host`, percent-escapes decoded) are used when no user or token is given. Secrets are better passed by environment or file,
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
  const parts = (pick('url') ?? DEFAULT_NATS_URL)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(splitServerUrl);
  parts.forEach((part, i) => {
    if (!isServerUrl(part.server)) {
      throw new ValidationError(
        `nats.url[${i}]`,
        `expected nats://host:port, got ${JSON.stringify(redactUrl(part.server))}`,
      );
    }
  });
  const fromUrl = urlCredentials(parts);
  const explicitUser = pick('user');
  const explicitPassword = pick('password');
  if (explicitPassword !== undefined && explicitUser === undefined) {
    throw new ValidationError('nats.user', 'a password was given without a user');
  }
  // A user given by flag or environment brings its own password; else the URL's pair is used.
  const user = explicitUser ?? fromUrl.user;
  const password = explicitUser === undefined ? fromUrl.password : explicitPassword;
  const servers = parts.map((p) => p.server);
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
    token: pick('token') ?? fromUrl.token,
    nkeySeedFile: pick('nkeySeedFile'),
    credsFile: pick('credsFile'),
    tlsCaFile: pick('tlsCaFile'),
    tlsCertFile,
    tlsKeyFile,
    connectTimeoutMs,
    name: options.name ?? 'widthsweep',
  };
}

/** The one set of credentials the URLs carry; one connection cannot use two. */
function urlCredentials(parts: readonly ServerUrlParts[]): Omit<ServerUrlParts, 'server'> {
  const withCredentials = parts.filter((p) => p.user !== undefined || p.token !== undefined);
  const first = withCredentials[0];
  if (first === undefined) return { user: undefined, password: undefined, token: undefined };
  const differs = withCredentials.some(
    (p) => p.user !== first.user || p.password !== first.password || p.token !== first.token,
  );
  if (differs) {
    throw new ValidationError(
      'nats.url',
      'the server URLs carry different credentials; give them once (--nats-user/--nats-password or --nats-token)',
    );
  }
  return { user: first.user, password: first.password, token: first.token };
}

/** The server list safe to print. */
export function describeServers(options: ResolvedNatsConnectionOptions): string {
  return options.servers.map(redactUrl).join(',');
}
