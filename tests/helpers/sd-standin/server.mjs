/**
 * The sd-server stand-in (tests only): shared/docs/sdcpp.md §2 for what a real build cannot be
 * made to do on demand — die at a chosen moment, abort with ggml's OOM, hang at start-up. Start-up
 * takes the CLI's Context options plus `--listen-ip/--listen-port` (defaults 127.0.0.1:1234),
 * prints the model log lines then `listening on: http://IP:PORT`; serves `GET /`,
 * `GET /sdcpp/v1/capabilities`, `POST /sdcpp/v1/img_gen` (202 + job), `GET /sdcpp/v1/jobs/{id}`,
 * `POST /sdcpp/v1/jobs/{id}/cancel` (409 while generating), one job at a time in FIFO order, with
 * the CLI's log lines and bars on stdout (weight-loading bars on the first use of each module only),
 * reflected CORS and no authentication. SIGTERM stops it.
 *
 * Faults (SDCPP_STANDIN_FAULT or the model marker, README.md): `oom` (abort at sampling start),
 * `oom-kill` / `server-crash` (SIGKILL halfway through sampling), `server-hang` (never listens;
 * prints a stderr line first).
 */
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import { statSync } from 'node:fs';
import { parseArgs } from './args.mjs';
import { bar, err, info, sleep, stepSpeed } from './format.mjs';
import { encode, pattern } from './image.mjs';
import {
  die,
  faultsOf,
  formatOf,
  head,
  loadingBar,
  modelLoadFailed,
  oomAbort,
} from './standin.mjs';

const STEP_MS = Number(process.env.SDCPP_STANDIN_STEP_MS ?? 20);
const now = () => performance.now() / 1000;
const secs = (t0) => `${(now() - t0).toFixed(2)}s`;

