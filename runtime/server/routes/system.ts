/** GET /api/health, /api/nodes, /api/specs/hash, /api/models, POST /api/models/scan, GET /api/vram. */
import { createHash } from 'node:crypto';
import { Hono } from 'hono';
import { specToJson } from '../../../nodes/core/catalog-json';
import { APP_VERSION } from '../../version';
import type { Studio } from '../../studio';

export function systemRoutes(s: Studio): Hono {
  const app = new Hono();
  const catalogJson = [...s.catalog.values()].map(specToJson);
  // A stale editor tab compares this with its own to notice an upgraded runtime.
  const specsHash = createHash('sha256').update(JSON.stringify(catalogJson)).digest('hex').slice(0, 16);

  app.get('/health', (c) =>
    c.json({
      status: 'ok',
      version: APP_VERSION,
      uptimeS: Math.round((Date.now() - s.startedAt) / 1000),
      db: s.store.db.open ? 'ok' : 'closed',
      queue: s.queue.snapshot(),
      workers: s.supervisor.status(),
      sdCppConfigured: Boolean(s.config.sdCppBin),
      modelFolders: s.config.modelFolders,
    }),
  );
  app.get('/nodes', (c) => c.json({ nodes: catalogJson, specsHash }));
  app.get('/specs/hash', (c) => c.json({ specsHash }));
  app.get('/models', (c) => c.json({ models: s.models.list(c.req.query('kind') || undefined), folders: s.config.modelFolders }));
  app.post('/models/scan', async (c) => c.json(await s.models.scan()));
  app.get('/vram', (c) => c.json(s.vram()));
  return app;
}
