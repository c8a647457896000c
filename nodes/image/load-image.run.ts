/**
 * Executor of the load-image node: a generation uuid from the library, or a path inside the data
 * directory resolved through the one safe-path function (no `..`, no absolute paths, no symlink
 * escapes). Its cache fingerprint is the file's size and mtime, so an edited file is re-read.
 * A library image (an upload, a painted mask, a saved generation) becomes the output's lineage
 * parent (port `source`), so what is made from it lists it among its ancestors in the gallery.
 */
import fs from 'node:fs';
import sharp from 'sharp';
import { implement } from '../../runtime/engine/executor';
import { loadImage } from './load-image';
import { UserError } from '../../runtime/errors';
import { sentences } from '../../wire/errors';
import { safePath } from '../../runtime/fs/safe-path';
import { sha256FileAsync } from '../../runtime/fs/hash';
import { absPath } from '../../runtime/engine/outputs';
import type { GalleryPort } from '../../runtime/exec/context';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Absolute path of the image `source` names. @throws UserError NOT_FOUND / PATH_OUTSIDE_ROOT / BAD_PARAMS */
export function resolveSource(
  source: string,
  home: string,
  store: { generations: Pick<GalleryPort, 'byUuid'> },
): string {
  if (!source) throw new UserError('BAD_PARAMS', sentences.loadImageNoSource);
  if (UUID.test(source)) {
    const g = store.generations.byUuid(source);
    if (!g)
      throw new UserError(
        'NOT_FOUND',
        `load image: no generation ${source} in the library`,
        undefined,
        404,
      );
    const p = absPath(home, g.filePath);
    if (!fs.existsSync(p))
      throw new UserError(
        'NOT_FOUND',
        `load image: the file of generation ${source} is missing (${g.filePath})`,
        undefined,
        404,
      );
    return p;
  }
  return safePath(source, home);
}

export default implement(
  loadImage,
  async (ctx, _inputs, params) => {
    const file = resolveSource(params.source, ctx.paths.home, { generations: ctx.gallery });
    const from = UUID.test(params.source) ? ctx.gallery.byUuid(params.source)?.artifactId : null;
    if (from) ctx.onCommit((ids) => ids.image && ctx.artifacts.link(ids.image, from, 'source'));
    let meta: Awaited<ReturnType<ReturnType<typeof sharp>['metadata']>>;
    try {
      meta = await sharp(file).metadata();
    } catch {
      throw new UserError(
        'BAD_PARAMS',
        `load image: ${params.source} is not an image sharp can read`,
      );
    }
    return {
      image: {
        kind: 'image',
        path: file,
        sha256: await sha256FileAsync(file),
        ...(meta.width ? { width: meta.width } : {}),
        ...(meta.height ? { height: meta.height } : {}),
      },
    };
  },
  (ctx, params) => {
    try {
      const file = resolveSource(params.source, ctx.paths.home, { generations: ctx.gallery });
      const st = fs.statSync(file);
      return `${file}:${st.size}:${st.mtimeMs}`;
    } catch {
      return `unresolved:${params.source}`; // execute() reports the real error
    }
  },
);
