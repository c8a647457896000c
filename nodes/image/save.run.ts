/**
 * Executor of the save node: writes the image as a PNG under outputs/YYYY-MM-DD/ carrying our
 * `mysticanvas` chunk (graph, run, params, lineage — enough to reload and rerun) and an A1111
 * `parameters` chunk (design.md §9), atomically (temp → fsync → rename); then, inside the
 * transaction that records the node's artifact, the generation row, its files and its tags.
 */
import fs from 'node:fs';
import { canonicalSeed } from '../core/seed';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { implement } from '../../runtime/engine/executor';
import { save } from './save';
import { UserError } from '../../runtime/errors';
import { writeFileAtomic } from '../../runtime/fs/atomic';
import { embedMetadata, autoV2Hash, type A1111Info } from '../../runtime/png';
import { APP_VERSION, APP_VERSION_SHORT } from '../../runtime/version';
import type { GraphDoc } from '../core/graph';
import { writePoint } from '../../runtime/fs/write-points';
import { a1111Guides } from '../../runtime/png/a1111-guides';

/** `mysti_20261122-021530123_1a2b3c4d_save1.png`: sorts by time, names its run and node. */
export function outputName(prefix: string, runId: string, nodeId: string, now: Date): string {
  const iso = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace('T', '-')
    .replace('.', '')
    .replace('Z', '');
  const safeNode = nodeId.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 32) || 'node';
  return `${prefix || 'mysti'}_${iso}_${runId.slice(0, 8)}_${safeNode}.png`;
}

export default implement(save, async (ctx, inputs, params) => {
  const image = inputs.image;
  if (image?.kind !== 'image') throw new UserError('INPUT_MISSING', 'the save node needs an image');
  const prov = ctx.artifacts.provenance(ctx.inputArtifacts.image!);
  let png: Buffer = fs.readFileSync(image.path);
  const meta = await sharp(png).metadata();
  if (meta.format !== 'png') png = await sharp(png).png().toBuffer();
  const width = meta.width ?? image.width ?? 0;
  const height = meta.height ?? image.height ?? 0;

  const p = prov.params as Record<string, unknown>;
  const modelRef = typeof p.model === 'string' && p.model ? p.model : null;
  let modelSha: string | undefined;
  if (modelRef) {
    try {
      const m = ctx.registry.resolve(modelRef, 'sd');
      const sha = /^sha256:([0-9a-f]{64})$/.exec(m.identity)?.[1];
      modelSha =
        sha ?? (image.info?.models as { model?: { sha256?: string } } | undefined)?.model?.sha256;
    } catch {
      // The model may have been moved since; the image is still worth saving.
    }
  }
  // Exact decimal seed text (nodes/core/seed.ts); numbers from older lineage are accepted.
  const seed = canonicalSeed(image.info?.seed) ?? canonicalSeed(p.seed);
  const engineVersion = String(
    (image.info?.engine as { version?: string } | undefined)?.version ?? 'unknown',
  );
  const guides = a1111Guides(ctx, prov);
  const a1111: A1111Info | undefined = prov.generatorType
    ? {
        prompt: prov.prompt ?? '',
        ...(prov.negativePrompt ? { negativePrompt: prov.negativePrompt } : {}),
        steps: Number(p.steps ?? 0),
        sampler: String(p.sampler ?? 'default'),
        scheduler: String(p.scheduler ?? 'default'),
        cfgScale: Number(p.cfgScale ?? 0),
        seed: seed ?? '0',
        // With a hires fix A1111's Size is the first pass's; the upscale is in `Hires upscale`.
        width: guides.firstPass?.width ?? width,
        height: guides.firstPass?.height ?? height,
        ...(modelSha ? { modelHash: autoV2Hash(modelSha) } : {}),
        ...(modelRef ? { model: path.basename(modelRef).replace(/\.[^.]+$/, '') } : {}),
        ...(typeof p.strength === 'number' ? { denoisingStrength: p.strength } : {}),
        ...guides.fields,
        version: APP_VERSION_SHORT,
      }
    : undefined;
  const bytes = embedMetadata(
    png,
    {
      graph: ctx.graph as GraphDoc,
      runId: ctx.runId,
      nodeId: ctx.nodeId,
      params: { ...p, ...(seed !== undefined ? { seed } : {}) },
      lineage: prov.ancestorGenerations,
      appVersion: APP_VERSION,
      engineVersion,
      modelHashes: modelRef && modelSha ? { [modelRef]: modelSha } : {},
    },
    a1111,
  );

  const now = new Date();
  const day = now.toISOString().slice(0, 10);
  const dest = path.join(
    ctx.paths.outputs,
    day,
    outputName(params.filenamePrefix, ctx.runId, ctx.nodeId, now),
  );
  const written = writeFileAtomic(dest, bytes);
  writePoint('save.png');
  const rel = path.relative(ctx.paths.home, dest);
  const uuid = randomUUID();
  const tags = inputs.tags?.kind === 'tags' ? inputs.tags.tags : [];

  ctx.onCommit((ids) => {
    ctx.gallery.insert(
      {
        uuid,
        artifactId: ids.image ?? null,
        filePath: rel,
        sha256: written.sha256,
        createdAt: now.getTime(),
        prompt: prov.prompt,
        negativePrompt: prov.negativePrompt,
        seed: seed ?? null,
        width,
        height,
        steps: typeof p.steps === 'number' ? p.steps : null,
        cfgScale: typeof p.cfgScale === 'number' ? p.cfgScale : null,
        sampler: typeof p.sampler === 'string' ? p.sampler : null,
        scheduler: typeof p.scheduler === 'string' ? p.scheduler : null,
        modelId: modelRef,
        modelName: modelRef ? path.basename(modelRef) : null,
        params: p,
        workflow: ctx.graph,
        source: 'mysticanvas',
        runId: ctx.runId,
        nodeId: ctx.nodeId,
        files: [{ role: 'final', path: rel, bytes: written.bytes }],
      },
      (generationId) => {
        writePoint('save.generation');
        if (tags.length) ctx.tags.attach(generationId, tags, 'llm_auto');
      },
    );
  });
  return {
    image: {
      kind: 'image',
      path: dest,
      sha256: written.sha256,
      width,
      height,
      info: { generationUuid: uuid, file: rel, ...(seed !== undefined ? { seed } : {}) },
    },
  };
});
