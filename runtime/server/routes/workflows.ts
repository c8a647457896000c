/**
 * POST /api/workflows/from-image (design.md §8–9): a PNG, JPEG, WebP or a workflow JSON as multipart field
 * `file`, or as the raw body with its content type → `{graph, warnings, source}`. Nothing is
 * written: the editor decides what to do with the graph.
 */
import { Hono } from 'hono';
import { UserError } from '../../errors';
import { importWorkflowAny } from '../../importers';
import type { Studio } from '../../studio';

/** The from-image route above, mounted at /api/workflows (the studio is unused: importing reads nothing else). */
export function workflowRoutes(_s: Studio): Hono {
  const app = new Hono();
  app.post('/from-image', async (c) => {
    const type = c.req.header('content-type') ?? '';
    let bytes: Uint8Array;
    let filename: string | undefined;
    let contentType: string | undefined = type;
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
        throw new UserError(
          'BAD_REQUEST',
          'send the image or workflow as the multipart field "file"',
        );
      bytes = new Uint8Array(await file.arrayBuffer());
      filename = file.name;
      contentType = file.type;
    } else {
      bytes = new Uint8Array(await c.req.arrayBuffer());
    }
    if (!bytes.byteLength) throw new UserError('BAD_REQUEST', 'the upload is empty');
    const r = await importWorkflowAny({
      bytes,
      ...(contentType ? { contentType } : {}),
      ...(filename ? { filename } : {}),
    });
    return c.json({
      graph: r.graph,
      warnings: r.warnings,
      source: r.source,
      ...(r.run ? { run: r.run } : {}),
    });
  });
  return app;
}
