/**
 * Describes one model file for the registry from header-only reads: GGUF (formats/gguf.ts), safetensors
 * (safetensors.ts), or a pickle checkpoint (.ckpt/.pth/.pt/.bin: never parsed, flagged
 * `unsafe: true` because unpickling can run arbitrary code). Returns the row fields: kind (folder,
 * content and extension, classify.ts), family (family.ts) and a JSON-safe `metadata`:
 *
 * `{format: 'safetensors'|'gguf'|'pickle', family?, variant?, component?, rule?, parameterCount?,
 *   tensorCount?, dtype?, dtypes?, latentChannels?, scale?, unsafe?, invalid?, warnings?, …}`
 *
 * A file whose header fails validation keeps a row with `metadata.invalid` (the reason), so the UI
 * can show it and `resolve()` refuses it with MODEL_INVALID before any engine sees it.
 */
import path from 'node:path';
import { MystiError } from '../errors';
import type { ModelKind, ModelUpsert } from '../store/models';
import {
  classifyModel,
  DIFFUSION_ARCHITECTURES,
  LLM_ARCHITECTURES,
  PICKLE_EXTENSIONS,
} from './classify';
import { detectFamily, type FamilyGuess } from './family';
import { readGgufHeader, summarizeGguf } from '../../formats/gguf';
import { readSafetensorsHeader } from './safetensors';

/** A file found by the folder walk. */
export interface FoundFile {
  abs: string;
  /** Relative to the model folder, `/`-separated. */
  rel: string;
  size: number;
  mtimeMs: number;
}

/** ggml type ids (ggml.h `enum ggml_type`) → names, for the types model files commonly use. */
const GGML_TYPE_NAMES: Record<number, string> = {
  0: 'F32',
  1: 'F16',
  2: 'Q4_0',
  3: 'Q4_1',
  6: 'Q5_0',
  7: 'Q5_1',
  8: 'Q8_0',
  9: 'Q8_1',
  10: 'Q2_K',
  11: 'Q3_K',
  12: 'Q4_K',
  13: 'Q5_K',
  14: 'Q6_K',
  15: 'Q8_K',
  16: 'IQ2_XXS',
  17: 'IQ2_XS',
  18: 'IQ3_XXS',
  19: 'IQ1_S',
  20: 'IQ4_NL',
  21: 'IQ3_S',
  22: 'IQ2_S',
  23: 'IQ4_XS',
  24: 'I8',
  25: 'I16',
  26: 'I32',
  27: 'I64',
  28: 'F64',
  29: 'IQ1_M',
  30: 'BF16',
};

const COMPONENT_KIND: Record<FamilyGuess['component'], ModelKind | null> = {
  checkpoint: 'sd',
  diffusion_model: 'sd',
  vae: 'vae',
  taesd: 'taesd',
  lora: 'lora',
  upscaler: 'upscaler',
  text_encoder: 'text_encoder',
  embedding: 'embedding',
  controlnet: 'controlnet',
  ipadapter: 'ipadapter',
  clip_vision: 'clip_vision',
  unknown: null,
};

/** The dtype holding the most parameters. */
function dominant(byParams: Map<string, number>): string | null {
  let best: string | null = null;
  for (const [k, v] of byParams) if (best === null || v > byParams.get(best)!) best = k;
  return best;
}

function guessFields(g: FamilyGuess): Record<string, unknown> {
  return {
    family: g.family,
    component: g.component,
    rule: g.rule,
    ...(g.variant ? { variant: g.variant } : {}),
    ...(g.latentChannels ? { latentChannels: g.latentChannels } : {}),
    ...(g.scale ? { scale: g.scale } : {}),
  };
}

/** Up to 32 `__metadata__` entries, values cut to 200 characters (kohya LoRAs carry huge tag lists). */
function userMetadata(meta: Record<string, string>): Record<string, string> | undefined {
  const entries = Object.entries(meta)
    .slice(0, 32)
    .map(([k, v]) => [k.slice(0, 100), v.length > 200 ? `${v.slice(0, 200)}…` : v]);
  return entries.length ? Object.fromEntries(entries) : undefined;
}

