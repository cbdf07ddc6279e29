import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  connect,
  credsAuthenticator,
  nkeyAuthenticator,
  AuthorizationError,
  UserAuthenticationExpiredError,
} from '@nats-io/transport-node';
import type { NatsConnection, NodeConnectionOptions } from '@nats-io/transport-node';
import { ConnectionError, InputError } from '../errors.js';
import { describeServers } from './connection-options.js';
import type { ResolvedNatsConnectionOptions } from './connection-options.js';

function readSecretFile(path: string, what: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (err) {
    throw new InputError(`cannot read the ${what} ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

function connectOptions(o: ResolvedNatsConnectionOptions): NodeConnectionOptions {
  const authenticator =
    o.credsFile !== undefined
      ? credsAuthenticator(readSecretFile(o.credsFile, 'NATS creds file'))
      : o.nkeySeedFile !== undefined
        ? nkeyAuthenticator(
            new TextEncoder().encode(
              new TextDecoder().decode(readSecretFile(o.nkeySeedFile, 'NKey seed file')).trim(),
            ),
          )
        : undefined;
  const tls =
    o.tlsCaFile !== undefined || o.tlsCertFile !== undefined
      ? {
          ...(o.tlsCaFile === undefined ? {} : { caFile: o.tlsCaFile }),
          ...(o.tlsCertFile === undefined ? {} : { certFile: o.tlsCertFile }),
          ...(o.tlsKeyFile === undefined ? {} : { keyFile: o.tlsKeyFile }),
        }
      : undefined;
  return {
    servers: [...o.servers],
    name: o.name,
    ...(o.user === undefined ? {} : { user: o.user }),
    ...(o.password === undefined ? {} : { pass: o.password }),
    ...(o.token === undefined ? {} : { token: o.token }),
    ...(authenticator === undefined ? {} : { authenticator }),
    ...(tls === undefined ? {} : { tls }),
    // Long sweeps must outlive server restarts and network blips: never give up reconnecting.
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1000,
    pingInterval: 10_000,
  };
}

function isAuthFailure(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    if (e instanceof AuthorizationError || e instanceof UserAuthenticationExpiredError) return true;
  }
  return false;
}

/**
 * Connects, retrying while the server cannot be reached (workers often start before it), but
 * failing at once on refused credentials, which no retry can fix.
 */
export async function connectNats(o: ResolvedNatsConnectionOptions): Promise<NatsConnection> {
  const where = describeServers(o);
  const options = connectOptions(o);
  const deadline = Date.now() + o.connectTimeoutMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await connect(options);
    } catch (err) {
      if (isAuthFailure(err)) {
        throw new ConnectionError(
          where,
          `NATS at ${where} refused the credentials (authorization violation); check --nats-user/--nats-password, --nats-token, --nats-creds, --nats-nkey-seed or the WIDTHSWEEP_NATS_* variables`,
          { cause: err },
        );
      }
      if (Date.now() >= deadline) {
        throw new ConnectionError(
          where,
          `cannot connect to NATS at ${where}: ${(err as Error).message}`,
          {
            cause: err,
          },
        );
      }
      await sleep(Math.min(2000, 200 * attempt));
    }
  }
}

/**
 * Drains the connection, or closes it when draining fails (the server is unreachable): a
 * reconnecting connection would otherwise keep the process alive after a stop.
 */
export async function drainOrClose(nc: NatsConnection): Promise<void> {
  if (nc.isClosed()) return;
  try {
    await nc.drain();
  } catch (err) {
    await nc.close();
    throw err;
  }
}
