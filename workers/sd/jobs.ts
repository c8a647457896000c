/**
 * The sd worker's jobs: `txt2img`, `img2img`, `upscale`. Each runs one sd.cpp CLI process writing
 * into a private temp folder under the payload's `outDir`; after exit 0 the images are renamed to
 * `<outDir>/<jobId>[_k].png` (sd.cpp writes in place, so a killed run must never leave a
 * plausible-looking file behind — sdcpp.md §1.2). On failure or cancel the temp folder is removed.
 *
 * Result `output`: `{images: [{path, sha256, width, height, seed?}], engine: {binary, name, version},
 * argv, warnings, …}`; `memory`: the child's peak RSS (and GPU bytes where nvidia-smi exists).
 */
import { randomUUID } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import sharp from 'sharp';
import type { z } from 'zod';
import type { JobContext, JobHandler } from '../protocol/server';
import { WorkerJobError } from '../protocol/server';
import type { ProgressMsg } from '../protocol/messages';
import { align64, buildGenArgv, buildUpscaleArgv, sdThreads } from './argv';
import { detectEngine } from './engine';
import { mapSdFailure, upscaleFailure } from './errors';
import { genPayloadSchema, upscalePayloadSchema, type GenPayload } from './payload';
import { PreviewForwarder } from './previews';
import { liveChildren, runSd, type SdRunResult } from './process';
import { sha256File } from './hash';
import { ServerManager } from './server/manager';
import { resolveServerBinary } from './server/locate';
import { runOnServer } from './server/run-job';
import { seedPlus } from '../../nodes/core/seed';
import { pasteBack, prepareMask } from './inpaint';

/** One output image. `seed` is the seed sd.cpp actually used (parsed from its log), exact decimal text. */
export interface SdImage {
  path: string;
  sha256: string;
  width: number;
  height: number;
  seed?: string;
}

/** What is resident for health reports: the model of the job running now, if any. */
export let currentModel: { modelId: string; path: string; bytes: number } | null = null;

