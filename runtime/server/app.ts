/**
 * The public HTTP app (hono): security middleware first, then the routes of design.md §8, then
 * the editor's static files. Built as a plain Hono app so tests drive it with `app.request()`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { serveStatic } from '@hono/node-server/serve-static';
import { UserError } from '../errors';
import type { Studio } from '../studio';
import { noFraming, originGuard, type OriginPolicy } from './middleware/origin-guard';
import { errorHandler } from './middleware/errors';
import { systemRoutes } from './routes/system';
import { graphRoutes } from './routes/graphs';
import { templateRoutes } from './routes/templates';
import { settingsRoutes } from './routes/settings';
import { runRoutes } from './routes/runs';
import { fileRoutes } from './routes/files';
import { REPO_ROOT } from '../workers/supervisor';
import { assertJsonDepth } from '../json-limits';

declare module 'hono' {
  /** Per-request values set by the middleware below (typed `c.get` / `c.set` everywhere). */
  interface ContextVariableMap {
    /** The request id: the client's `x-request-id` (≤ 64 chars) or a fresh UUID; echoed back and logged. */
    reqId: string;
  }
}

/** Extra route groups other modules contribute (workflows import, gallery, OpenAI). */
export type RouteMount = { prefix: string; app: Hono };

/**
 * The studio's Hono app: request ids, no framing, the Host/Origin guard (`originPolicy`: exact
 * own origins + config `allowedOrigins`), the body limit (config
 * `maxBodyBytes`), the core /api routes, `extra` route groups, and the built editor at `/`.
 * Errors leave as design.md's `{error:{code,message,details?}}` (middleware/errors.ts).
 */
export function createApp(
  s: Studio,
  extra: RouteMount[] = [],
  originPolicy: OriginPolicy = { allowedOrigins: s.config.allowedOrigins },
): Hono {
  const app = new Hono();
  app.onError(errorHandler(s.logger, (e) => s.services.onDiskError(e.code, e.message, 'api')));
  app.notFound((c) =>
    c.json(
      new UserError('NOT_FOUND', `no route ${c.req.method} ${c.req.path}`, undefined, 404).toJSON(),
      404,
    ),
  );
  app.use('*', async (c, next) => {
    const reqId = c.req.header('x-request-id')?.slice(0, 64) || randomUUID();
    c.set('reqId', reqId);
    const t0 = performance.now();
    await next();
    c.header('x-request-id', reqId);
    if (c.req.path.startsWith('/api/') || c.req.path.startsWith('/v1/')) {
      s.logger.debug(
        {
          reqId,
          method: c.req.method,
          path: c.req.path,
          status: c.res.status,
          ms: Math.round(performance.now() - t0),
        },
        'request',
      );
    }
  });
  app.use('*', noFraming());
  app.use('*', originGuard(originPolicy));
  app.use(
    '*',
    bodyLimit({
      maxSize: s.config.maxBodyBytes,
      onError: (c) =>
        c.json(
          new UserError(
            'PAYLOAD_TOO_LARGE',
            `the request body is over ${s.config.maxBodyBytes} bytes`,
            undefined,
            413,
          ).toJSON(),
          413,
        ),
    }),
  );
  // JSON bodies are depth-checked on their text before any route parses them (issue 18 #6);
  // hono caches the text, so the route's c.req.json() does not read the body twice.
  app.use('*', async (c, next) => {
    if (
      c.req.method !== 'GET' &&
      c.req.method !== 'HEAD' &&
      /\bjson\b/i.test(c.req.header('content-type') ?? '')
    ) {
      assertJsonDepth(await c.req.text(), 'the request body');
    }
    await next();
  });
  app.route('/api', systemRoutes(s));
  app.route('/api/graphs', graphRoutes(s));
  app.route('/api/templates', templateRoutes(s));
  app.route('/api/settings', settingsRoutes(s));
  app.route('/api/runs', runRoutes(s));
  app.route('/api', fileRoutes(s));
  for (const m of extra) app.route(m.prefix, m.app);

  const dist = path.join(REPO_ROOT, 'editor', 'dist');
  if (fs.existsSync(path.join(dist, 'index.html'))) {
    const root = path.relative(process.cwd(), dist) || '.';
    app.use('/*', serveStatic({ root }));
    app.get('*', (c) => {
      if (c.req.path.startsWith('/api/') || c.req.path.startsWith('/v1/'))
        throw new UserError('NOT_FOUND', `no route ${c.req.method} ${c.req.path}`, undefined, 404);
      return c.html(fs.readFileSync(path.join(dist, 'index.html'), 'utf8'));
    });
  } else {
    app.get('/', (c) =>
      c.text(
        'MystiCanvas runtime is up. The editor is not built: run `npm run build` (npm start does it for you).',
      ),
    );
  }
  return app;
}
