import { timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { isLoopback } from './serve-options.js';

export const TOKEN_COOKIE = 'widthsweep_token';
export const TOKEN_HEADER = 'x-widthsweep-token';

function sameToken(given: string | undefined, token: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The host name of a Host header: `127.0.0.1:8321` -> `127.0.0.1`, `[::1]:80` -> `::1`. */
function hostName(header: string): string {
  if (header.startsWith('[')) return header.slice(1, header.indexOf(']'));
  return header.split(':')[0] ?? '';
}

/**
 * Who may read the dashboard. With a token: requests carrying it (header `X-Widthsweep-Token`,
 * `Authorization: Bearer`, or the cookie that `?token=` sets, after which the address bar drops
 * it). Without one the server only listens on loopback; a Host header naming another machine is
 * then a page from elsewhere reaching in through DNS rebinding, and is refused.
 */
export function accessControl(token: string | null): MiddlewareHandler {
  return async (c, next) => {
    if (token === null) {
      if (!isLoopback(hostName(c.req.header('host') ?? ''))) {
        return c.text('forbidden: this dashboard answers only to localhost', 403);
      }
      return next();
    }
    const fromQuery = c.req.query('token');
    if (fromQuery !== undefined && sameToken(fromQuery, token)) {
      setCookie(c, TOKEN_COOKIE, token, { httpOnly: true, sameSite: 'Strict', path: '/' });
      const url = new URL(c.req.url);
      url.searchParams.delete('token');
      return c.redirect(`${url.pathname}${url.search}`, 303);
    }
    const bearer = c.req.header('authorization')?.replace(/^Bearer\s+/i, '');
    const given = c.req.header(TOKEN_HEADER) ?? bearer ?? getCookie(c, TOKEN_COOKIE);
    if (!sameToken(given, token)) {
      return c.text('unauthorized: this dashboard needs its token (open it with ?token=...)', 401);
    }
    return next();
  };
}
