/**
 * POST /api/workflows/from-image over real HTTP for every fixture, as multipart and as a raw body:
 * `{graph, warnings, source}`; bad uploads are 4xx with a stable code, never 500.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStudio, type RunningStudio } from '../../runtime/main';
import { loadConfig } from '../../runtime/config';
import { createLogger } from '../../runtime/log';
import { loadGraph } from '../../nodes/core/validate';
import { catalog } from '../../nodes/index';
import { FIXTURES_DIR } from '../helpers/temp-home';

/** Fixture → the importer dialect it must be recognised as. */
const EXPECTED: Record<string, string> = {
  'png/a1111_itxt_utf8.png': 'a1111',
  'png/a1111_tiny_text.png': 'a1111',
  'png/comfyui_lora.png': 'comfyui-ui',
  'png/comfyui_z_image_turbo.png': 'comfyui-ui',
  'png/invokeai_text.png': 'invokeai',
  'png/sdcpp_flux_basic.png': 'sdcpp',
  'png/swarmui_params.png': 'swarmui',
  'json/comfyui_ui_default_txt2img.json': 'comfyui-ui',
  'json/comfyui_api_sdxl_base_refiner.json': 'comfyui-api',
  'json/invokeai_workflow_text_to_image_sd15.json': 'invokeai',
};

let home: string;
let studio: RunningStudio;
let url: string;

beforeAll(async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'mysti-from-image-'));
  const config = loadConfig({
    MYSTI_HOME: home,
    MYSTI_MODELS: path.join(home, 'models'),
    MYSTI_PORT: '0',
  });
  studio = await startStudio({ config, logger: createLogger('silent'), backgroundImport: false });
  url = `http://127.0.0.1:${studio.port}/api/workflows/from-image`;
});
afterAll(async () => {
  await studio?.close();
  fs.rmSync(home, { recursive: true, force: true });
});

const mime = (f: string) => (f.endsWith('.png') ? 'image/png' : 'application/json');

async function multipart(name: string, bytes: Uint8Array, type: string) {
  const form = new FormData();
  form.append('file', new Blob([Buffer.from(bytes)], { type }), name);
  const r = await fetch(url, { method: 'POST', body: form });
  return { status: r.status, body: (await r.json()) as Record<string, any> };
}

async function raw(bytes: Uint8Array | string, type: string) {
  const r = await fetch(url, {
    method: 'POST',
    body: typeof bytes === 'string' ? bytes : Buffer.from(bytes),
    headers: { 'content-type': type },
  });
  return { status: r.status, body: (await r.json()) as Record<string, any> };
}

describe('POST /api/workflows/from-image', () => {
  it('lists every fixture file of ../shared/fixtures', () => {
    const present = ['png', 'json'].flatMap((d) =>
      fs.readdirSync(path.join(FIXTURES_DIR, d)).map((f) => `${d}/${f}`),
    );
    expect(present.filter((f) => f !== 'png/no_metadata_pose_input.png').sort()).toEqual(
      Object.keys(EXPECTED).sort(),
    );
  });

  for (const [file, source] of Object.entries(EXPECTED)) {
    it(`${file} → ${source} (multipart and raw body agree)`, async () => {
      const bytes = fs.readFileSync(path.join(FIXTURES_DIR, file));
      const m = await multipart(path.basename(file), bytes, mime(file));
      expect(m.status, JSON.stringify(m.body)).toBe(200);
      expect(m.body.source).toBe(source);
      expect(Array.isArray(m.body.warnings)).toBe(true);
      expect(loadGraph(m.body.graph, catalog)).toMatchObject({ ok: true });
      expect(m.body.graph.nodes.length).toBeGreaterThan(0);
      const r = await raw(bytes, mime(file));
      expect(r.status).toBe(200);
      expect(r.body.source).toBe(source);
      expect(r.body.graph.nodes.map((n: { type: string }) => n.type)).toEqual(
        m.body.graph.nodes.map((n: { type: string }) => n.type),
      );
    });
  }

  it('a PNG without metadata is 400 NO_METADATA (multipart and raw)', async () => {
    const bytes = fs.readFileSync(path.join(FIXTURES_DIR, 'png/no_metadata_pose_input.png'));
    for (const r of [
      await multipart('pose.png', bytes, 'image/png'),
      await raw(bytes, 'image/png'),
    ]) {
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('NO_METADATA');
    }
  });

  it('garbage, SVG, HTML, non-workflow JSON, a truncated PNG and empty bodies are 4xx with a code, never 500', async () => {
    const cases: Array<[string, Uint8Array | string, string]> = [
      ['garbage', new Uint8Array([0, 1, 2, 3, 255, 254, 7, 9, 11]), 'application/octet-stream'],
      [
        'svg',
        '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        'image/svg+xml',
      ],
      ['html', '<!doctype html><html><body>hi</body></html>', 'text/html'],
      ['json', '{"hello": "world"}', 'application/json'],
      ['broken json', '{"nodes": [', 'application/json'],
      [
        'truncated png',
        fs.readFileSync(path.join(FIXTURES_DIR, 'png/a1111_tiny_text.png')).subarray(0, 20),
        'image/png',
      ],
      ['empty', '', 'image/png'],
    ];
    for (const [name, body, type] of cases) {
      const r = await raw(body, type);
      expect(r.status, `${name}: ${JSON.stringify(r.body)}`).toBeGreaterThanOrEqual(400);
      expect(r.status, name).toBeLessThan(500);
      expect(typeof r.body.error?.code, name).toBe('string');
      const m = await multipart(
        `${name}.bin`,
        typeof body === 'string' ? new TextEncoder().encode(body) : body,
        type,
      );
      expect(m.status, `${name} (multipart): ${JSON.stringify(m.body)}`).toBeGreaterThanOrEqual(
        400,
      );
      expect(m.status, name).toBeLessThan(500);
    }
    const noFile = new FormData();
    noFile.append('other', 'x');
    const r = await fetch(url, { method: 'POST', body: noFile });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe('BAD_REQUEST');
  });
});
