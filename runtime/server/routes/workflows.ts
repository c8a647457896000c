/**
 * POST /api/workflows/from-image (design.md §8–9): a PNG, JPEG, WebP or a workflow JSON as multipart field
 * `file`, or as the raw body with its content type → `{graph, warnings, source}`. Nothing is
 * written: the editor decides what to do with the graph. `?hires=pair` maps an A1111 hires fix to
 * an upscale → img2img pair instead of txt2img's Hires fix params (issue 14).
 */
import { Hono } from 'hono';
import { importWorkflowAny } from '../../importers';
import type { Studio } from '../../studio';
import { readUploadBody } from '../upload-body';

/** The from-image route above, mounted at /api/workflows (the studio is unused: importing reads nothing else). */
export function workflowRoutes(_s: Studio): Hono {
  const app = new Hono();
  app.post('/from-image', async (c) => {
    const { bytes, filename, contentType } = await readUploadBody(c, 'the image or workflow');
    const r = await importWorkflowAny({
      bytes,
      ...(c.req.query('hires') === 'pair' ? { a1111Hires: 'pair' as const } : {}),
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