function reason(err: unknown, what: string): string {
  return err instanceof MystiError
    ? err.message
    : `cannot read ${what} header: ${(err as Error).message}`;
}

/**
 * Builds the row fields for one file. Never throws for a bad file: the reason goes to
 * `metadata.invalid`.
 */
export async function describeModel(f: FoundFile): Promise<Omit<ModelUpsert, 'id'>> {
  const ext = path.extname(f.abs).toLowerCase();
  const relDir = path.posix.dirname(f.rel) === '.' ? '' : path.posix.dirname(f.rel);
  const base = { name: path.basename(f.abs), path: f.abs, bytes: f.size, mtimeMs: f.mtimeMs };

  if (ext === '.gguf') {
    try {
      const h = await readGgufHeader(f.abs);
      if (h.architecture && LLM_ARCHITECTURES.has(h.architecture)) {
        return {
          ...base,
          kind: classifyModel(relDir, ext, h.architecture),
          family: h.architecture,
          metadata: summarizeGguf(h),
        };
      }
      // Diffusion GGUF (sd.cpp's converter writes no architecture; ComfyUI-GGUF writes sd1/sdxl/flux/…).
      const guess = detectFamily(
        h.tensors.map((t) => ({ name: t.name, shape: [...t.dims].reverse() })),
      );
      const family =
        h.architecture && DIFFUSION_ARCHITECTURES.has(h.architecture)
          ? h.architecture
          : guess.family;
      const byParams = new Map<string, number>();
      for (const t of h.tensors) {
        const name = GGML_TYPE_NAMES[t.type] ?? `type${t.type}`;
        byParams.set(name, (byParams.get(name) ?? 0) + t.dims.reduce((a, b) => a * b, 1));
      }
      const metadata = {
        ...summarizeGguf(h),
        ...guessFields(guess),
        family,
        ...(family !== guess.family ? { rule: 'gguf general.architecture' } : {}),
        dtype: dominant(byParams),
      };
      return {
        ...base,
        kind: classifyModel(relDir, ext, h.architecture, COMPONENT_KIND[guess.component]),
        family,
        metadata,
      };
    } catch (err) {
      return {
        ...base,
        kind: 'unknown',
        family: null,
        metadata: { format: 'gguf', invalid: reason(err, 'GGUF') },
      };
    }
  }

  if (PICKLE_EXTENSIONS.has(ext)) {
    // Not parsed at all: reading a pickle's tensor names means unpickling it.
    return {
      ...base,
      kind: classifyModel(relDir, ext, null),
      family: null,
      metadata: { format: 'pickle', unsafe: true },
    };
  }

  try {
    const h = await readSafetensorsHeader(f.abs);
    const guess = detectFamily(h.tensors, h.metadata);
    const byParams = new Map<string, number>();
    for (const t of h.tensors)
      byParams.set(t.dtype, (byParams.get(t.dtype) ?? 0) + t.shape.reduce((a, b) => a * b, 1));
    const um = userMetadata(h.metadata);
    const metadata = {
      format: 'safetensors',
      ...guessFields(guess),
      parameterCount: h.parameterCount,
      tensorCount: h.tensors.length,
      headerBytes: h.headerBytes,
      dtype: dominant(byParams),
      dtypes: h.dtypes,
      ...(h.warnings.length ? { warnings: h.warnings } : {}),
      ...(um ? { userMetadata: um } : {}),
    };
    return {
      ...base,
      kind: classifyModel(relDir, ext, null, COMPONENT_KIND[guess.component]),
      family: guess.family,
      metadata,
    };
  } catch (err) {
    // Kept under its folder's kind so the user sees the broken file where they put it.
    return {
      ...base,
      kind: classifyModel(relDir, ext, null),
      family: null,
      metadata: { format: 'safetensors', invalid: reason(err, 'safetensors') },
    };
  }
}
