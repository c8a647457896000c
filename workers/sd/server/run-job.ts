/**
 * One txt2img/img2img job through the resident `sd-server` (sdcpp.md §2): the body goes to
 * `POST /sdcpp/v1/img_gen`, the job is polled at `GET /sdcpp/v1/jobs/{id}` while the child's stdout
 * bars become progress, and the base64 PNGs are written to `<outDir>/<jobId>[_k].png` (temp name,
 * then rename, like the CLI path).
 *
 * Cancel: a queued job → `POST …/cancel`; a generating job cannot be cancelled by the server
 * (409), so the child is killed (SIGTERM, SIGKILL after the grace) and the next job starts a new one.
 * The child dying mid-job (not by us) → `ENGINE_CRASHED` (or OUT_OF_MEMORY when ggml said so).
 */
import { randomUUID } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import type { JobContext } from '../../protocol/server';
import { WorkerJobError } from '../../protocol/server';
import { align64, buildGenArgv } from '../argv';
import { mapSdFailure } from '../errors';
import type { GenPayload } from '../payload';
import type { SdImage } from '../jobs';
import { sha256File } from '../hash';
import { bodyForRecord, buildImgGenBody } from './body';
import { stackOf } from './flags';
import { seedPlus } from '../../../nodes/core/seed';
import type { ServerManager } from './manager';
import type { ServerChild } from './child';

const POLL_MS = 100;

interface JobStatus {
  id: string;
  status: 'queued' | 'generating' | 'completed' | 'failed' | 'cancelled';
  result?: { images?: { index: number; b64_json: string }[] } | null;
  error?: { code?: string; message?: string } | null;
}

/**
 * JSON for sd-server with the seed as a bare JSON number of its exact digits: seeds are int64
 * (decimal text here, nodes/core/seed.ts) and a JS number would round them above 2^53.
 */
function serverJson(body: unknown): string {
  return JSON.stringify(body).replace(/"seed":"(-?[0-9]{1,19})"/, '"seed":$1');
}

async function postJson(
  child: ServerChild,
  path: string,
  body: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await fetch(child.url(path), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : serverJson(body),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: r.status, json: (await r.json().catch(() => ({}))) as Record<string, unknown> };
}

/** Rejects when the child exits; the caller decides cancel vs crash. */
function died(child: ServerChild): Promise<never> {
  return child.exited().then(() => Promise.reject(new Error('sd-server exited')));
}

function crashError(child: ServerChild, jobStatus: string): WorkerJobError {
  const x = child.exitRecord();
  const mapped = mapSdFailure(x);
  if (mapped.code === 'OUT_OF_MEMORY' && (x.code === 134 || x.signal === 'SIGABRT')) return mapped;
  const how = x.signal ? `was killed by ${x.signal}` : `exited with code ${x.code}`;
  return new WorkerJobError(
    'ENGINE_CRASHED',
    `sd-server ${how} while the job was ${jobStatus}; the next job starts a new server`,
    {
      exitCode: x.code,
      signal: x.signal,
      stderrTail: child.lastStderr(10),
    },
  );
}

/** The engine a resident job runs on: the sd-cli it stands for and the sd-server beside it. */
export interface ServerEngine {
  binary: string;
  serverBinary: string;
  name: string;
  version: string;
  backendFlag: boolean;
}

/** A job's result, the same shape as the CLI path's (jobs.ts). */
type ServerJobResult = { output: Record<string, unknown>; memory?: Record<string, number> };

/**
 * Runs `p` on the manager's server for its stack.
 * @returns the same result shape as the CLI path (jobs.ts), with `engine.mode: 'server'`,
 *   `argv` = the equivalent sd-cli argv (to reproduce the image with sd-cli) and
 *   `server: {argv, body, restarted?}`.
 * @throws WorkerJobError CANCELLED, ENGINE_CRASHED, ENGINE_FAILED (server error / start-up), and
 *   the codes of {@link ServerManager.acquire}.
 */
