/**
 * DNS-rebinding and cross-site request guard (issue 2 §10; anchors-reliability.md §2: ComfyUI's
 * CSRF and rebinding history). Two rules:
 * 1. The Host header must name this machine (localhost, 127.0.0.1, [::1], or a configured name),
 *    so a rebound domain pointing at 127.0.0.1 is refused.
 * 2. State-changing requests and WebSocket upgrades must not come from a foreign Origin —
 *    `Origin: null` (sandboxed iframes, file://) included — nor be `Sec-Fetch-Site: cross-site`.
 */
import type { MiddlewareHandler } from 'hono';
import { UserError } from '../../errors';

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** Host part of a Host header value (`[::1]:1234` → `[::1]`, `localhost:80` → `localhost`). */
export function hostName(hostHeader: string): string {
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  const i = h.lastIndexOf(':');
  return i >= 0 ? h.slice(0, i) : h;
}

/** Checks Host (and Origin for unsafe methods / upgrades). Returns an error or null. */
export function checkRequest(
  headers: { host?: string | null; origin?: string | null; secFetchSite?: string | null },
  unsafe: boolean,
  extraHosts: readonly string[] = [],
): UserError | null {
  const allowed = (name: string) => LOCAL_HOSTS.has(name) || extraHosts.includes(name);
  if (!headers.host || !allowed(hostName(headers.host))) {
    return new UserError('FORBIDDEN_HOST', `requests must address this machine (Host: localhost or 127.0.0.1), not "${headers.host ?? ''}"`, undefined, 403);
  }
  if (!unsafe) return null;
  if (headers.secFetchSite === 'cross-site') {
    return new UserError('FORBIDDEN_ORIGIN', 'cross-site requests are refused', undefined, 403);
  }
  const origin = headers.origin;
  if (origin === undefined || origin === null) return null; // curl and other non-browser clients
  let originHost: string;
  try {
    if (origin === 'null') throw new Error('opaque');
    const u = new URL(origin);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
    originHost = u.hostname.startsWith('[') ? u.hostname : u.hostname.includes(':') ? `[${u.hostname}]` : u.hostname;
  } catch {
    return new UserError('FORBIDDEN_ORIGIN', `requests from origin "${origin}" are refused`, undefined, 403);
  }
  if (!allowed(originHost)) return new UserError('FORBIDDEN_ORIGIN', `requests from origin "${origin}" are refused`, undefined, 403);
  return null;
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Hono middleware applying {@link checkRequest} to every request. */
export function originGuard(extraHosts: readonly string[] = []): MiddlewareHandler {
  return async (c, next) => {
    const err = checkRequest(
      { host: c.req.header('host'), origin: c.req.header('origin'), secFetchSite: c.req.header('sec-fetch-site') },
      UNSAFE.has(c.req.method),
      extraHosts,
    );
    if (err) throw err;
    await next();
  };
}
