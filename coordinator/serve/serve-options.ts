import { isIP } from 'node:net';
import { ValidationError } from '../../shared/errors.js';
import type { NatsConnectionOptions } from '../../shared/nats/connection-options.js';

export interface ServeOptions {
  /** The result database, opened read-only. @default 'widthsweep.sqlite' */
  db?: string;
  /** Address to bind. Anything but a loopback address requires `token`. @default '127.0.0.1' */
  host?: string;
  /** TCP port; 0 picks a free one. @default 8321 */
  port?: number;
  /** Shared secret every request must carry (header or cookie). @default none */
  token?: string;
  /** Where to read the live workers' heartbeats; no workers table without it. @default none */
  nats?: NatsConnectionOptions;
  /**
   * How often the watcher asks SQLite whether another connection committed. Unit: ms.
   * @default 250
   */
  watchIntervalMs?: number;
}

export interface ResolvedServeOptions {
  readonly db: string;
  readonly host: string;
  readonly port: number;
  readonly token: string | null;
  readonly nats: NatsConnectionOptions | null;
  readonly watchIntervalMs: number;
}

/** 127.0.0.0/8, ::1 and the name localhost: only this machine's users can connect. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1' || host === '[::1]';
}

/** Tokens are compared in constant time and sent in headers and cookies: keep them plain. */
const TOKEN_PATTERN = /^[A-Za-z0-9._~+/=-]{16,256}$/;

export function resolveServeOptions(options: ServeOptions = {}): ResolvedServeOptions {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 8321;
  const token = options.token ?? null;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ValidationError('--port', `expected an integer in 0..65535, got ${String(port)}`);
  }
  if (token !== null && !TOKEN_PATTERN.test(token)) {
    throw new ValidationError(
      '--token',
      'expected 16-256 characters from A-Z a-z 0-9 . _ ~ + / = -',
    );
  }
  if (!isLoopback(host) && token === null) {
    throw new ValidationError(
      '--host',
      `binding ${host} exposes the dashboard beyond this machine; it requires --token`,
    );
  }
  const watchIntervalMs = options.watchIntervalMs ?? 250;
  if (!(watchIntervalMs > 0)) {
    throw new ValidationError(
      'watchIntervalMs',
      `expected a positive number, got ${watchIntervalMs}`,
    );
  }
  return {
    db: options.db ?? 'widthsweep.sqlite',
    host,
    port,
    token,
    nats: options.nats ?? null,
    watchIntervalMs,
  };
}
