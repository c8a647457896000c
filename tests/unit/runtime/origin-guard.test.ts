/**
 * The Host / Origin guard (runtime/server/middleware/origin-guard.ts; anchors-reliability.md §7.4 S3)
 * as a decision table, plus the middleware on an in-process hono app.
 */
import { describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import {
  checkRequest,
  hostName,
  originGuard,
} from '../../../runtime/server/middleware/origin-guard';
import { errorHandler } from '../../../runtime/server/middleware/errors';
import { createLogger } from '../../../runtime/log';

type H = { host?: string | null; origin?: string | null; secFetchSite?: string | null };
const verdict = (h: H, unsafe: boolean, extra: string[] = []) =>
  checkRequest(h, unsafe, extra)?.code ?? 'ok';

describe('hostName', () => {
  it.each([
    ['localhost:1234', 'localhost'],
    ['LOCALHOST', 'localhost'],
    ['127.0.0.1:80', '127.0.0.1'],
    ['[::1]:1234', '[::1]'],
    ['[::1]', '[::1]'],
    [' evil.com:1 ', 'evil.com'],
  ])('%s → %s', (h, name) => expect(hostName(h)).toBe(name));
});

describe('checkRequest', () => {
  it.each<[string, H, boolean, string]>([
    // Host allowlist (DNS rebinding), for safe and unsafe methods alike
    ['localhost', { host: 'localhost:1234' }, false, 'ok'],
    ['127.0.0.1', { host: '127.0.0.1:1234' }, false, 'ok'],
    ['[::1]', { host: '[::1]:1234' }, false, 'ok'],
    ['no Host', { host: null }, false, 'FORBIDDEN_HOST'],
    ['empty Host', { host: '' }, false, 'FORBIDDEN_HOST'],
    ['evil.com', { host: 'evil.com' }, false, 'FORBIDDEN_HOST'],
    ['rebinding name', { host: '127.0.0.1.nip.io:1234' }, false, 'FORBIDDEN_HOST'],
    ['prefix trick', { host: 'localhost.evil.com' }, false, 'FORBIDDEN_HOST'],
    ['0.0.0.0', { host: '0.0.0.0:1234' }, false, 'FORBIDDEN_HOST'],
    ['LAN address', { host: '192.168.1.10:1234' }, true, 'FORBIDDEN_HOST'],
    // Origin on safe methods is not checked (no state change; CORS keeps responses unreadable)
    ['GET from evil origin', { host: 'localhost', origin: 'http://evil.com' }, false, 'ok'],
    // Origin on unsafe methods
    ['no Origin (curl)', { host: 'localhost' }, true, 'ok'],
    ['same origin', { host: 'localhost:1234', origin: 'http://localhost:1234' }, true, 'ok'],
    [
      '127.0.0.1 origin, same port',
      { host: 'localhost:1234', origin: 'http://127.0.0.1:1234' },
      true,
      'ok',
    ],
    // Another port on this machine is another origin (issue 18 #7)
    [
      '127.0.0.1 origin, other port',
      { host: 'localhost:1234', origin: 'http://127.0.0.1:5173' },
      true,
      'FORBIDDEN_ORIGIN',
    ],
    [
      '127.0.0.1:9999',
      { host: '127.0.0.1:1234', origin: 'http://127.0.0.1:9999' },
      true,
      'FORBIDDEN_ORIGIN',
    ],
    [
      'localhost:3000',
      { host: 'localhost:1234', origin: 'http://localhost:3000' },
      true,
      'FORBIDDEN_ORIGIN',
    ],
    ['default port vs explicit', { host: 'localhost:80', origin: 'http://localhost' }, true, 'ok'],
    ['[::1] origin', { host: '[::1]:1234', origin: 'http://[::1]:1234' }, true, 'ok'],
    [
      'https origin (the studio serves http)',
      { host: 'localhost', origin: 'https://localhost' },
      true,
      'FORBIDDEN_ORIGIN',
    ],
    ['foreign origin', { host: 'localhost', origin: 'http://evil.com' }, true, 'FORBIDDEN_ORIGIN'],
    ['Origin: null', { host: 'localhost', origin: 'null' }, true, 'FORBIDDEN_ORIGIN'],
    [
      'localhost prefix origin',
      { host: 'localhost', origin: 'http://localhost.evil.com' },
      true,
      'FORBIDDEN_ORIGIN',
    ],
    [
      'userinfo trick',
      { host: 'localhost', origin: 'http://localhost@evil.com' },
      true,
      'FORBIDDEN_ORIGIN',
    ],
    ['file: origin', { host: 'localhost', origin: 'file://' }, true, 'FORBIDDEN_ORIGIN'],
    [
      'chrome-extension origin',
      { host: 'localhost', origin: 'chrome-extension://abc' },
      true,
      'FORBIDDEN_ORIGIN',
    ],
    ['garbage origin', { host: 'localhost', origin: 'not a url' }, true, 'FORBIDDEN_ORIGIN'],
    // Sec-Fetch-Site
    [
      'cross-site, no Origin',
      { host: 'localhost', secFetchSite: 'cross-site' },
      true,
      'FORBIDDEN_ORIGIN',
    ],
    [
      'same-origin',
      { host: 'localhost', origin: 'http://localhost', secFetchSite: 'same-origin' },
      true,
      'ok',
    ],
    ['same-site', { host: 'localhost', secFetchSite: 'same-site' }, true, 'ok'],
    ['none (typed URL)', { host: 'localhost', secFetchSite: 'none' }, true, 'ok'],
  ])('%s → %s', (_label, headers, unsafe, expected) => {
    expect(verdict(headers, unsafe)).toBe(expected);
  });

  it('a configured extra host name is accepted for Host and Origin', () => {
    expect(
      verdict({ host: 'studio.lan:1234', origin: 'http://studio.lan:1234' }, true, ['studio.lan']),
    ).toBe('ok');
    expect(verdict({ host: 'studio.lan:1234' }, false)).toBe('FORBIDDEN_HOST');
  });

  it('the listening port decides when known, and configured exact origins are allowed', () => {
    const policy = {
      port: () => 1234,
      allowedOrigins: ['http://localhost:5173', 'https://studio.example:8443/'],
    };
    expect(
      checkRequest({ host: 'localhost:1234', origin: 'http://localhost:1234' }, true, policy),
    ).toBeNull();
    expect(
      checkRequest({ host: 'localhost:1234', origin: 'http://localhost:5173' }, true, policy),
    ).toBeNull();
    expect(
      checkRequest({ host: 'localhost:1234', origin: 'https://studio.example:8443' }, true, policy),
    ).toBeNull();
    expect(
      checkRequest({ host: 'localhost:1234', origin: 'http://localhost:5174' }, true, policy)?.code,
    ).toBe('FORBIDDEN_ORIGIN');
    // A Host header naming another port does not make that port ours.
    expect(
      checkRequest({ host: 'localhost:9999', origin: 'http://localhost:9999' }, true, policy)?.code,
    ).toBe('FORBIDDEN_ORIGIN');
  });

  it('refusals are 403 UserErrors with a message', () => {
    const e = checkRequest({ host: 'evil.com' }, false)!;
    expect(e.status).toBe(403);
    expect(e.toJSON().error.message).toMatch(/evil\.com/);
  });
});

describe('originGuard middleware', () => {
  const app = new Hono();
  app.onError(errorHandler(createLogger('silent')));
  app.use('*', originGuard());
  app.get('/x', (c) => c.text('read'));
  app.post('/x', (c) => c.text('written'));

  it.each<[string, string, Record<string, string>, number]>([
    ['GET', 'localhost', {}, 200],
    ['GET', 'evil.com', {}, 403],
    ['POST', 'localhost', {}, 200],
    ['POST', 'localhost', { origin: 'http://evil.com' }, 403],
    ['POST', 'localhost', { origin: 'null' }, 403],
    ['POST', 'localhost', { 'sec-fetch-site': 'cross-site' }, 403],
  ])('%s with Host %s %j → %d', async (method, host, headers, status) => {
    const r = await app.request('/x', { method, headers: { host, ...headers } });
    expect(r.status).toBe(status);
    if (status === 403) expect((await r.json()).error.code).toMatch(/^FORBIDDEN_/);
  });
});
