/**
 * POST /api/uploads (issue 14): an image from the user's disk, or a mask painted in the editor,
 * stored once in the data folder (runtime/library/uploads.ts) → 201 `{upload}` (200 when the
 * same pixels were stored before). Body: multipart field `file` (+ optional fields `kind` =
 * `image`|`mask` and `parent` = the mask's image generation uuid), or the raw bytes with
 * `?kind=&parent=&filename=`. The studio's body limit (config `maxBodyBytes`) applies first.
 */
import { Hono } from 'hono';
import { UserError } from '../../errors';
import { storeUpload, type UploadKind } from '../../library/uploads';
import type { Studio } from '../../studio';
import { readUploadBody } from '../upload-body';

const KINDS = new Set<UploadKind>(['image', 'mask']);

/** The upload route above, mounted at /api/uploads. */
export function uploadRoutes(s: Studio): Hono {
  const app = new Hono();
  app.post('/', async (c) => {
    const body = await readUploadBody(c, 'the image');
    const bytes = body.bytes;
    const filename = body.filename ?? c.req.query('filename');
    const field = (name: string) => {
      const v = body.form?.get(name);
      return typeof v === 'string' ? v : c.req.query(name);
    };
    const kind = field('kind');
    const parent = field('parent');
    if (kind !== undefined && !KINDS.has(kind as UploadKind))
      throw new UserError('BAD_REQUEST', `kind must be "image" or "mask", not "${kind}"`);
    const upload = await storeUpload(
      { store: s.store, paths: s.config.paths },
      {
        bytes,
        ...(filename ? { filename } : {}),
        ...(kind ? { kind: kind as UploadKind } : {}),
        ...(parent ? { parent } : {}),
      },
    );
    return c.json({ upload }, upload.existing ? 200 : 201);
  });
  return app;
}
