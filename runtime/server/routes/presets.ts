/**
 * Model presets (issue 5 §6), mounted at `/api/presets`:
 *
 * - `GET /image` → `{presets: ImagePreset[]}` (by name); `GET /image/:id` → ImagePreset (id or name)
 * - `POST /image` `{name, diffusionModel, vae?, textEncoders?, loras?, params?}` → 201 ImagePreset
 * - `PUT /image/:id` same body → ImagePreset (the measured footprint is kept unless the diffusion
 *   model or VAE changed: it belonged to the old files); `DELETE /image/:id` → `{deleted: true}`
 * - the same under `/llm` with `{name, model, contextSize, gpuLayers?, capabilities?, params?}`.
 *
 * Model references are checked against the registry on write (MODEL_NOT_FOUND, MODEL_WRONG_KIND
 * as 4xx), so a preset never names a file that is not there at the time it is saved.
 * Errors: 400 BAD_REQUEST (body), 404 NOT_FOUND, 409 PRESET_NAME_TAKEN.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { UserError } from '../../errors';
import type { Studio } from '../../studio';
import type { ImagePreset, LlmPreset, PresetStore } from '../../store/presets';

const name = z.string().trim().min(1).max(200);
const ref = z.string().trim().min(1).max(1024);
const params = z.record(z.string(), z.unknown()).default({});

const imageBody = z
  .object({
    name,
    diffusionModel: ref,
    vae: ref.nullable().optional(),
    textEncoders: z.array(ref).max(8).default([]),
    loras: z
      .array(z.object({ name: ref, weight: z.number().min(-10).max(10).default(1) }))
      .max(16)
      .default([]),
    params,
  })
  .strict();

const llmBody = z
  .object({
    name,
    model: ref,
    contextSize: z
      .number()
      .int()
      .min(64)
      .max(1 << 20),
    gpuLayers: z.number().int().min(0).max(10_000).nullable().optional(),
    capabilities: z.array(z.string().trim().min(1).max(40)).max(16).default([]),
    params,
  })
  .strict();

/** Maps better-sqlite3 constraint errors to user errors. */
function saving<T>(fn: () => T, presetName: string): T {
  try {
    return fn();
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'SQLITE_CONSTRAINT_UNIQUE')
      throw new UserError(
        'PRESET_NAME_TAKEN',
        `a preset named "${presetName}" already exists`,
        { name: presetName },
        409,
      );
    if (code === 'SQLITE_CONSTRAINT_CHECK')
      throw new UserError(
        'BAD_REQUEST',
        `invalid preset "${presetName}": ${(err as Error).message}`,
      );
    throw err;
  }
}

/** Routes over one PresetStore; `s.models.resolve` checks the files a preset names. */
export function presetRoutes(s: Studio, store: PresetStore): Hono {
  const app = new Hono();
  const check = (r: string, kind: string) => s.models.resolve(r, kind);

  const image = (id: string): ImagePreset => {
    const p = store.getImage(id) ?? store.getImageByName(id);
    if (!p) throw new UserError('NOT_FOUND', `no image preset ${id}`, undefined, 404);
    return p;
  };
  const llm = (id: string): LlmPreset => {
    const p = store.getLlm(id) ?? store.getLlmByName(id);
    if (!p) throw new UserError('NOT_FOUND', `no LLM preset ${id}`, undefined, 404);
    return p;
  };

  const checkImage = (b: z.infer<typeof imageBody>) => {
    check(b.diffusionModel, 'sd');
    if (b.vae) check(b.vae, 'vae');
    for (const l of b.loras) check(l.name, 'lora');
  };

  app.get('/image', (c) => c.json({ presets: store.listImage() }));
  app.get('/image/:id', (c) => c.json(image(c.req.param('id'))));
  app.post('/image', async (c) => {
    const b = imageBody.parse(await c.req.json());
    checkImage(b);
    return c.json(
      saving(() => store.saveImage(b), b.name),
      201,
    );
  });
  app.put('/image/:id', async (c) => {
    const cur = image(c.req.param('id'));
    const b = imageBody.parse(await c.req.json());
    checkImage(b);
    const sameFiles =
      b.diffusionModel === cur.diffusionModel &&
      (b.vae ?? null) === cur.vae &&
      JSON.stringify(b.textEncoders) === JSON.stringify(cur.textEncoders);
    return c.json(
      saving(
        () =>
          store.saveImage({
            ...b,
            id: cur.id,
            measuredVramBytes: sameFiles ? cur.measuredVramBytes : null,
          }),
        b.name,
      ),
    );
  });
  app.delete('/image/:id', (c) => {
    const cur = image(c.req.param('id'));
    store.deleteImage(cur.id);
    return c.json({ deleted: true });
  });

  app.get('/llm', (c) => c.json({ presets: store.listLlm() }));
  app.get('/llm/:id', (c) => c.json(llm(c.req.param('id'))));
  app.post('/llm', async (c) => {
    const b = llmBody.parse(await c.req.json());
    check(b.model, 'llm');
    return c.json(
      saving(() => store.saveLlm(b), b.name),
      201,
    );
  });
  app.put('/llm/:id', async (c) => {
    const cur = llm(c.req.param('id'));
    const b = llmBody.parse(await c.req.json());
    check(b.model, 'llm');
    const same =
      b.model === cur.model &&
      b.contextSize === cur.contextSize &&
      (b.gpuLayers ?? null) === cur.gpuLayers;
    return c.json(
      saving(
        () =>
          store.saveLlm({
            ...b,
            id: cur.id,
            measuredVramBytes: same ? cur.measuredVramBytes : null,
          }),
        b.name,
      ),
    );
  });
  app.delete('/llm/:id', (c) => {
    const cur = llm(c.req.param('id'));
    store.deleteLlm(cur.id);
    return c.json({ deleted: true });
  });
  return app;
}
