/**
 * Serving files: artifacts (node outputs), live previews and saved generations' images. Every path
 * comes from the database or the URL and goes through the one safe-path function; content types
 * are sniffed from the bytes we wrote (PNG), never from user input.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Hono } from 'hono';
import { UserError } from '../../errors';
import { safePath } from '../../fs/safe-path';
import type { Studio } from '../../studio';

const IMAGE_TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
};

/** Streams a file that safePath already approved, with an immutable or short cache policy. */
export function sendFile(file: string, immutable: boolean): Response {
  const type = IMAGE_TYPES[path.extname(file).toLowerCase()];
  if (!type)
    throw new UserError('UNSUPPORTED_MEDIA_TYPE', 'only images are served here', undefined, 415);
  const data = fs.readFileSync(file);
  return new Response(data, {
    headers: {
      'content-type': type,
      'content-length': String(data.byteLength),
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-store',
      'x-content-type-options': 'nosniff',
    },
  });
}

/** `GET /artifacts/:id` (content-addressed, cached for a year) and `GET /previews/:name` (no-store); mounted under /api. 404 for unknown ids, PATH_OUTSIDE_ROOT for escapes. */
export function fileRoutes(s: Studio): Hono {
  const app = new Hono();
  const home = s.config.paths.home;
  app.get('/artifacts/:id', (c) => {
    const a = s.store.artifacts.get(c.req.param('id'));
    if (!a || a.kind !== 'image' || !a.path)
      throw new UserError('NOT_FOUND', `no image artifact ${c.req.param('id')}`, undefined, 404);
    // Content-addressed or timestamped: an artifact id never changes its bytes.
    return sendFile(safePath(a.path, home), true);
  });
  app.get('/previews/:name', (c) =>
    sendFile(safePath(path.join('previews', c.req.param('name')), s.config.paths.tmp), false),
  );
  return app;
}
