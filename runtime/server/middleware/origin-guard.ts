/**
 * DNS-rebinding and cross-site request guard (issue 2 §10; anchors-reliability.md §2: ComfyUI's
 * CSRF and rebinding history). Two rules:
 * 1. The Host header must name this machine (localhost, 127.0.0.1, [::1], or a configured name),
 *    so a rebound domain pointing at 127.0.0.1 is refused.
 * 2. State-changing requests and WebSocket upgrades must not come from a foreign Origin —
 *    `Origin: null` (sandboxed iframes, file://) included — nor be `Sec-Fetch-Site: cross-site`.
 *    Origins are compared exactly (scheme, host, PORT; RFC 6454): the studio's own origins are
 *    `http://<local name>:<listening port>`; a page on another local port (a dev server, another
 *    app on 127.0.0.1:9999) is another origin and refused (issue 18 #7). More exact origins
 *    (e.g. the Vite dev server) come from config.json `allowedOrigins`.
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

/** Port of a Host header value (`localhost:1234` → 1234), 80 when it names none. */
export function hostPort(hostHeader: string): number {
  const h = hostHeader.trim();
  const m = /:(\d+)$/.exec(h.startsWith('[') ? h.slice(h.indexOf(']') + 1) : h);
  return m ? Number(m[1]) : 80;
}

/** Who may send state-changing requests. */
export interface OriginPolicy {
  /** Extra host names (besides localhost/127.0.0.1/[::1]) accepted in Host and own origins. */
  extraHosts?: readonly string[];
  /** Further exact origins (`scheme://host[:port]`), from config.json `allowedOrigins`. */
  allowedOrigins?: readonly string[];
  /** The port the studio listens on; when unknown, the Host header's port stands in. */
  port?: () => number | null | undefined;
}

/** `URL.origin` of an origin string, or null when it is not a URL. */
function normalizeOrigin(o: string): string | null {
  try {
    return new URL(o).origin;
  } catch {
    return null;
  }
}

/**
 * Checks Host (and Origin for unsafe methods / upgrades). Returns an error or null.
 * @param policy an {@link OriginPolicy}, or (older form) just the extra host names
 */
export function checkRequest(
  headers: { host?: string | null; origin?: string | null; secFetchSite?: string | null },
  unsafe: boolean,
  policy: readonly string[] | OriginPolicy = {},
): UserError | null {
  const p: OriginPolicy = Array.isArray(policy)
    ? { extraHosts: policy as readonly string[] }
    : (policy as OriginPolicy);
  const extraHosts = p.extraHosts ?? [];
  const allowed = (name: string) => LOCAL_HOSTS.has(name) || extraHosts.includes(name);
  if (!headers.host || !allowed(hostName(headers.host))) {
    return new UserError(
      'FORBIDDEN_HOST',
      `requests must address this machine (Host: localhost or 127.0.0.1), not "${headers.host ?? ''}"`,
      undefined,
      403,
    );
  }
  if (!unsafe) return null;
  if (headers.secFetchSite === 'cross-site') {
    return new UserError('FORBIDDEN_ORIGIN', 'cross-site requests are refused', undefined, 403);
  }
  const origin = headers.origin;
  if (origin === undefined || origin === null) return null; // curl and other non-browser clients
  const refuse = () =>
    new UserError(
      'FORBIDDEN_ORIGIN',
      `requests from origin "${origin}" are refused: only the studio's own origin (same scheme, host and port) or one listed in config.json "allowedOrigins" may change anything`,
      undefined,
      403,
    );
  if (origin === 'null') return refuse();
  const norm = normalizeOrigin(origin);
  if (!norm) return refuse();
  if (p.allowedOrigins?.some((a) => normalizeOrigin(a) === norm)) return null;
  const u = new URL(origin);
  // The studio serves plain HTTP; an https origin is never its own (list it when a TLS proxy fronts it).
  if (u.protocol !== 'http:') return refuse();
  const originHost = u.hostname.startsWith('[')
    ? u.hostname
    : u.hostname.includes(':')
      ? `[${u.hostname}]`
      : u.hostname;
  if (!allowed(originHost)) return refuse();
  const ownPort = p.port?.() ?? hostPort(headers.host);
  const originPort = u.port ? Number(u.port) : 80;
  if (originPort !== ownPort) return refuse();
  return null;
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Hono middleware applying {@link checkRequest} to every request. */
export function originGuard(policy: readonly string[] | OriginPolicy = {}): MiddlewareHandler {
  return async (c, next) => {
    const err = checkRequest(
      {
        host: c.req.header('host'),
        origin: c.req.header('origin'),
        secFetchSite: c.req.header('sec-fetch-site'),
      },
      UNSAFE.has(c.req.method),
      policy,
    );
    if (err) throw err;
    await next();
  };
}

/**
 * Forbids framing the studio anywhere (clickjacking): `Content-Security-Policy: frame-ancestors
 * 'none'` (CSP Level 2) and `X-Frame-Options: DENY` for browsers without it (RFC 7034). Set on
 * every response, errors included.
 */
export function noFraming(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    c.res.headers.set('Content-Security-Policy', "frame-ancestors 'none'");
    c.res.headers.set('X-Frame-Options', 'DENY');
  };
}
