/**
 * Server URLs with credentials in them (`nats://alice:secret@host:4222`, `alice:secret@host`,
 * `nats://TOKEN@host`). The userinfo ends at the LAST `@`: passwords often hold `/`, `@` or
 * `:` unescaped, which a URL parser would read as the start of a path or a host and then reject
 * the URL (printing it whole) or split the secret in two.
 */

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

export interface ServerUrlParts {
  /** The URL without its credentials: what the NATS client connects to and logs may show. */
  readonly server: string;
  /** `user:password@`: the user (percent-escapes decoded). */
  readonly user: string | undefined;
  readonly password: string | undefined;
  /** `token@` (userinfo without a colon): a NATS auth token. */
  readonly token: string | undefined;
}

/** Percent-decoded, or as written where it is not valid percent-encoding (a literal `%`). */
function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/** Splits the credentials off a server URL; a URL without `@` has none. */
export function splitServerUrl(url: string): ServerUrlParts {
  const at = url.lastIndexOf('@');
  if (at < 0) return { server: url, user: undefined, password: undefined, token: undefined };
  const scheme = SCHEME.exec(url)?.[0] ?? '';
  const userinfo = url.slice(scheme.length, at);
  const server = `${scheme}${url.slice(at + 1)}`;
  const colon = userinfo.indexOf(':');
  if (colon < 0) return { server, user: undefined, password: undefined, token: decode(userinfo) };
  return {
    server,
    user: decode(userinfo.slice(0, colon)),
    password: decode(userinfo.slice(colon + 1)),
    token: undefined,
  };
}

/**
 * A server URL safe to print: everything between the scheme and the last `@` is masked, so no
 * part of a secret survives whatever characters it contains, with or without a scheme.
 */
export function redactUrl(url: string): string {
  const at = url.lastIndexOf('@');
  if (at < 0) return url;
  const scheme = SCHEME.exec(url)?.[0] ?? '';
  return `${scheme}***${url.slice(at)}`;
}

/**
 * Whether a credential-free server is `scheme://host[:port]` (WHATWG URL, nats/tls/ws/wss) or a
 * bare `host[:port]`, as the NATS client accepts.
 */
export function isServerUrl(server: string): boolean {
  if (!SCHEME.test(server)) return /^[^\s/:@]+(:\d+)?$/.test(server);
  if (!/^(nats|tls|wss?):\/\/[^\s@]+$/.test(server)) return false;
  try {
    return new URL(server).hostname !== '';
  } catch {
    return false;
  }
}