export async function main(argv) {
  let ip = '127.0.0.1';
  let port = 1234;
  const rest = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--listen-ip') ip = argv[++i];
    else if (argv[i] === '--listen-port') port = Number(argv[++i]);
    else rest.push(argv[i]);
  }
  const parsed = await parseArgs(rest, 'sd-server');
  if (parsed.exit !== undefined) process.exit(parsed.exit);
  const o = parsed.opts;
  const modelPath = o.model ?? o.diffusionModel;
  info('stable-diffusion.cpp', 713, `loading model from '${modelPath}'`);
  const mh = head(modelPath);
  const fmt = formatOf(mh);
  if (!fmt) process.exit(modelLoadFailed(modelPath));
  info('model_loader.cpp', 236, `load ${modelPath} using ${fmt} format`);
  const faults = faultsOf(mh);
  if (faults.has('server-hang')) {
    err('[ERROR] stable-diffusion.cpp:1745 - backend init stalled (stand-in server-hang)\n');
    setInterval(() => {}, 60_000); // alive, silent, never listening
    return;
  }
  info('stable-diffusion.cpp', 908, 'Version: SD 1.x ');
  const mb = statSync(modelPath).size / 1048576;
  info(
    'stable-diffusion.cpp',
    1745,
    `total params memory size = ${mb.toFixed(2)}MB (VRAM 0.00MB, RAM ${mb.toFixed(2)}MB)`,
  );
  info('main.cpp', 148, `listening on: http://${ip}:${port}`);

  const prefix = randomBytes(4).toString('hex');
  let seq = 0;
  const jobs = new Map();
  const queue = [];
  const loaded = { te: false, unet: false, vae: false };
  let busy = false;

  const pump = async () => {
    if (busy) return;
    const job = queue.shift();
    if (!job) return;
    busy = true;
    job.status = 'generating';
    job.started = Math.floor(Date.now() / 1000);
    try {
      job.result = await generate(job.body);
      job.status = 'completed';
    } catch (e) {
      job.status = 'failed';
      job.error = { code: 'generation_failed', message: String(e?.message ?? e) };
    }
    job.completed = Math.floor(Date.now() / 1000);
    busy = false;
    void pump();
  };

  const generate = async (b) => {
    const W = Math.ceil((b.width ?? 512) / 64) * 64;
    const H = Math.ceil((b.height ?? 512) / 64) * 64;
    const sp = b.sample_params ?? {};
    const steps = sp.sample_steps ?? 20;
    const seed = b.seed ?? 42;
    const batch = b.batch_count ?? 1;
    const t0 = now();
    info('stable-diffusion.cpp', 5628, `generate_image ${W}x${H}`);
    info('stable-diffusion.cpp', 4380, 'sampling using Euler A method');
    const tc = now();
    if (!loaded.te) {
      await loadingBar(196, mb * 0.6);
      info('model_loader.cpp', 1304, 'loading tensors completed, taking 0.20s');
      loaded.te = true;
    }
    info('stable-diffusion.cpp', 5296, `get_learned_condition completed, taking ${secs(tc)}`);
    const images = [];
    for (let k = 0; k < batch; k++) {
      info('stable-diffusion.cpp', 5679, `generating image: ${k + 1}/${batch} - seed ${seed + k}`);
      if (!loaded.unet) {
        await loadingBar(280, mb * 0.3);
        info('model_loader.cpp', 1304, 'loading tensors completed, taking 0.20s');
        loaded.unet = true;
      }
      if (faults.has('oom')) await oomAbort(145.08);
      const ts = now();
      let last = now();
      for (let s = 1; s <= steps; s++) {
        await sleep(STEP_MS);
        if ((faults.has('oom-kill') || faults.has('server-crash')) && s === Math.ceil(steps / 2))
          await die('SIGKILL');
        const t = now();
        process.stdout.write(bar(s, steps, '=', '>', stepSpeed(t - last)));
        last = t;
      }
      info('stable-diffusion.cpp', 5711, `sampling completed, taking ${secs(ts)}`);
      const key = JSON.stringify([
        seed + k,
        b.prompt ?? '',
        b.negative_prompt ?? '',
        steps,
        sp.guidance?.txt_cfg ?? 7,
        basename(modelPath),
        W,
        H,
      ]);
      images.push({
        index: k,
        b64_json: (await encode(pattern(key, W, H), W, H, 'png')).toString('base64'),
      });
    }
    info('stable-diffusion.cpp', 5321, `decoding ${batch} latents`);
    const td = now();
    if (!loaded.vae) {
      await loadingBar(67, mb * 0.1);
      info('model_loader.cpp', 1304, 'loading tensors completed, taking 0.20s');
      loaded.vae = true;
    }
    info('stable-diffusion.cpp', 5391, `decode_first_stage completed, taking ${secs(td)}`);
    info('stable-diffusion.cpp', 5861, `generate_image completed in ${secs(t0)}`);
    return { output_format: 'png', images };
  };

  const view = (j) => ({
    id: j.id,
    kind: 'img_gen',
    status: j.status,
    created: j.created,
    started: j.started ?? null,
    completed: j.completed ?? null,
    queue_position: Math.max(0, queue.indexOf(j)),
    result: j.result ?? null,
    error: j.error ?? null,
  });

  const server = http.createServer(async (req, res) => {
    const origin = req.headers.origin;
    const send = (status, body) => {
      const s = JSON.stringify(body);
      res.writeHead(status, {
        'content-type': 'application/json',
        ...(origin
          ? { 'access-control-allow-origin': origin, 'access-control-allow-credentials': 'true' }
          : {}),
      });
      res.end(s);
    };
    if (req.method === 'OPTIONS') return res.writeHead(204).end();
    const url = new URL(req.url ?? '/', 'http://x');
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const raw = Buffer.concat(chunks).toString('utf8');
    if (req.method === 'GET' && url.pathname === '/')
      return res.writeHead(200).end('Stable Diffusion Server is running');
    if (req.method === 'GET' && url.pathname === '/sdcpp/v1/capabilities') {
      return send(200, {
        model: {
          name: basename(modelPath),
          stem: basename(modelPath).replace(/\.[^.]+$/, ''),
          path: modelPath,
        },
        current_mode: 'img_gen',
        supported_modes: ['img_gen'],
        features_by_mode: {
          img_gen: {
            cancel_queued: true,
            cancel_generating: false,
            init_image: true,
            lora: true,
            vae_tiling: true,
          },
        },
        output_formats_by_mode: { img_gen: ['png', 'jpeg'] },
        loras: [],
        upscalers: [],
        limits: {
          min_width: 64,
          max_width: 4096,
          min_height: 64,
          max_height: 4096,
          max_batch_count: 8,
          max_queue_size: 64,
        },
      });
    }
    if (req.method === 'POST' && url.pathname === '/sdcpp/v1/img_gen') {
      if (!raw) return send(400, { error: 'empty body' });
      let body;
      try {
        body = JSON.parse(raw);
      } catch (e) {
        return send(400, { error: 'invalid json', message: String(e.message) });
      }
      if (queue.length >= 64) return send(429, { error: 'queue is full' });
      const id = `job_${prefix}_${String(seq++).padStart(8, '0')}`;
      const job = { id, status: 'queued', created: Math.floor(Date.now() / 1000), body };
      jobs.set(id, job);
      queue.push(job);
      send(202, {
        id,
        kind: 'img_gen',
        status: 'queued',
        created: job.created,
        poll_url: `/sdcpp/v1/jobs/${id}`,
      });
      void pump();
      return;
    }
    const m = /^\/sdcpp\/v1\/jobs\/([^/]+)(\/cancel)?$/.exec(url.pathname);
    if (m) {
      const job = jobs.get(m[1]);
      if (!job) return send(404, { error: 'job not found' });
      if (req.method === 'GET' && !m[2]) return send(200, view(job));
      if (req.method === 'POST' && m[2]) {
        if (job.status === 'generating')
          return send(409, { error: 'job is currently generating and cannot be interrupted yet' });
        if (job.status === 'queued') {
          queue.splice(queue.indexOf(job), 1);
          job.status = 'cancelled';
          job.error = { code: 'cancelled', message: 'job cancelled by client' };
        }
        return send(200, view(job));
      }
    }
    send(404, { error: 'not found' });
  });
  // A taken port: like the real build (observed), the `listening on` line is out and it exits 0.
  server.on('error', () => process.exit(0));
  server.listen(port, ip);
}
