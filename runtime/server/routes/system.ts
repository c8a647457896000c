/**
 * GET /api/health, /api/nodes, /api/specs/hash, /api/models, POST /api/models/scan,
 * POST /api/models/:id/allow-unsafe, GET /api/vram.
 */
import { createHash } from 'node:crypto';
import { Hono } from 'hono';
import { z } from 'zod';
import { autoV2, ModelRegistry } from '../../models/registry';
import { UserError } from '../../errors';
import type { HealthResponse } from '../../../wire/api';
import { specToJson } from '../../../nodes/core/catalog-json';
import { APP_VERSION } from '../../version';
import type { Studio } from '../../studio';
import { resolveServerBinary } from '../../../workers/sd/server/locate';

/**
 * Which way txt2img/img2img run: `server` (a resident sd-server per model stack), `cli` (one
 * sd-cli per job: no sd-server found or MYSTI_SD_MODE=cli), or null (sd.cpp not configured).
 */
function sdMode(s: Studio): { mode: 'server' | 'cli' | null } {
  if (!s.config.sdCppBin) return { mode: null };
  try {
    const bin = resolveServerBinary({
      SD_CPP_BIN: s.config.sdCppBin,
      ...(s.config.sd?.serverBin ? { SD_CPP_SERVER_BIN: s.config.sd.serverBin } : {}),
      MYSTI_SD_MODE: s.config.sd?.mode ?? 'auto',
    });
    return { mode: bin ? 'server' : 'cli' };
  } catch {
    return { mode: 'cli' };
  }
}

/** The routes above, mounted at /api. */
export function systemRoutes(s: Studio): Hono {
  const app = new Hono();
  const catalogJson = [...s.catalog.values()].map(specToJson);
  // A stale editor tab compares this with its own to notice an upgraded runtime.
  const specsHash = createHash('sha256')
    .update(JSON.stringify(catalogJson))
    .digest('hex')
    .slice(0, 16);

  app.get('/health', (c) =>
    c.json({
      status: 'ok',
      version: APP_VERSION,
      uptimeS: Math.round((Date.now() - s.startedAt) / 1000),
      db: s.store.db.open ? 'ok' : 'closed',
      // {status: 'ok'|'full'|'read_only', last}: set by a DISK_FULL/READ_ONLY failure (runtime/fs/disk-errors.ts).
      disk: s.services.disk.snapshot(),
      queue: s.queue.snapshot(),
      workers: s.supervisor.status(),
      sdCppConfigured: Boolean(s.config.sdCppBin),
      sd: sdMode(s),
      modelFolders: s.config.modelFolders,
    } satisfies HealthResponse),
  );
  app.get('/nodes', (c) => c.json({ nodes: catalogJson, specsHash }));
  app.get('/specs/hash', (c) => c.json({ specsHash }));
  // Registry rows add the AutoV2 hash and the pickle consent state to the listing when the
  // registry is wired in (services.registry); each row: {id, kind, name, path, bytes, sha256,
  // autoV2, family, unsafe, allowUnsafe, hashing, metadata}.
  const registry = s.services.registry instanceof ModelRegistry ? s.services.registry : null;
  app.get('/models', (c) => {
    const models = s.models.list(c.req.query('kind') || undefined).map((m) => {
      const row = registry?.get(m.id);
      const unsafe = (m.metadata as { unsafe?: boolean } | null)?.unsafe === true;
      return {
        ...m,
        autoV2: autoV2(m.sha256 ?? null),
        unsafe,
        allowUnsafe: unsafe && (registry?.allowUnsafeModels === true || row?.allowUnsafe === true),
        hashing: !m.sha256,
      };
    });
    return c.json({ models, folders: s.config.modelFolders });
  });
  const allowBody = z.object({ allow: z.boolean().default(true) });
  // Ids contain `/` (paths relative to a model folder): clients send them URL-encoded.
  app.post('/models/:id/allow-unsafe', async (c) => {
    if (!registry)
      throw new UserError('NOT_AVAILABLE', 'the model registry is not available', undefined, 503);
    const text = await c.req.text();
    let raw: unknown = {};
    try {
      if (text.trim()) raw = JSON.parse(text);
    } catch {
      throw new UserError(
        'BAD_REQUEST',
        'the body is not JSON; send {"allow": true} or {"allow": false}',
      );
    }
    const body = allowBody.parse(raw);
    const row = registry.allowUnsafe(c.req.param('id'), body.allow);
    return c.json({ id: row.id, unsafe: true, allowUnsafe: row.allowUnsafe });
  });
  app.post('/models/scan', async (c) => c.json(await s.models.scan()));
  app.get('/vram', (c) => c.json(s.vram()));
  return app;
}
