/**
 * Thumbnails (issue 8): 256 px WebP (q80) beside the database in `$MYSTI_HOME/thumbs/<aa>/<uuid>.webp`,
 * registered in generation_files as role 'thumb'. sharp/libvips decodes the PNG (the dominant
 * cost, anchors-performance.md §10) with a pixel limit so a decompression bomb fails fast.
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { writeFileAtomic } from '../fs/atomic';
import { safePath } from '../fs/safe-path';
import { UserError } from '../errors';
import { PermanentJobError } from './errors';
import type { GalleryStores } from '../store/gallery-stores';
import type { JobHandler } from './runner';
import { writePoint } from '../fs/write-points';

/** Longest side of a thumbnail, px. */
export const THUMB_SIZE = 256;
/** Largest source image accepted, in pixels (16k × 16k); libvips refuses bigger before decoding. */
const MAX_INPUT_PIXELS = 16_384 * 16_384;

// libvips' operation cache only helps repeated operations on one image; thumbnails never repeat.
sharp.cache(false);

/**
 * Renders a thumbnail of `src` (any format sharp reads) as WebP bytes, fitting inside
 * size×size px without enlarging, EXIF orientation applied.
 * @throws PermanentJobError IMAGE_UNREADABLE when the file is not a decodable image
 */
export async function renderThumbnail(
  src: string,
  size = THUMB_SIZE,
  quality = 80,
): Promise<{ data: Buffer; width: number; height: number }> {
  try {
    const { data, info } = await sharp(src, {
      limitInputPixels: MAX_INPUT_PIXELS,
      failOn: 'error',
      sequentialRead: true,
    })
      .rotate()
      .resize({ width: size, height: size, fit: 'inside', withoutEnlargement: true })
      .webp({ quality, effort: 2 })
      .toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height };
  } catch (err) {
    throw new PermanentJobError(
      'IMAGE_UNREADABLE',
      `cannot make a thumbnail of ${path.basename(src)}: ${(err as Error).message}`,
    );
  }
}

/** Where a generation's thumbnail lives, relative to the data directory. */
export function thumbRelPath(uuid: string): string {
  return path.join('thumbs', uuid.slice(0, 2), `${uuid}.webp`);
}

/** Resolves a generation's stored file path (relative to home, or absolute for imports) safely. */
export function resolveImagePath(
  filePath: string,
  roots: { home: string; extra?: readonly string[] },
): string {
  return safePath(filePath, [roots.home, ...(roots.extra ?? [])], { allowAbsolute: true });
}

/**
 * The `thumb` job: payload `{generationId}`. A generation that is gone is done; a missing file
 * flags the generation `missing` and ends the job (retrying cannot bring it back).
 */
export function thumbHandler(
  g: GalleryStores,
  roots: { home: string; extra?: readonly string[] },
): JobHandler {
  return async (job) => {
    const id = Number(job.payload.generationId);
    const src = g.files.source(id);
    if (!src) return;
    let file: string;
    try {
      file = resolveImagePath(src.filePath, roots);
    } catch (err) {
      if (err instanceof UserError && err.code === 'NOT_FOUND') {
        g.library.setMissing(id, true);
        throw new PermanentJobError(
          'FILE_MISSING',
          `the image of generation ${src.uuid} is missing: ${src.filePath}`,
        );
      }
      throw err;
    }
    const t = await renderThumbnail(file);
    const rel = thumbRelPath(src.uuid);
    const dest = path.join(roots.home, rel);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    const written = writeFileAtomic(dest, t.data);
    writePoint('thumb.file');
    // The generation may have been purged while we rendered: then the thumb is an orphan.
    if (!g.files.source(id)) {
      fs.rmSync(dest, { force: true });
      return;
    }
    g.files.put(id, 'thumb', rel, written.bytes);
  };
}
