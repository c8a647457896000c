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

const KINDS = new Set<UploadKind>(['image', 'mask']);

/** The upload route above, mounted at /api/uploads. */
export function uploadRoutes(s: Studio): Hono {
  const app = new Hono();
  app.post('/', async (c) => {
    const type = c.req.header('content-type') ?? '';
    let bytes: Uint8Array;
    let filename = c.req.query('filename');
    let kind = c.req.query('kind');
    let parent = c.req.query('parent');
    if (type.startsWith('multipart/form-data')) {
      let form: FormData;
      try {
        form = await c.req.formData();
      } catch (err) {
        throw new UserError(
          'BAD_MULTIPART',
          `the multipart upload could not be read: ${(err as Error).message}`,
        );
      }
      const file = form.get('file');
      if (!file || typeof file === 'string')
        throw new UserError('BAD_REQUEST', 'send the image as the multipart field "file"');
      bytes = new Uint8Array(await file.arrayBuffer());
      filename = file.name || filename;
      const k = form.get('kind');
      const p = form.get('parent');
      if (typeof k === 'string') kind = k;
      if (typeof p === 'string') parent = p;
    } else {
      bytes = new Uint8Array(await c.req.arrayBuffer());
    }
    if (!bytes.byteLength) throw new UserError('BAD_REQUEST', 'the upload is empty');
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
