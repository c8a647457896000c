/**
 * Images from the user's disk (issue 14 item 1) and masks painted in the editor (item 2), stored
 * once in the data folder: decoded with EXIF orientation applied (sharp `.rotate()`), re-encoded
 * as PNG (what sd.cpp reads; this build has no WebP) into the content-addressed artifact store
 * `artifacts/<sha[0..2]>/<sha>.png`, a 256 px thumbnail, then ONE transaction with the artifact
 * row (lineage: a mask → its image) and a gallery generation (source `upload` / `mask`) so Load
 * image takes it by uuid and the gallery's lineage shows it. The same pixels uploaded again return
 * the existing generation (nothing new written).
 *
 * Order on disk: files first (temp → fsync → rename), rows last; any failure before the commit
 * removes the files this call created, so a bad upload leaves no row and no file. The embedded
 * workflow/parameters of the original bytes (PNG chunks; JPEG/WebP EXIF/XMP/COM) are read before
 * re-encoding and returned, for the editor's "open as workflow".
 */
import fs from 'node:fs';
import path from 'node:path';
import { createHash, randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { UserError } from '../errors';
import { writeFileAtomic } from '../fs/atomic';
import { writePoint } from '../fs/write-points';
import { safePath } from '../fs/safe-path';
import { renderThumbnail, thumbRelPath } from '../jobs/thumbs';
import { describeImage, isFailure, sniff, type ImageRecord } from './import-read';
import type { Store } from '../store';
import type { GenerationRow } from '../store/generations';
import type { GraphDoc } from '../../nodes/core/graph';

/** Largest image accepted, pixels (width × height): 100 MP. */
export const MAX_UPLOAD_PIXELS = 100_000_000;

/** What the upload is: a picture, or a mask (white = repaint) for an image already stored. */
export type UploadKind = 'image' | 'mask';

export interface UploadInput {
  bytes: Uint8Array;
  /** The file name on the user's disk (kept in the artifact's info; never used as a path). */
  filename?: string;
  kind?: UploadKind;
  /** Masks: the generation uuid of the image it is painted on (required for masks). */
  parent?: string;
}

/** The stored upload as POST /api/uploads answers it. */
export interface UploadResult {
  /** Generation uuid: Load image's `source`, the gallery's id. */
  uuid: string;
  artifactId: string;
  kind: UploadKind;
  /** Format of the file sent (the stored file is always PNG). */
  format: 'png' | 'jpeg' | 'webp';
  width: number;
  height: number;
  /** Stored PNG, bytes; and its lower-case hex sha256. */
  bytes: number;
  sha256: string;
  /** True when these pixels were stored before: the earlier generation is returned. */
  existing: boolean;
  imageUrl: string;
  thumbUrl: string;
  /** The workflow embedded in the file sent (null: none), for "open as workflow". */
  workflow: { graph: GraphDoc; source: string; warnings: string[] } | null;
}

export interface UploadDeps {
  store: Store;
  paths: { home: string; artifacts: string; thumbs: string };
}

const FORMAT_NAME = { png: 'PNG', jpeg: 'JPEG', webp: 'WebP' } as const;

/**
 * Validates, normalizes and stores one upload (see the module comment).
 *
 * @throws UserError UNSUPPORTED_FORMAT (not PNG/JPEG/WebP by its bytes), IMAGE_INVALID (header or
 *   pixels cannot be decoded: truncated, damaged), IMAGE_TOO_LARGE 413 (over 100 MP, refused
 *   before decoding), BAD_REQUEST (a mask without its image, or of another size), NOT_FOUND (the
 *   mask's image is not in the library)
 */
export async function storeUpload(deps: UploadDeps, input: UploadInput): Promise<UploadResult> {
  const kind = input.kind ?? 'image';
  const format = sniff(input.bytes);
  if (!format)
    throw new UserError(
      'UNSUPPORTED_FORMAT',
      'This file is not a PNG, JPEG or WebP image (judged by its first bytes)',
      input.filename ? { filename: input.filename } : undefined,
    );
  const parent = kind === 'mask' ? maskParent(deps.store, input.parent) : null;
  let meta: Awaited<ReturnType<ReturnType<typeof sharp>['metadata']>>;
  try {
    meta = await sharp(input.bytes, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw new UserError(
      'IMAGE_INVALID',
      `The ${FORMAT_NAME[format]} header cannot be read: ${(err as Error).message}`,
    );
  }
  const w = meta.width ?? 0;
  const h = meta.height ?? 0;
  if (w * h > MAX_UPLOAD_PIXELS)
    throw new UserError(
      'IMAGE_TOO_LARGE',
      `The image is ${w}×${h} px (${Math.round((w * h) / 1e6)} MP); the studio takes at most ${MAX_UPLOAD_PIXELS / 1e6} MP`,
      { width: w, height: h, maxPixels: MAX_UPLOAD_PIXELS },
      413,
    );
  let png: Buffer;
  let info: { width: number; height: number };
  try {
    // failOn 'error': a truncated JPEG/PNG ("premature end") is refused, not padded with gray.
    let img = sharp(input.bytes, { limitInputPixels: MAX_UPLOAD_PIXELS, failOn: 'error' }).rotate();
    // A mask is one channel, white = repaint; transparent pixels count as keep (black).
    if (kind === 'mask') img = img.flatten({ background: '#000000' }).toColourspace('b-w');
    const out = await img.png({ compressionLevel: 6 }).toBuffer({ resolveWithObject: true });
    png = out.data;
    info = out.info;
  } catch (err) {
    throw new UserError(
      'IMAGE_INVALID',
      `The ${FORMAT_NAME[format]} cannot be decoded (truncated or damaged?): ${(err as Error).message}`,
    );
  }
  if (
    parent?.width &&
    parent.height &&
    (parent.width !== info.width || parent.height !== info.height)
  )
    throw new UserError(
      'BAD_REQUEST',
      `The mask is ${info.width}×${info.height} px but its image is ${parent.width}×${parent.height} px; paint the mask at the image's size`,
      { mask: [info.width, info.height], image: [parent.width, parent.height] },
    );
  const record = kind === 'image' ? await describeImage(input.bytes) : null;
  const rec: ImageRecord | null = record && !isFailure(record) ? record : null;
  const workflow = rec?.workflow
    ? { graph: rec.workflow, source: rec.source, warnings: rec.warnings }
    : null;

  const sha256 = createHash('sha256').update(png).digest('hex');
  const source = kind === 'mask' ? 'mask' : 'upload';
  const seen = deps.store.generations.liveBySource(sha256, source);
  if (seen?.artifactId) {
    if (parent?.artifactId) deps.store.artifacts.link(seen.artifactId, parent.artifactId, 'image');
    return result(seen, kind, format, png.length, true, workflow);
  }

  const rel = path.join('artifacts', sha256.slice(0, 2), `${sha256}.png`);
  const abs = safePath(rel, deps.paths.home, { mustExist: false });
  const uuid = randomUUID();
  const thumbRel = thumbRelPath(uuid);
  const thumbAbs = safePath(thumbRel, deps.paths.home, { mustExist: false });
  // Another artifact (a run output) may already hold these exact bytes: then it is shared, not ours to remove.
  const created = !fs.existsSync(abs);
  try {
    if (created) {
      writeFileAtomic(abs, png);
      writePoint('artifact.file');
    }
    const thumb = await renderThumbnail(abs);
    const t = writeFileAtomic(thumbAbs, thumb.data);
    writePoint('thumb.file');
    const artifactId = randomUUID();
    const now = Date.now();
    deps.store.db.transaction(() => {
      deps.store.artifacts.insertMany(
        [
          {
            id: artifactId,
            kind: 'image',
            runId: null,
            nodeId: null,
            port: kind === 'mask' ? 'mask' : 'upload',
            path: rel,
            sha256,
            bytes: png.length,
            value: {
              width: info.width,
              height: info.height,
              info: {
                upload: {
                  kind,
                  format,
                  ...(input.filename ? { filename: input.filename.slice(0, 255) } : {}),
                  ...(meta.orientation && meta.orientation !== 1
                    ? { orientation: meta.orientation }
                    : {}),
                },
              },
            },
            parents: parent?.artifactId ? [{ port: 'image', parentId: parent.artifactId }] : [],
          },
        ],
        now,
      );
      deps.store.generations.insert({
        uuid,
        artifactId,
        filePath: rel,
        sha256,
        createdAt: now,
        prompt: rec?.prompt ?? null,
        negativePrompt: rec?.negativePrompt ?? null,
        seed: rec?.seed ?? null,
        width: info.width,
        height: info.height,
        steps: rec?.steps ?? null,
        cfgScale: rec?.cfgScale ?? null,
        sampler: rec?.sampler ?? null,
        scheduler: rec?.scheduler ?? null,
        modelName: rec?.model ?? null,
        params: rec && Object.keys(rec.params).length ? rec.params : null,
        workflow: rec?.workflow ?? null,
        source,
        files: [
          { role: 'final', path: rel, bytes: png.length },
          { role: 'thumb', path: thumbRel, bytes: t.bytes },
        ],
      });
    })();
  } catch (err) {
    // Nothing of a failed upload stays: its thumbnail and (when this call wrote it) its image.
    fs.rmSync(thumbAbs, { force: true });
    if (created) fs.rmSync(abs, { force: true });
    throw err;
  }
  return result(deps.store.generations.byUuid(uuid)!, kind, format, png.length, false, workflow);
}

/** The mask's image: a live generation with an artifact. */
function maskParent(store: Store, parent: string | undefined): GenerationRow {
  if (!parent)
    throw new UserError(
      'BAD_REQUEST',
      'A mask needs the image it is painted on: send its generation id as "parent"',
    );
  const g = store.generations.byUuid(parent);
  if (!g || g.deletedAt !== null)
    throw new UserError('NOT_FOUND', `No image ${parent} in the library`, undefined, 404);
  return g;
}

function result(
  g: GenerationRow,
  kind: UploadKind,
  format: UploadResult['format'],
  bytes: number,
  existing: boolean,
  workflow: UploadResult['workflow'],
): UploadResult {
  return {
    uuid: g.uuid,
    artifactId: g.artifactId!,
    kind,
    format,
    width: g.width ?? 0,
    height: g.height ?? 0,
    bytes,
    sha256: g.sha256!,
    existing,
    imageUrl: `/api/generations/${g.uuid}/image`,
    thumbUrl: `/api/generations/${g.uuid}/thumb`,
    workflow,
  };
}