function parse<T extends z.ZodType>(schema: T, payload: unknown): z.infer<T> {
  const r = schema.safeParse(payload);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`);
    throw new WorkerJobError('BAD_PARAMS', `bad sd job payload: ${issues.join('; ')}`, { issues });
  }
  return r.data;
}

export { sha256File };

/** Renames sd.cpp's output(s) out of the temp folder and describes them. */
async function collect(
  files: string[],
  dest: (k: number) => string,
  seeds: (k: number) => string | undefined,
): Promise<SdImage[]> {
  const images: SdImage[] = [];
  for (let k = 0; k < files.length; k++) {
    const f = files[k]!;
    if (!existsSync(f) || statSync(f).size === 0)
      throw new WorkerJobError(
        'ENGINE_FAILED',
        `stable-diffusion.cpp exited 0 but wrote no image ${basename(f)}`,
      );
    const meta = await sharp(f).metadata();
    const path = dest(k);
    // write-point: none — worker scratch inside tmp/ (the runtime's start-up sweep empties it); the runtime names the move into artifacts/.
    await rename(f, path);
    const seed = seeds(k);
    images.push({
      path,
      sha256: await sha256File(path),
      width: meta.width!,
      height: meta.height!,
      ...(seed !== undefined ? { seed } : {}),
    });
  }
  return images;
}

function forwardStderr(ctx: JobContext) {
  return (line: string) =>
    ctx.log(/^\[ERROR\]|error|failed|insufficient/i.test(line) ? 'error' : 'warn', line);
}

/** Runs sd.cpp with the temp folder, preview forwarding, cleanup and failure mapping shared by all jobs. */
async function runInTemp(
  ctx: JobContext,
  outDir: string,
  build: (tmp: string, previewPath: string, backendFlag: boolean) => string[],
  withPreview: boolean,
  model: { path: string },
): Promise<{
  r: SdRunResult;
  tmp: string;
  jobId: string;
  argv: string[];
  engine: Awaited<ReturnType<typeof detectEngine>>;
}> {
  const engine = await detectEngine();
  const jobId = randomUUID();
  const tmp = join(outDir, `.sd-${jobId}`);
  await mkdir(tmp, { recursive: true });
  const argv = build(tmp, join(tmp, 'preview.png'), engine.backendFlag);
  let last: Omit<ProgressMsg, 'type'> = {};
  const previews = withPreview
    ? new PreviewForwarder(join(tmp, 'preview.png'), outDir, jobId, (preview) =>
        ctx.progress({ ...last, preview }),
      )
    : null;
  currentModel = {
    modelId: basename(model.path),
    path: model.path,
    bytes: existsSync(model.path) ? statSync(model.path).size : 0,
  };
  let r: SdRunResult;
  try {
    r = await runSd(engine.binary, argv, {
      signal: ctx.signal,
      onProgress: (p) => {
        last = p;
        ctx.progress(p);
      },
      onStderr: forwardStderr(ctx),
      // Relative defaults (output.png, preview.png, lora dir `.`) land in the temp folder, which is removed.
      cwd: tmp,
    });
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw new WorkerJobError(
      'ENGINE_FAILED',
      `could not start ${engine.binary}: ${(err as Error).message}`,
    );
  } finally {
    currentModel = null;
    await previews?.stop();
  }
  if (r.cancelled || r.code !== 0) {
    await rm(tmp, { recursive: true, force: true });
    throw mapSdFailure(r);
  }
  return { r, tmp, jobId, argv, engine };
}

let manager: ServerManager | null = null;
let managerBinary = '';

/** Which way txt2img/img2img run now: `server` (resident sd-server) or `cli` (one sd-cli per job). */
export function sdMode(): { mode: 'server' | 'cli'; serverBinary: string | null } {
  let bin: string | null = null;
  try {
    bin = resolveServerBinary();
  } catch {
    bin = null;
  }
  return { mode: bin ? 'server' : 'cli', serverBinary: bin };
}

/** The resident stack manager (created on first use for the located sd-server). */
export function serverManager(): ServerManager | null {
  return manager;
}

async function ensureManager(serverBinary: string, backendFlag: boolean): Promise<ServerManager> {
  if (manager && managerBinary === serverBinary) return manager;
  await manager?.stop();
  const num = (v: string | undefined, d: number) => (v && Number(v) > 0 ? Number(v) : d);
  manager = new ServerManager({
    binary: serverBinary,
    backendFlag,
    startTimeoutMs: num(process.env.MYSTI_SD_SERVER_START_TIMEOUT_MS, 60_000),
    graceMs: num(process.env.MYSTI_SD_SERVER_GRACE_MS, 300),
    children: liveChildren,
  });
  managerBinary = serverBinary;
  return manager;
}

/**
 * txt2img/img2img on the resident server or sd-cli; with a mask, the mask is checked and prepared
 * first (MASK_SIZE_MISMATCH before anything runs or is written) and the init image pasted back
 * outside it afterwards (inpaint.ts). The recorded argv / server body name the caller's mask file.
 */
async function generate(
  p: GenPayload,
  ctx: JobContext,
): Promise<{ output: Record<string, unknown>; memory?: Record<string, number> }> {
  if (!p.maskPath) return generateOn(p, ctx);
  if (!p.initImagePath) throw new WorkerJobError('BAD_PARAMS', 'a mask needs an init image');
  const scratch = join(p.outDir, `.mask-${randomUUID()}`);
  const mask = await prepareMask(p.initImagePath, p.maskPath, p.maskBlur, scratch);
  try {
    const r = await generateOn({ ...p, maskPath: mask }, ctx);
    const images = r.output.images as SdImage[];
    for (const img of images) {
      await pasteBack(img.path, p.initImagePath, mask);
      img.sha256 = await sha256File(img.path);
    }
    r.output.argv = (r.output.argv as string[]).map((a) => (a === mask ? p.maskPath! : a));
    const server = r.output.server as { body?: Record<string, unknown> } | undefined;
    if (server?.body?.mask_image) server.body.mask_image = `<${p.maskPath}>`;
    r.output.inpaint = { maskBlur: p.maskBlur, pasteBack: true };
    return r;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function generateOn(
  p: GenPayload,
  ctx: JobContext,
): Promise<{ output: Record<string, unknown>; memory?: Record<string, number> }> {
  const serverBinary = p.livePreview ? null : resolveServerBinary();
  if (!serverBinary) return generateCli(p, ctx);
  const engine = await detectEngine();
  const mgr = await ensureManager(serverBinary, engine.backendFlag);
  return runOnServer(p, ctx, mgr, { ...engine, serverBinary }, sdThreads());
}

async function generateCli(
  p: GenPayload,
  ctx: JobContext,
): Promise<{ output: Record<string, unknown>; memory?: Record<string, number> }> {
  const { r, tmp, jobId, argv, engine } = await runInTemp(
    ctx,
    p.outDir,
    (dir, previewPath, backendFlag) =>
      buildGenArgv(p, {
        outPath: join(dir, 'out.png'),
        threads: sdThreads(),
        backendFlag,
        previewPath,
      }),
    p.preview !== 'none',
    { path: p.modelPath },
  );
  try {
    const n = p.batchCount;
    // sd.cpp names batch outputs base_0.png, base_1.png, … (sdcpp.md §1.2).
    const files =
      n === 1
        ? [join(tmp, 'out.png')]
        : Array.from({ length: n }, (_, k) => join(tmp, `out_${k}.png`));
    const seeds = r.parser.seeds;
    const images = await collect(
      files,
      (k) => join(p.outDir, n === 1 ? `${jobId}.png` : `${jobId}_${k}.png`),
      (k) => seeds[k] ?? (p.seed !== '-1' ? seedPlus(p.seed, k) : undefined),
    );
    return {
      output: {
        images,
        engine: { binary: engine.binary, name: engine.name, version: engine.version },
        argv,
        requested: { width: p.width, height: p.height },
        aligned: { width: align64(p.width), height: align64(p.height) },
        warnings: r.parser.warnings,
        durationMs: r.durationMs,
      },
      memory: r.memory,
    };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

export const txt2img: JobHandler = async (payload, ctx) => {
  const p = parse(genPayloadSchema, payload);
  if (p.initImagePath)
    throw new WorkerJobError('BAD_PARAMS', 'txt2img takes no init image; use img2img');
  return generate(p, ctx);
};

export const img2img: JobHandler = async (payload, ctx) => {
  const p = parse(genPayloadSchema, payload);
  if (!p.initImagePath) throw new WorkerJobError('BAD_PARAMS', 'img2img needs initImagePath');
  return generate({ ...p, strength: p.strength ?? 0.75 }, ctx);
};

export const upscale: JobHandler = async (payload, ctx) => {
  const p = parse(upscalePayloadSchema, payload);
  let input;
  try {
    input = await sharp(p.initImagePath).metadata();
  } catch {
    throw new WorkerJobError('BAD_PARAMS', `the input image ${p.initImagePath} could not be read`);
  }
  const { r, tmp, jobId, argv, engine } = await runInTemp(
    ctx,
    p.outDir,
    (dir, _preview, backendFlag) =>
      buildUpscaleArgv(p, { outPath: join(dir, 'out.png'), threads: sdThreads(), backendFlag }),
    false,
    { path: p.upscaleModelPath },
  );
  try {
    const failed = upscaleFailure(r, p.upscaleModelPath);
    if (failed) throw failed;
    const out = join(tmp, 'out.png');
    const meta = await sharp(out)
      .metadata()
      .catch(() => null);
    if (!meta)
      throw new WorkerJobError(
        'ENGINE_FAILED',
        'stable-diffusion.cpp exited 0 but wrote no upscaled image',
      );
    if (meta.width === input.width && meta.height === input.height) {
      throw new WorkerJobError(
        'ENGINE_FAILED',
        'stable-diffusion.cpp exited 0 but the image was not upscaled (same size as the input)',
        { width: meta.width, height: meta.height },
      );
    }
    const factor = meta.width! / input.width!;
    let resizedTo: { width: number; height: number } | undefined;
    if (p.scale !== undefined) {
      const w = Math.round(input.width! * p.scale);
      const h = Math.round(input.height! * p.scale);
      if (w !== meta.width || h !== meta.height) {
        // write-point: none — worker scratch inside tmp/, swept at start.
        // The ESRGAN factor is the model's own (sdcpp.md §3 upscale()); reach the asked scale with Lanczos.
        await sharp(out)
          .resize(w, h, { kernel: 'lanczos3', fit: 'fill' })
          .png()
          .toFile(join(tmp, 'resized.png'));
        await rename(join(tmp, 'resized.png'), out);
        resizedTo = { width: w, height: h };
      }
    }
    const images = await collect(
      [out],
      () => join(p.outDir, `${jobId}.png`),
      () => undefined,
    );
    return {
      output: {
        images,
        engine: { binary: engine.binary, name: engine.name, version: engine.version },
        argv,
        method: resizedTo ? `esrgan x${factor} + lanczos to x${p.scale}` : `esrgan x${factor}`,
        modelFactor: factor,
        ...(resizedTo ? { resizedTo } : {}),
        durationMs: r.durationMs,
      },
      memory: r.memory,
    };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
};
