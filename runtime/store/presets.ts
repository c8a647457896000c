/**
 * Model presets (issue 5 §6, tables in migrations/0010_presets.sql): `image_presets` (diffusion
 * model, VAE, text encoders, LoRAs, default params, measured VRAM) and `llm_presets` (model,
 * context size, GPU layers, capabilities). The arbiter uses `measuredVramBytes` as a request's
 * `measuredBytes` when it is known. Statements are prepared once per database.
 */
import type { Db } from './db';
import { newId } from './ids';

export interface LoraRef {
  name: string;
  weight: number;
}

export interface ImagePreset {
  id: string;
  name: string;
  diffusionModel: string;
  vae: string | null;
  textEncoders: string[];
  loras: LoraRef[];
  params: Record<string, unknown>;
  measuredVramBytes: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface LlmPreset {
  id: string;
  name: string;
  model: string;
  contextSize: number;
  gpuLayers: number | null;
  capabilities: string[];
  params: Record<string, unknown>;
  measuredVramBytes: number | null;
  createdAt: number;
  updatedAt: number;
}

export type ImagePresetInput = Pick<ImagePreset, 'name' | 'diffusionModel'> &
  Partial<
    Pick<ImagePreset, 'id' | 'vae' | 'textEncoders' | 'loras' | 'params' | 'measuredVramBytes'>
  >;
export type LlmPresetInput = Pick<LlmPreset, 'name' | 'model' | 'contextSize'> &
  Partial<Pick<LlmPreset, 'id' | 'gpuLayers' | 'capabilities' | 'params' | 'measuredVramBytes'>>;

interface ImageRow {
  id: string;
  name: string;
  diffusion_model: string;
  vae: string | null;
  text_encoders_json: string;
  loras_json: string;
  params_json: string;
  measured_vram_bytes: number | null;
  created_at: number;
  updated_at: number;
}
interface LlmRow {
  id: string;
  name: string;
  model: string;
  context_size: number;
  gpu_layers: number | null;
  capabilities_json: string;
  params_json: string;
  measured_vram_bytes: number | null;
  created_at: number;
  updated_at: number;
}

const toImage = (r: ImageRow): ImagePreset => ({
  id: r.id,
  name: r.name,
  diffusionModel: r.diffusion_model,
  vae: r.vae,
  textEncoders: JSON.parse(r.text_encoders_json) as string[],
  loras: JSON.parse(r.loras_json) as LoraRef[],
  params: JSON.parse(r.params_json) as Record<string, unknown>,
  measuredVramBytes: r.measured_vram_bytes,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});
const toLlm = (r: LlmRow): LlmPreset => ({
  id: r.id,
  name: r.name,
  model: r.model,
  contextSize: r.context_size,
  gpuLayers: r.gpu_layers,
  capabilities: JSON.parse(r.capabilities_json) as string[],
  params: JSON.parse(r.params_json) as Record<string, unknown>,
  measuredVramBytes: r.measured_vram_bytes,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/**
 * CRUD over both preset tables.
 * Errors: better-sqlite3 throws `SqliteError` with code `SQLITE_CONSTRAINT_UNIQUE` for a duplicate
 * name and `SQLITE_CONSTRAINT_CHECK` for a non-positive context size; callers map them to
 * UserError('BAD_REQUEST').
 */
export class PresetStore {
  private readonly s;
  constructor(db: Db) {
    this.s = {
      imgUpsert:
        db.prepare(`INSERT INTO image_presets (id, name, diffusion_model, vae, text_encoders_json, loras_json, params_json, measured_vram_bytes, created_at, updated_at)
        VALUES (@id, @name, @diffusion_model, @vae, @text_encoders_json, @loras_json, @params_json, @measured_vram_bytes, @now, @now)
        ON CONFLICT(id) DO UPDATE SET name = excluded.name, diffusion_model = excluded.diffusion_model, vae = excluded.vae,
          text_encoders_json = excluded.text_encoders_json, loras_json = excluded.loras_json, params_json = excluded.params_json,
          measured_vram_bytes = excluded.measured_vram_bytes, updated_at = excluded.updated_at`),
      imgGet: db.prepare<[string], ImageRow>('SELECT * FROM image_presets WHERE id = ?'),
      imgByName: db.prepare<[string], ImageRow>('SELECT * FROM image_presets WHERE name = ?'),
      imgList: db.prepare<[], ImageRow>(
        'SELECT * FROM image_presets ORDER BY name COLLATE NOCASE, id',
      ),
      imgDel: db.prepare('DELETE FROM image_presets WHERE id = ?'),
      imgMeasured: db.prepare(
        'UPDATE image_presets SET measured_vram_bytes = ?, updated_at = ? WHERE id = ?',
      ),
      llmUpsert:
        db.prepare(`INSERT INTO llm_presets (id, name, model, context_size, gpu_layers, capabilities_json, params_json, measured_vram_bytes, created_at, updated_at)
        VALUES (@id, @name, @model, @context_size, @gpu_layers, @capabilities_json, @params_json, @measured_vram_bytes, @now, @now)
        ON CONFLICT(id) DO UPDATE SET name = excluded.name, model = excluded.model, context_size = excluded.context_size,
          gpu_layers = excluded.gpu_layers, capabilities_json = excluded.capabilities_json, params_json = excluded.params_json,
          measured_vram_bytes = excluded.measured_vram_bytes, updated_at = excluded.updated_at`),
      llmGet: db.prepare<[string], LlmRow>('SELECT * FROM llm_presets WHERE id = ?'),
      llmByName: db.prepare<[string], LlmRow>('SELECT * FROM llm_presets WHERE name = ?'),
      llmList: db.prepare<[], LlmRow>('SELECT * FROM llm_presets ORDER BY name COLLATE NOCASE, id'),
      llmDel: db.prepare('DELETE FROM llm_presets WHERE id = ?'),
      llmMeasured: db.prepare(
        'UPDATE llm_presets SET measured_vram_bytes = ?, updated_at = ? WHERE id = ?',
      ),
    };
  }

  /** Creates (new id unless given) or replaces an image preset; `createdAt` survives updates. */
  saveImage(p: ImagePresetInput, now = Date.now()): ImagePreset {
    const id = p.id ?? newId();
    this.s.imgUpsert.run({
      id,
      name: p.name,
      diffusion_model: p.diffusionModel,
      vae: p.vae ?? null,
      text_encoders_json: JSON.stringify(p.textEncoders ?? []),
      loras_json: JSON.stringify(p.loras ?? []),
      params_json: JSON.stringify(p.params ?? {}),
      measured_vram_bytes: p.measuredVramBytes ?? null,
      now,
    });
    return this.getImage(id)!;
  }

  getImage(id: string): ImagePreset | undefined {
    const r = this.s.imgGet.get(id);
    return r ? toImage(r) : undefined;
  }

  getImageByName(name: string): ImagePreset | undefined {
    const r = this.s.imgByName.get(name);
    return r ? toImage(r) : undefined;
  }

  listImage(): ImagePreset[] {
    return this.s.imgList.all().map(toImage);
  }

  /** Returns whether a row existed. */
  deleteImage(id: string): boolean {
    return this.s.imgDel.run(id).changes > 0;
  }

  /** Stores the measured peak (bytes) after a run; returns whether the preset exists. */
  setImageMeasured(id: string, bytes: number, now = Date.now()): boolean {
    return this.s.imgMeasured.run(Math.round(bytes), now, id).changes > 0;
  }

  /** Creates (new id unless given) or replaces an LLM preset; `createdAt` survives updates. */
  saveLlm(p: LlmPresetInput, now = Date.now()): LlmPreset {
    const id = p.id ?? newId();
    this.s.llmUpsert.run({
      id,
      name: p.name,
      model: p.model,
      context_size: p.contextSize,
      gpu_layers: p.gpuLayers ?? null,
      capabilities_json: JSON.stringify(p.capabilities ?? []),
      params_json: JSON.stringify(p.params ?? {}),
      measured_vram_bytes: p.measuredVramBytes ?? null,
      now,
    });
    return this.getLlm(id)!;
  }

  getLlm(id: string): LlmPreset | undefined {
    const r = this.s.llmGet.get(id);
    return r ? toLlm(r) : undefined;
  }

  getLlmByName(name: string): LlmPreset | undefined {
    const r = this.s.llmByName.get(name);
    return r ? toLlm(r) : undefined;
  }

  listLlm(): LlmPreset[] {
    return this.s.llmList.all().map(toLlm);
  }

  /** Returns whether a row existed. */
  deleteLlm(id: string): boolean {
    return this.s.llmDel.run(id).changes > 0;
  }

  /** Stores the measured peak (bytes) after a run; returns whether the preset exists. */
  setLlmMeasured(id: string, bytes: number, now = Date.now()): boolean {
    return this.s.llmMeasured.run(Math.round(bytes), now, id).changes > 0;
  }
}
