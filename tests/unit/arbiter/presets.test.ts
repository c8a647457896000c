import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Arbiter } from '../../../runtime/arbiter/leases';
import { Corrections } from '../../../runtime/arbiter/corrections';
import { VramPeakStore } from '../../../runtime/store/arbiter';
import { openDb, type Db } from '../../../runtime/store/db';
import { PresetStore } from '../../../runtime/store/presets';

let dir: string;
let file: string;
let db: Db;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mysti-presets-'));
  file = path.join(dir, 'mysti.db');
  db = openDb(file);
});
afterEach(() => {
  if (db.open) db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('migration 0010', () => {
  it('is applied by the runner on a real file and sets user_version ≥ 10', () => {
    expect(db.pragma('user_version', { simple: true })).toBeGreaterThanOrEqual(10);
    const tables = (db.pragma('table_list') as { name: string }[]).map((r) => r.name);
    expect(tables).toEqual(
      expect.arrayContaining(['image_presets', 'llm_presets', 'model_vram_peaks']),
    );
    const cols = (db.pragma('table_info(image_presets)') as { name: string }[]).map((c) => c.name);
    expect(cols).toEqual(
      expect.arrayContaining([
        'diffusion_model',
        'vae',
        'text_encoders_json',
        'loras_json',
        'params_json',
        'measured_vram_bytes',
      ]),
    );
  });
});

describe('PresetStore', () => {
  it('image presets: create, read (by id and name), list, update keeps createdAt, measured, delete', () => {
    const s = new PresetStore(db);
    const p = s.saveImage(
      {
        name: 'SDXL portrait',
        diffusionModel: 'sdxl/base.safetensors',
        vae: 'sdxl_vae.safetensors',
        textEncoders: ['clip_l', 'clip_g'],
        loras: [{ name: 'film', weight: 0.6 }],
        params: { width: 832, height: 1216, steps: 30 },
      },
      1000,
    );
    expect(p).toMatchObject({
      name: 'SDXL portrait',
      vae: 'sdxl_vae.safetensors',
      textEncoders: ['clip_l', 'clip_g'],
      loras: [{ name: 'film', weight: 0.6 }],
      params: { steps: 30 },
      measuredVramBytes: null,
      createdAt: 1000,
      updatedAt: 1000,
    });
    s.saveImage({ name: 'A first', diffusionModel: 'sd15.gguf' }, 1001);
    expect(s.listImage().map((x) => x.name)).toEqual(['A first', 'SDXL portrait']);
    const upd = s.saveImage({ ...p, params: { steps: 25 } }, 2000);
    expect(upd).toMatchObject({
      id: p.id,
      createdAt: 1000,
      updatedAt: 2000,
      params: { steps: 25 },
    });
    expect(s.setImageMeasured(p.id, 6.2e9, 3000)).toBe(true);
    expect(s.getImageByName('SDXL portrait')!.measuredVramBytes).toBe(6.2e9);
    expect(s.setImageMeasured('nope', 1)).toBe(false);
    expect(s.deleteImage(p.id)).toBe(true);
    expect(s.deleteImage(p.id)).toBe(false);
    expect(s.getImage(p.id)).toBeUndefined();
  });
  it('llm presets: CRUD, capabilities, constraints', () => {
    const s = new PresetStore(db);
    const p = s.saveLlm({
      name: 'tiny',
      model: 'stories260K.gguf',
      contextSize: 512,
      capabilities: ['enhance', 'tag'],
    });
    expect(p).toMatchObject({
      gpuLayers: null,
      contextSize: 512,
      capabilities: ['enhance', 'tag'],
    });
    expect(s.saveLlm({ ...p, gpuLayers: 12 }).gpuLayers).toBe(12);
    expect(s.setLlmMeasured(p.id, 5e6)).toBe(true);
    expect(s.getLlmByName('tiny')!.measuredVramBytes).toBe(5e6);
    expect(() => s.saveLlm({ name: 'tiny', model: 'other.gguf', contextSize: 256 })).toThrow(
      /UNIQUE/,
    );
    expect(() => s.saveLlm({ name: 'bad', model: 'x.gguf', contextSize: 0 })).toThrow(/CHECK/);
    expect(s.listLlm()).toHaveLength(1);
    expect(s.deleteLlm(p.id)).toBe(true);
  });
  it('survive closing and reopening the file', () => {
    new PresetStore(db).saveLlm({ name: 'kept', model: 'm.gguf', contextSize: 1024 });
    db.close();
    db = openDb(file);
    expect(new PresetStore(db).getLlmByName('kept')!.contextSize).toBe(1024);
  });
});

describe('VramPeakStore', () => {
  it('keeps projected vs actual across an arbiter restart', async () => {
    const arb1 = new Arbiter({
      budgetBytes: 1e9,
      reserveBytes: 0,
      evict: async () => {},
      corrections: new Corrections(new VramPeakStore(db)),
    });
    (
      await arb1.reserve({
        holder: 'a',
        worker: 'sd',
        model: 'sd15',
        weightsBytes: 1e8,
        computeBytes: 1e8,
      })
    ).release();
    arb1.noteActual('sd15', 3e8);
    db.close();
    db = openDb(file);
    const peaks = new VramPeakStore(db);
    expect(peaks.loadAll()).toMatchObject([
      { model: 'sd15', projectedBytes: 2e8, actualBytes: 3e8, ratio: 1.5, samples: 1 },
    ]);
    const arb2 = new Arbiter({
      budgetBytes: 1e9,
      reserveBytes: 0,
      evict: async () => {},
      corrections: new Corrections(peaks),
    });
    const l = await arb2.reserve({
      holder: 'b',
      worker: 'sd',
      model: 'sd15',
      weightsBytes: 1e8,
      computeBytes: 1e8,
    });
    expect(l.bytes + l.weightsBytes).toBe(3e8);
    l.release();
    expect(peaks.forget('sd15')).toBe(true);
  });
});