export async function runOnServer(
  p: GenPayload,
  ctx: JobContext,
  mgr: ServerManager,
  engine: ServerEngine,
  threads: number,
): Promise<ServerJobResult> {
  // A job still queued on a server that was stopped for another job's cancel is submitted again.
  for (let attempt = 1; ; attempt++) {
    try {
      return await runOnce(p, ctx, mgr, engine, threads);
    } catch (err) {
      if (!(err instanceof Requeue) || attempt >= 3)
        throw err instanceof Requeue
          ? new WorkerJobError(
              'ENGINE_FAILED',
              'sd-server was stopped twice before this job could start',
            )
          : err;
      ctx.log('info', 'sd-server was stopped before this job started; submitting it again');
    }
  }
}

/** Thrown when the server stopped (not for this job) while the job was still queued on it. */
class Requeue extends Error {}

async function runOnce(
  p: GenPayload,
  ctx: JobContext,
  mgr: ServerManager,
  engine: ServerEngine,
  threads: number,
): Promise<ServerJobResult> {
  const t0 = Date.now();
  const body = await buildImgGenBody(p);
  const spec = stackOf(p, threads);
  const lease = await mgr.acquire(spec, ctx.signal);
  const { child } = lease;
  if (lease.started) ctx.log('info', lease.started);
  const jobId = randomUUID();
  const seedsBefore = child.parser.seeds.length;
  const warningsBefore = child.parser.warnings.length;
  let status: JobStatus['status'] = 'queued';
  let sid = '';
  let cancelled = false;
  const onAbort = () => {
    cancelled = true;
    if (status === 'queued' && sid) {
      void postJson(child, `/sdcpp/v1/jobs/${sid}/cancel`, undefined)
        .then((r) => {
          // 409: it started generating meanwhile — only killing the server stops it.
          if (r.status === 409) void mgr.stop();
        })
        .catch(() => void mgr.stop());
    } else {
      void mgr.stop();
    }
  };
  // Registered before submitting: the job may start generating before the POST returns.
  const removeSink = child.addSink((pr) => ctx.progress(pr));
  try {
    const submitted = await Promise.race([
      postJson(child, '/sdcpp/v1/img_gen', body),
      died(child),
    ]).catch(async (err: unknown) => {
      // Submitted to a server that is being stopped (another job's cancel, an unload): try the next one.
      if (child.alive && !child.isStopping)
        await Promise.race([child.exited(), new Promise((res) => setTimeout(res, 1_000))]);
      if (ctx.signal.aborted) throw new WorkerJobError('CANCELLED', 'cancelled');
      if (!child.alive || child.isStopping) throw new Requeue();
      throw new WorkerJobError(
        'ENGINE_FAILED',
        `sd-server did not take the job: ${(err as Error).message}`,
        { stderrTail: child.lastStderr(10) },
      );
    });
    if (submitted.status !== 202 || typeof submitted.json.id !== 'string') {
      throw new WorkerJobError(
        'ENGINE_FAILED',
        `sd-server refused the job: HTTP ${submitted.status} ${JSON.stringify(submitted.json).slice(0, 300)}`,
        { status: submitted.status, reply: submitted.json },
      );
    }
    sid = submitted.json.id;
    if (ctx.signal.aborted) onAbort();
    else ctx.signal.addEventListener('abort', onAbort, { once: true });
    let job: JobStatus | null = null;
    const diedP = died(child);
    diedP.catch(() => undefined);
    for (;;) {
      if (cancelled && !child.alive)
        throw new WorkerJobError(
          'CANCELLED',
          'cancelled (sd-server stopped: a generating job cannot be interrupted otherwise)',
        );
      const r = await Promise.race([
        fetch(child.url(`/sdcpp/v1/jobs/${sid}`), { signal: AbortSignal.timeout(10_000) }).then(
          async (res) => ({ status: res.status, json: (await res.json()) as JobStatus }),
        ),
        diedP,
      ]).catch(async (err: unknown) => {
        // A dying server resets the connection a moment before its exit is reported: wait for it.
        if (child.alive && !child.isStopping)
          await Promise.race([child.exited(), new Promise((res) => setTimeout(res, 1_000))]);
        if (!child.alive || child.isStopping) return null;
        throw new WorkerJobError(
          'ENGINE_FAILED',
          `sd-server stopped answering while the job was ${status}: ${(err as Error).message}`,
          { stderrTail: child.lastStderr(10) },
        );
      });
      if (!r) {
        await child.exited();
        if (cancelled) throw new WorkerJobError('CANCELLED', 'cancelled (sd-server stopped)');
        if (child.isStopping && status === 'queued') throw new Requeue();
        if (child.isStopping)
          throw new WorkerJobError(
            'ENGINE_FAILED',
            'sd-server was stopped (unload) while this job was generating',
          );
        throw crashError(child, status);
      }
      if (r.status !== 200)
        throw new WorkerJobError('ENGINE_FAILED', `sd-server lost job ${sid}: HTTP ${r.status}`, {
          status: r.status,
        });
      job = r.json;
      status = job.status;
      if (status === 'completed' || status === 'failed' || status === 'cancelled') break;
      // Poll slowly, but at once when the server's log says a generation just ended.
      await Promise.race([
        new Promise((res) => setTimeout(res, POLL_MS)),
        child.nextGenerationDone(),
      ]);
    }
    removeSink();
    if (status === 'cancelled')
      throw new WorkerJobError('CANCELLED', 'cancelled (queued job cancelled on sd-server)');
    if (status === 'failed') {
      const msg = job?.error?.message ?? 'generation failed';
      throw new WorkerJobError('ENGINE_FAILED', `sd-server: ${msg}`, {
        error: job?.error,
        stderrTail: child.lastStderr(10),
      });
    }
    child.jobsDone++;
    const imgs = [...(job?.result?.images ?? [])].sort((a, b) => a.index - b.index);
    if (imgs.length !== p.batchCount)
      throw new WorkerJobError(
        'ENGINE_FAILED',
        `sd-server returned ${imgs.length} images for a batch of ${p.batchCount}`,
      );
    const seeds = child.parser.seeds.slice(seedsBefore);
    const images: SdImage[] = [];
    for (let k = 0; k < imgs.length; k++) {
      const dest = join(p.outDir, imgs.length === 1 ? `${jobId}.png` : `${jobId}_${k}.png`);
      const tmp = `${dest}.part`;
      // write-point: none — worker scratch inside tmp/ (swept at start); the runtime names the move into artifacts/.
      await writeFile(tmp, Buffer.from(imgs[k]!.b64_json, 'base64'));
      const meta = await sharp(tmp)
        .metadata()
        .catch(() => null);
      if (!meta?.width) {
        await rm(tmp, { force: true });
        throw new WorkerJobError(
          'ENGINE_FAILED',
          'sd-server returned an image that is not a readable PNG',
        );
      }
      // write-point: none — the same scratch file, renamed within tmp/.
      await rename(tmp, dest);
      const seed = seeds[k] ?? (p.seed !== '-1' ? seedPlus(p.seed, k) : undefined);
      images.push({
        path: dest,
        sha256: await sha256File(dest),
        width: meta.width,
        height: meta.height!,
        ...(seed !== undefined ? { seed } : {}),
      });
    }
    // Reproduce with sd-cli: the same stack flags + job params as one CLI line (no preview, -o placeholder).
    const cliArgv = buildGenArgv(
      { ...p, preview: 'none' },
      { outPath: 'output.png', threads, backendFlag: engine.backendFlag },
    );
    return {
      output: {
        images,
        engine: {
          binary: engine.serverBinary,
          name: 'sd-server',
          version: engine.version,
          mode: 'server',
          cli: engine.name,
        },
        argv: cliArgv,
        server: {
          argv: child.argv.slice(0, child.argv.indexOf('--listen-ip')),
          body: bodyForRecord(p, body),
          ...(lease.started ? { started: lease.started } : {}),
        },
        requested: { width: p.width, height: p.height },
        aligned: { width: align64(p.width), height: align64(p.height) },
        warnings: child.parser.warnings.slice(warningsBefore),
        previews:
          'not available from sd-server (turn on "Live preview" to run this node with sd-cli)',
        durationMs: Date.now() - t0,
      },
    };
  } finally {
    removeSink();
    ctx.signal.removeEventListener('abort', onAbort);
    lease.release();
  }
}
