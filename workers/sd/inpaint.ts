/**
 * Inpainting around sd.cpp (issue 14): the mask is checked against the init image, turned into the
 * greyscale (and blurred) mask sd.cpp reads, and after generation the init image's pixels are pasted
 * back outside the mask, as A1111 does ("apply the mask to the output").
 *
 * Why the paste-back: sd.cpp applies the mask to the latent only — outside the mask the init image's
 * latent is kept, at 1/8 of the resolution, and the whole image goes through the VAE decoder again.
 * So the unmasked pixels come back as VAE(encode→decode) of the init, never exactly. Measured with the
 * test build (`../shared/sdcpp`, random-weight TAESD-layout VAE, 128×128, 4 steps, strength 0.75):
 * mean |Δ| 72/255, max 168/255 outside the mask without paste-back — a random VAE round trip is
 * noise; a trained SD1 VAE gives a few levels of blur/colour shift. With the paste-back the pixels
 * where the (blurred) mask is 0 are the init's exactly (tests/integration/sd-inpaint-real.test.ts).
 *
 * Mask convention: luminance after flattening any alpha onto black; white (255) = repaint, black = keep,
 * grey = blend. The blur is a Gaussian of σ = `maskBlur` px (A1111's "Mask blur"; sd.cpp has no flag).
 */
import { mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { WorkerJobError } from '../protocol/server';

/** Width × height of an image file. @throws WorkerJobError BAD_PARAMS when it cannot be decoded. */
async function sizeOf(path: string, what: string): Promise<{ width: number; height: number }> {
  const m = await sharp(path)
    .metadata()
    .catch(() => null);
  if (!m?.width || !m.height)
    throw new WorkerJobError('BAD_PARAMS', `the ${what} ${path} is not a readable image`, { path });
  return { width: m.width, height: m.height };
}

/**
 * Checks the mask against the init image, then writes the mask sd.cpp gets — one grey channel,
 * blurred by σ = `blur` px — as `<dir>/mask.png` (`dir` is created).
 * @throws WorkerJobError MASK_SIZE_MISMATCH (nothing written) when the sizes differ; BAD_PARAMS for
 *   an unreadable image.
 */
export async function prepareMask(
  initPath: string,
  maskPath: string,
  blur: number,
  dir: string,
): Promise<string> {
  const [image, mask] = await Promise.all([
    sizeOf(initPath, 'input image'),
    sizeOf(maskPath, 'mask'),
  ]);
  if (image.width !== mask.width || image.height !== mask.height)
    throw new WorkerJobError(
      'MASK_SIZE_MISMATCH',
      `the mask is ${mask.width}×${mask.height} px but the image is ${image.width}×${image.height} px; paint the mask on this image or resize it to the image's size`,
      { image, mask },
    );
  await mkdir(dir, { recursive: true });
  const out = join(dir, 'mask.png');
  let s = sharp(maskPath).flatten({ background: '#000000' }).greyscale();
  if (blur > 0) s = s.blur(Math.max(0.3, blur));
  // write-point: none — worker scratch inside tmp/ (removed after the job, swept at start).
  await s.toColourspace('b-w').png().toFile(out);
  return out;
}

/** One grey channel of `path` at `w`×`h` (resized with Lanczos when its size differs). */
async function channels(path: string, w: number, h: number, grey: boolean): Promise<Buffer> {
  let s = sharp(path).removeAlpha();
  const m = await sharp(path).metadata();
  if (m.width !== w || m.height !== h) s = s.resize(w, h, { fit: 'fill', kernel: 'lanczos3' });
  if (grey) s = s.greyscale().toColourspace('b-w');
  return s.raw().toBuffer();
}

/**
 * Pastes the init image back outside the mask: out = init·(1−m) + generated·m per pixel, m = mask/255
 * (the blurred mask sd.cpp was given). Where m = 0 the result is the init's pixel exactly. The init
 * and mask are resized to the output's size first when sd.cpp generated at another size
 * (`-W/-H` ≠ the init's). Rewrites `outPath` (temp file, then rename).
 */
export async function pasteBack(
  outPath: string,
  initPath: string,
  maskPath: string,
): Promise<void> {
  const { data: gen, info } = await sharp(outPath)
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const { width: w, height: h } = info;
  const [init, mask] = await Promise.all([
    channels(initPath, w, h, false),
    channels(maskPath, w, h, true),
  ]);
  const initCh = init.length / (w * h);
  const out = Buffer.alloc(w * h * 3);
  for (let i = 0; i < w * h; i++) {
    const m = mask[i]!;
    for (let c = 0; c < 3; c++) {
      const a = init[i * initCh + (initCh === 1 ? 0 : c)]!;
      const b = gen[i * 3 + c]!;
      out[i * 3 + c] = m === 0 ? a : m === 255 ? b : Math.round((a * (255 - m) + b * m) / 255);
    }
  }
  const tmp = `${outPath}.paste.png`;
  // write-point: none — worker scratch inside tmp/; the runtime names the move into artifacts/.
  await sharp(out, { raw: { width: w, height: h, channels: 3 } })
    .png()
    .toFile(tmp);
  // write-point: none — the same scratch file, renamed within tmp/.
  await rename(tmp, outPath);
}
